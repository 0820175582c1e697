package resultfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// IntervalHistogram is one interval of a run's latency: the histogram of
// the outputs written from Start to End (nanoseconds since the Unix
// epoch). Warmup marks intervals the run's figures discard.
type IntervalHistogram struct {
	Start, End int64
	Hist       *Histogram
	Warmup     bool
}

// ErrBadHistogramLog is wrapped by every error about a .hlog file's content.
var ErrBadHistogramLog = errors.New("bad histogram log")

// ReadHistogramLog reads the per-second latency histograms a result file's
// .hlog holds, and marks those inside the result's warm-up. A log that does
// not decode is refused with an error naming the file.
func ReadHistogramLog(path string, r *Result) ([]IntervalHistogram, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ivs, err := DecodeHistogramLog(data, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ivs, nil
}

// DecodeHistogramLog decodes a histogram log in HdrHistogram's format (the
// intervals tagged "latency", or untagged ones), marking the intervals that
// start inside r's warm-up (r may be nil).
func DecodeHistogramLog(data []byte, r *Result) (ivs []IntervalHistogram, err error) {
	// The decoder of the log's compressed payloads trusts its input; a
	// damaged file must be an error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			ivs, err = nil, fmt.Errorf("%w: a histogram does not decode (%v)", ErrBadHistogramLog, p)
		}
	}()
	var warmupEndMs int64
	if r != nil {
		warmupEndMs = r.StartedAt.UnixMilli() + int64(r.WarmupS*1000)
	}
	rd := hdrhistogram.NewHistogramLogReader(bytes.NewReader(data))
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			return nil, fmt.Errorf("%w: interval %d: %v", ErrBadHistogramLog, len(ivs)+1, err)
		}
		if h == nil {
			break
		}
		if tag := h.Tag(); tag != "" && tag != "latency" {
			continue
		}
		hist := NewHistogram()
		if dropped := hist.H.Merge(h); dropped != 0 {
			return nil, fmt.Errorf("%w: interval %d holds %d values outside 1µs..1h", ErrBadHistogramLog, len(ivs)+1, dropped)
		}
		ivs = append(ivs, IntervalHistogram{
			Start: h.StartTimeMs() * 1e6,
			End:   h.EndTimeMs() * 1e6,
			Hist:  hist,
			// Intervals start at whole seconds from the run's start, as the
			// warm-up ends; the log's millisecond times may be off by one
			// after the float arithmetic of its reader, so compare halfway.
			Warmup: r != nil && h.StartTimeMs() < warmupEndMs-500,
		})
	}
	return ivs, nil
}

// writeHistogramLog writes the interval histograms in HdrHistogram's log
// format, with times relative to the run's start.
func writeHistogramLog(w io.Writer, r *Result, intervals []IntervalHistogram) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	startMs := r.StartedAt.UnixMilli()
	lw.SetBaseTime(startMs)
	for _, err := range []error{
		lw.OutputLogFormatVersion(),
		lw.OutputComment(fmt.Sprintf("[streambench %s on %s, %s; latency in ns, one interval per second; warm-up %gs]",
			r.Engine, r.Workload, r.Guarantee, r.WarmupS)),
		lw.OutputStartTime(startMs),
		lw.OutputBaseTime(startMs),
		lw.OutputLegend(),
	} {
		if err != nil {
			return err
		}
	}
	for _, iv := range intervals {
		h := iv.Hist.H
		h.SetStartTimeMs(iv.Start / 1e6)
		h.SetEndTimeMs(iv.End / 1e6)
		h.SetTag("latency")
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return err
		}
	}
	return nil
}
