package harness

import (
	"sort"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// meter samples a run once a second: counters for the timeline and the
// sink's interval histogram.
type meter struct {
	start, warmupEnd int64
	driver           *Driver
	src              Log
	rec              *Recorder

	timeline  []resultfile.TimelinePoint
	intervals []resultfile.IntervalHistogram
	cumul     *resultfile.Histogram // intervals after the warm-up, merged by finish

	lastIn, lastRead, lastOut int64
	lastAt                    int64
	readAtWarmup              int64
	warmupSampled             bool
}

func newMeter(start int64, warmup time.Duration, d *Driver, src Log, rec *Recorder) *meter {
	return &meter{start: start, warmupEnd: start + int64(warmup), driver: d, src: src, rec: rec, lastAt: start}
}

// sample closes the interval ending at now. Intervals are whole seconds from
// the start, except the run's last, which ends when the run does.
func (m *meter) sample(now int64) {
	h, outs := m.rec.roll()
	in, read := m.driver.Sent(), m.src.Read()
	warm := m.lastAt < m.warmupEnd
	if !warm && !m.warmupSampled {
		m.warmupSampled = true
		m.readAtWarmup = m.lastRead
	}
	m.intervals = append(m.intervals, resultfile.IntervalHistogram{Start: m.lastAt, End: now, Hist: h, Warmup: warm})
	m.timeline = append(m.timeline, resultfile.TimelinePoint{
		Second:      int((m.lastAt - m.start) / int64(time.Second)),
		Warmup:      warm,
		RecordsIn:   in - m.lastIn,
		RecordsRead: read - m.lastRead,
		Outputs:     outs - m.lastOut,
	})
	m.lastIn, m.lastRead, m.lastOut, m.lastAt = in, read, outs, now
}

// finish adds the windowed results' latencies to the intervals their final
// outputs arrived in, then fills the timeline's percentiles and merges the
// intervals after the warm-up (all of them when keepWarmup is false) into
// the run's histogram.
func (m *meter) finish(windows []windowLatency, keepWarmup bool) {
	for _, w := range windows {
		i := sort.Search(len(m.intervals), func(i int) bool { return m.intervals[i].End > w.at })
		i = min(i, len(m.intervals)-1)
		if i >= 0 {
			m.intervals[i].Hist.Record(w.latency)
		}
	}
	m.cumul = resultfile.NewHistogram()
	for i := range m.intervals {
		iv := &m.intervals[i]
		if !keepWarmup {
			iv.Warmup = false
			m.timeline[i].Warmup = false
		}
		if !iv.Warmup {
			m.cumul.Merge(iv.Hist)
		}
		m.timeline[i].LatencyP50 = iv.Hist.Quantile(50)
		m.timeline[i].LatencyP99 = iv.Hist.Quantile(99)
		m.timeline[i].LatencyMax = iv.Hist.Max()
	}
}

// nextSample returns when the next whole-second interval ends.
func (m *meter) nextSample() int64 {
	return m.start + (int64(len(m.intervals))+1)*int64(time.Second)
}
