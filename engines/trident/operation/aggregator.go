package operation

import "github.com/streambench/streambench/engines/trident/tuple"

// CombinerAggregator aggregates with an associative, commutative Combine.
// Trident runs it in two phases, as Storm does: every partition combines its
// own tuples of each group (Init then Combine), and only those partial values
// cross the network to be combined again; Zero is the value of an empty
// group. Count and Sum are combiners, which is why they are cheap.
type CombinerAggregator interface {
	// Init returns the value of one tuple.
	Init(t tuple.Tuple) any
	// Combine merges two partial values.
	Combine(a, b any) any
	// Zero is the identity of Combine.
	Zero() any
}

// ReducerAggregator folds the tuples of a group one at a time from Init.
// Unlike a combiner it cannot combine partial results, so Trident moves every
// tuple of a group to one partition before reducing.
type ReducerAggregator interface {
	Init() any
	Reduce(curr any, t tuple.Tuple) any
}

// Aggregator is Trident's general aggregator: Init starts a batch's (or a
// group's) state, Aggregate folds one tuple into it, and Complete emits the
// results, as many tuples as it likes. Go values are not references, so
// Aggregate returns the updated state where Storm's mutates it in place.
type Aggregator interface {
	Init(batchID any, c TridentCollector) any
	Aggregate(state any, t tuple.Tuple, c TridentCollector) any
	Complete(state any, c TridentCollector)
}
