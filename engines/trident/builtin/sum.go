package builtin

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Sum adds the first input field of every tuple. Integers of any Go kind sum
// as int64; once a float64 is involved the sum is a float64 (Storm's Numbers
// arithmetic widens the same way). A value that is not a number counts as 0.
type Sum struct{}

var _ operation.CombinerAggregator = Sum{}

// Init returns the tuple's first value as a number.
func (Sum) Init(t tuple.Tuple) any {
	if t.Size() == 0 {
		return int64(0)
	}
	return number(t.Get(0))
}

// Combine adds two sums.
func (Sum) Combine(a, b any) any {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		return ai + bi
	}
	return toFloat(a) + toFloat(b)
}

// Zero is the sum of no tuples.
func (Sum) Zero() any { return int64(0) }

func number(v any) any {
	if i, ok := tuple.AsInt64(v); ok {
		return i
	}
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	}
	return int64(0)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}
