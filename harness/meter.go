package harness

import (
	"runtime/metrics"
	"sort"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// meter samples a run once a second: counters and process memory for the
// timeline, and the sink's interval histogram. A finished interval is kept
// encoded (a few kilobytes; the histogram itself takes hundreds) and merged
// into the run's histogram as it closes, so a run's memory does not grow
// with its length by a histogram a second.
type meter struct {
	start, warmupEnd int64
	driver           *Driver
	src              Log
	rec              *Recorder
	// memory returns the process's heap in use and resident set in bytes.
	memory func() (heap, rss int64)

	timeline  []resultfile.TimelinePoint
	intervals []resultfile.EncodedInterval
	// cumul merges the intervals after the warm-up, warm those inside it
	// (finish adds them to cumul when the run ended before its warm-up).
	cumul, warm *resultfile.Histogram
	spare       *resultfile.Histogram // the next interval's, reused
	encodeErr   error

	lastIn, lastRead, lastOut int64
	lastAt                    int64
	readAtWarmup              int64
	warmupSampled             bool
}

func newMeter(start int64, warmup time.Duration, d *Driver, src Log, rec *Recorder) *meter {
	return &meter{start: start, warmupEnd: start + int64(warmup), driver: d, src: src, rec: rec, lastAt: start,
		memory: processMemory, cumul: resultfile.NewHistogram(), warm: resultfile.NewHistogram(), spare: resultfile.NewHistogram()}
}

// sample closes the interval ending at now. Intervals are whole seconds from
// the start, except the run's last, which ends when the run does.
func (m *meter) sample(now int64) {
	h, outs := m.rec.roll(m.spare)
	in, read := m.driver.Sent(), m.src.Read()
	warm := m.lastAt < m.warmupEnd
	if !warm && !m.warmupSampled {
		m.warmupSampled = true
		m.readAtWarmup = m.lastRead
	}
	p := resultfile.TimelinePoint{
		Second:      int((m.lastAt - m.start) / int64(time.Second)),
		Warmup:      warm,
		RecordsIn:   in - m.lastIn,
		RecordsRead: read - m.lastRead,
		Outputs:     outs - m.lastOut,
	}
	p.LatencyP50, p.LatencyP99, p.LatencyMax = h.Quantile(50), h.Quantile(99), h.Max()
	p.HeapBytes, p.RSSBytes = m.memory()
	m.timeline = append(m.timeline, p)
	if warm {
		m.warm.Merge(h)
	} else {
		m.cumul.Merge(h)
	}
	iv, err := resultfile.EncodeInterval(resultfile.IntervalHistogram{Start: m.lastAt, End: now, Hist: h, Warmup: warm})
	if err != nil && m.encodeErr == nil {
		m.encodeErr = err
	}
	m.intervals = append(m.intervals, iv)
	h.Reset()
	m.spare = h
	m.lastIn, m.lastRead, m.lastOut, m.lastAt = in, read, outs, now
}

// finish adds the windowed results' latencies to the intervals their final
// outputs arrived in, and to the run's histogram, and refills those
// intervals' percentiles; when keepWarmup is false the warm-up intervals
// count as measured.
func (m *meter) finish(windows []windowLatency, keepWarmup bool) {
	if !keepWarmup {
		m.cumul.Merge(m.warm)
		for i := range m.intervals {
			m.intervals[i].Warmup = false
			m.timeline[i].Warmup = false
		}
	}
	byInterval := map[int][]time.Duration{}
	for _, w := range windows {
		i := sort.Search(len(m.intervals), func(i int) bool { return m.intervals[i].End > w.at })
		i = min(i, len(m.intervals)-1)
		if i >= 0 {
			byInterval[i] = append(byInterval[i], w.latency)
		}
	}
	for i, lats := range byInterval {
		iv, err := m.intervals[i].Decode()
		if err != nil {
			m.encodeErr = err
			continue
		}
		for _, l := range lats {
			iv.Hist.Record(l)
			if !iv.Warmup {
				m.cumul.Record(l)
			}
		}
		m.timeline[i].LatencyP50 = iv.Hist.Quantile(50)
		m.timeline[i].LatencyP99 = iv.Hist.Quantile(99)
		m.timeline[i].LatencyMax = iv.Hist.Max()
		if m.intervals[i], err = resultfile.EncodeInterval(iv); err != nil {
			m.encodeErr = err
		}
	}
}

// nextSample returns when the next whole-second interval ends.
func (m *meter) nextSample() int64 {
	return m.start + (int64(len(m.intervals))+1)*int64(time.Second)
}

// memorySamples are the runtime metrics processMemory reads: cheap, unlike
// runtime.ReadMemStats, which stops the world.
var memorySamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// processMemory returns the heap in use (live and not yet swept objects)
// and the resident set size, 0 where the system does not say.
func processMemory() (heap, rss int64) {
	s := make([]metrics.Sample, len(memorySamples))
	copy(s, memorySamples)
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		heap = int64(s[0].Value.Uint64())
	}
	return heap, residentSetSize()
}
