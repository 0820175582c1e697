package builtin

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Count counts tuples. It is a CombinerAggregator, so a grouped count is
// combined partially on every partition before the repartition. Values are
// int64.
type Count struct{}

var _ operation.CombinerAggregator = Count{}

// Init counts one tuple.
func (Count) Init(tuple.Tuple) any { return int64(1) }

// Combine adds two counts.
func (Count) Combine(a, b any) any { return a.(int64) + b.(int64) }

// Zero is the count of no tuples.
func (Count) Zero() any { return int64(0) }
