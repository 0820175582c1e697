package microbatch

import (
	"fmt"
	"time"
)

// Time is a batch time in milliseconds since the Unix epoch, like Spark
// Streaming's Time. Batch times are multiples of the batch interval.
type Time int64

// TimeOf returns t truncated to milliseconds.
func TimeOf(t time.Time) Time { return Time(t.UnixMilli()) }

// Milliseconds returns t in milliseconds since the epoch.
func (t Time) Milliseconds() int64 { return int64(t) }

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d.Milliseconds()) }

// Sub returns t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t-u) * time.Millisecond }

// AsTime returns t as a time.Time.
func (t Time) AsTime() time.Time { return time.UnixMilli(int64(t)) }

// String prints the time as Spark does: "1357008430000 ms".
func (t Time) String() string { return fmt.Sprintf("%d ms", int64(t)) }

// checkDuration checks that d is a positive whole number of milliseconds.
func checkDuration(what string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s %v must be positive", ErrInvalidDuration, what, d)
	}
	if d%time.Millisecond != 0 {
		return fmt.Errorf("%w: %s %v must be a whole number of milliseconds", ErrInvalidDuration, what, d)
	}
	return nil
}

// checkMultiple checks that d is a positive multiple of unit.
func checkMultiple(what string, d time.Duration, unitName string, unit time.Duration) error {
	if err := checkDuration(what, d); err != nil {
		return err
	}
	if d%unit != 0 {
		return fmt.Errorf("%w: %s %v is not a multiple of the %s %v", ErrInvalidDuration, what, d, unitName, unit)
	}
	return nil
}
