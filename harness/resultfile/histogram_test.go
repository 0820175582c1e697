package resultfile

import (
	"testing"
	"time"
)

func TestHistogramClamps(t *testing.T) {
	h := NewHistogram()
	h.Record(-time.Second)
	h.Record(100 * time.Nanosecond)
	h.Record(5 * time.Millisecond)
	h.Record(2 * time.Hour)
	s := h.Summary()
	if s.Count != 4 || s.ClampedLow != 2 || s.ClampedHigh != 1 {
		t.Errorf("summary %+v", s)
	}
	if s.Min != 1 || s.Max < 3_590_000_000 || h.Quantile(75) < 4990 || h.Quantile(75) > 5010 {
		t.Errorf("clamped values not at the range's ends: %+v", s)
	}
}
