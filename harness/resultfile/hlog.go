package resultfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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

// EncodedInterval is an IntervalHistogram in the compact form a .hlog line
// holds: HdrHistogram's compressed V2 encoding, a few kilobytes where the
// histogram takes hundreds. A run keeps its finished intervals so, and its
// memory does not grow with its length by a histogram a second.
type EncodedInterval struct {
	Start, End int64
	Warmup     bool
	// Max is the largest value in nanoseconds, for the log line.
	Max int64
	// Hist is the base64 of the compressed histogram.
	Hist []byte
	// ClampedLow and ClampedHigh are the histogram's clamp counts, which
	// the encoding does not hold.
	ClampedLow, ClampedHigh int64
}

// EncodeInterval encodes an interval.
func EncodeInterval(iv IntervalHistogram) (EncodedInterval, error) {
	b, err := iv.Hist.H.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return EncodedInterval{}, err
	}
	return EncodedInterval{Start: iv.Start, End: iv.End, Warmup: iv.Warmup, Max: iv.Hist.H.Max(), Hist: b,
		ClampedLow: iv.Hist.ClampedLow, ClampedHigh: iv.Hist.ClampedHigh}, nil
}

// Decode returns the interval with its histogram decoded.
func (e EncodedInterval) Decode() (IntervalHistogram, error) {
	h, err := hdrhistogram.Decode(e.Hist)
	if err != nil {
		return IntervalHistogram{}, err
	}
	hist := NewHistogram()
	hist.H.Merge(h)
	hist.ClampedLow, hist.ClampedHigh = e.ClampedLow, e.ClampedHigh
	return IntervalHistogram{Start: e.Start, End: e.End, Hist: hist, Warmup: e.Warmup}, nil
}

// ReadHistogramLog reads the per-second latency histograms a result file's
// .hlog holds, and marks those inside the result's warm-up. A log that does
// not decode, or is not whole (cut short anywhere, header included, or
// changed), is refused with an error naming the file: its checksum must be
// the one r records, or, for results written before checksums, it must
// end its last line and hold an interval per timeline second.
func ReadHistogramLog(path string, r *Result) ([]IntervalHistogram, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ivs, err := DecodeHistogramLog(data, r)
	if err == nil && r != nil {
		err = checkWhole(data, ivs, r)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ivs, nil
}

// checkWhole checks that a histogram log is the one its result was written
// with.
func checkWhole(data []byte, ivs []IntervalHistogram, r *Result) error {
	if r.HistogramLogSHA256 != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != r.HistogramLogSHA256 {
			return fmt.Errorf("%w: %d bytes whose SHA-256 is not the one its result records: the log was cut short or changed after the run",
				ErrBadHistogramLog, len(data))
		}
		return nil
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return fmt.Errorf("%w: its last line is cut short (%d bytes)", ErrBadHistogramLog, len(data))
	}
	if len(r.Timeline) > 0 && len(ivs) != len(r.Timeline) {
		return fmt.Errorf("%w: %d intervals, but the result's timeline has %d seconds: the log was cut short", ErrBadHistogramLog, len(ivs), len(r.Timeline))
	}
	return nil
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
// format, with times relative to the run's start: the lines
// hdrhistogram-go's HistogramLogWriter writes, from the encoded form.
func writeHistogramLog(w io.Writer, r *Result, intervals []EncodedInterval) error {
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
		start := (float64(iv.Start/1e6) - float64(startMs)) / 1000.0
		end := (float64(iv.End/1e6) - float64(startMs)) / 1000.0
		max := float64(iv.Max) / hdrhistogram.MsToNsRatio
		if _, err := fmt.Fprintf(w, "Tag=latency,%f,%f,%f,%s\n", start, end-start, max, iv.Hist); err != nil {
			return err
		}
	}
	return nil
}
