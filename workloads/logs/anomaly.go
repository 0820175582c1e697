package logs

import (
	"math/bits"
	"slices"
)

// Detector flags a service's window whose error rate exceeds Factor times
// the service's baseline: the error rate of its previous Windows windows
// that have lines (errors over lines, pooled, so that the comparison is
// exact in integers). A window with no earlier window has no baseline and
// is not flagged.
//
// A flag depends on counts that keep growing, in its own window and in the
// ones before it, and engines deliver records of different windows in no
// particular order, so the flag is kept right as counts change: Add
// re-judges the window that changed and every later window whose baseline
// includes it, and reports each flag that changed. Once every record is
// counted, every flag is the one the final counts give, whatever the order.
type Detector struct {
	// FactorMilli is the factor in thousandths (3000 for 3).
	FactorMilli int64
	// Windows is how many earlier windows make the baseline.
	Windows int
}

// WindowStats are one service's counts in one window.
type WindowStats struct {
	Lines, Errors int64
	// Intended is the latest intended time among the window's lines.
	Intended int64
	// Flag is the window's anomaly flag, 1 or 0, and FlagIntended the
	// latest intended time among what decided it.
	Flag, FlagIntended int64
	judged             bool
}

// Service is a Detector's state for one service: its windows that have
// lines, in order. It is not safe for concurrent use.
type Service struct {
	starts []int64 // window starts, ascending
	stats  []*WindowStats
}

// FlagUpdate is a changed anomaly flag.
type FlagUpdate struct {
	Window   int64
	Flag     int64
	Intended int64
}

// Add counts lines lines, errors of them errors, intended at the given
// time, in window of service s. It returns the window's stats and appends
// to flags every flag that changed (or was judged the first time).
func (d Detector) Add(s *Service, window, lines, errors, intended int64, flags []FlagUpdate) (*WindowStats, []FlagUpdate) {
	i, found := slices.BinarySearch(s.starts, window)
	if !found {
		s.starts = slices.Insert(s.starts, i, window)
		s.stats = slices.Insert(s.stats, i, &WindowStats{})
	}
	st := s.stats[i]
	st.Lines += lines
	st.Errors += errors
	st.Intended = max(st.Intended, intended)
	for j := i; j < len(s.starts) && j <= i+d.Windows; j++ {
		w := s.stats[j]
		flag := d.judge(w, s.stats[max(0, j-d.Windows):j])
		w.FlagIntended = max(w.FlagIntended, w.Intended, intended)
		if !w.judged || flag != w.Flag {
			w.judged, w.Flag = true, flag
			flags = append(flags, FlagUpdate{Window: s.starts[j], Flag: flag, Intended: w.FlagIntended})
		}
	}
	return st, flags
}

// judge returns w's flag against the baseline windows before it.
func (d Detector) judge(w *WindowStats, baseline []*WindowStats) int64 {
	if len(baseline) == 0 {
		return 0
	}
	var errs, lines uint64
	for _, b := range baseline {
		errs += uint64(b.Errors)
		lines += uint64(b.Lines)
	}
	// errors/lines > factor * errs/lines_b, cross-multiplied:
	// errors * lines_b * 1000 > factorMilli * errs * lines, in 128 bits.
	if greater(mul(uint64(w.Errors), lines), 1000, mul(uint64(d.FactorMilli), errs), uint64(w.Lines)) {
		return 1
	}
	return 0
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func mul(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

// greater reports whether a*x > b*y, for products that fit in 192 bits.
func greater(a u128, x uint64, b u128, y uint64) bool {
	ah, al := mul3(a, x)
	bh, bl := mul3(b, y)
	return ah.hi > bh.hi || ah.hi == bh.hi && (ah.lo > bh.lo || ah.lo == bh.lo && al > bl)
}

// mul3 returns a*x as the high 128 bits and the low 64.
func mul3(a u128, x uint64) (u128, uint64) {
	h1, l1 := bits.Mul64(a.lo, x)
	h2, l2 := bits.Mul64(a.hi, x)
	mid, carry := bits.Add64(h1, l2, 0)
	return u128{h2 + carry, mid}, l1
}
