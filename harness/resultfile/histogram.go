package resultfile

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The range and precision of every latency histogram: 1 µs to 1 hour at 3
// significant digits. Values outside the range are clamped to it and counted,
// never dropped. Histograms hold nanoseconds, the unit HdrHistogram's log
// tools assume; results report microseconds.
const (
	Lowest  = int64(time.Microsecond)
	Highest = int64(time.Hour)
	SigFigs = 3
)

// Histogram is an HdrHistogram of durations in nanoseconds with clamping.
// It is not safe for concurrent use.
type Histogram struct {
	H           *hdrhistogram.Histogram
	ClampedLow  int64
	ClampedHigh int64
}

// NewHistogram returns an empty histogram over the standard range.
func NewHistogram() *Histogram {
	return &Histogram{H: hdrhistogram.New(Lowest, Highest, SigFigs)}
}

// Record adds one duration, clamped into the range.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	switch {
	case v < Lowest:
		v = Lowest
		h.ClampedLow++
	case v > Highest:
		v = Highest
		h.ClampedHigh++
	}
	_ = h.H.RecordValue(v) // in range by construction
}

// Merge adds every value of o.
func (h *Histogram) Merge(o *Histogram) {
	h.H.Merge(o.H)
	h.ClampedLow += o.ClampedLow
	h.ClampedHigh += o.ClampedHigh
}

// Reset empties the histogram, for reuse.
func (h *Histogram) Reset() {
	h.H.Reset()
	h.ClampedLow, h.ClampedHigh = 0, 0
}

// Summary returns the percentiles a result reports.
func (h *Histogram) Summary() LatencySummary {
	if h.H.TotalCount() == 0 {
		return LatencySummary{}
	}
	return LatencySummary{
		Count:       h.H.TotalCount(),
		Min:         us(h.H.Min()),
		Mean:        h.H.Mean() / 1e3,
		P50:         h.Quantile(50),
		P90:         h.Quantile(90),
		P99:         h.Quantile(99),
		P999:        h.Quantile(99.9),
		P9999:       h.Quantile(99.99),
		Max:         h.Max(),
		ClampedLow:  h.ClampedLow,
		ClampedHigh: h.ClampedHigh,
	}
}

// LatencySummary is a histogram's percentiles in microseconds.
type LatencySummary struct {
	Count       int64   `json:"count"`
	Min         int64   `json:"min"`
	Mean        float64 `json:"mean"`
	P50         int64   `json:"p50"`
	P90         int64   `json:"p90"`
	P99         int64   `json:"p99"`
	P999        int64   `json:"p999"`
	P9999       int64   `json:"p9999"`
	Max         int64   `json:"max"`
	ClampedLow  int64   `json:"clamped_low"`
	ClampedHigh int64   `json:"clamped_high"`
}

// Quantile returns the value at percentile q (0-100) in microseconds.
func (h *Histogram) Quantile(q float64) int64 { return us(h.H.ValueAtQuantile(q)) }

// Max returns the largest value in microseconds.
func (h *Histogram) Max() int64 { return us(h.H.Max()) }

// us converts nanoseconds to whole microseconds, rounding to nearest.
func us(ns int64) int64 { return (ns + 500) / 1000 }
