package operation

import "github.com/streambench/streambench/engines/trident/tuple"

// Context tells an operation where it runs: the partition (task) index among
// the partitions of its part of the topology, as Storm's
// TridentOperationContext does.
type Context struct {
	PartitionIndex int
	NumPartitions  int
}

// Preparer is implemented by operations that need setup before their first
// tuple (Storm's Operation.prepare); an error stops the topology with it.
type Preparer interface {
	Prepare(conf map[string]any, ctx Context) error
}

// Cleaner is implemented by operations that release resources when the
// topology stops (Storm's Operation.cleanup).
type Cleaner interface {
	Cleanup()
}

// Cloner is implemented by operations that keep per-partition fields: every
// partition gets its own copy from Clone, as every Storm task deserializes
// its own instance of the operation.
type Cloner interface {
	Clone() any
}

// TridentCollector receives what an operation emits. Emit keeps values; the
// operation must not modify them afterwards.
type TridentCollector interface {
	Emit(values tuple.Values)
	// ReportError records an error for the topology's metrics without
	// failing the batch (a failing operation returns or panics instead).
	ReportError(err error)
}

// Function is the operation of Stream.Each: it reads the input fields of t
// and emits tuples of its output fields; each emitted tuple is appended to
// the input tuple. Emitting nothing filters the tuple out, emitting several
// times duplicates it. Each copies the values emitted, so a Function may
// reuse one slice for all its emits.
type Function interface {
	Execute(t tuple.Tuple, c TridentCollector)
}

// FunctionFunc adapts a function to a Function.
type FunctionFunc func(t tuple.Tuple, c TridentCollector)

// Execute calls f.
func (f FunctionFunc) Execute(t tuple.Tuple, c TridentCollector) { f(t, c) }

// Filter is the operation of Stream.Filter: it keeps a tuple when IsKeep
// returns true.
type Filter interface {
	IsKeep(t tuple.Tuple) bool
}

// FilterFunc adapts a function to a Filter.
type FilterFunc func(t tuple.Tuple) bool

// IsKeep calls f.
func (f FilterFunc) IsKeep(t tuple.Tuple) bool { return f(t) }

// MapFunction is the operation of Stream.Map: one tuple in, one out.
type MapFunction interface {
	Execute(t tuple.Tuple) tuple.Values
}

// MapFunc adapts a function to a MapFunction.
type MapFunc func(t tuple.Tuple) tuple.Values

// Execute calls f.
func (f MapFunc) Execute(t tuple.Tuple) tuple.Values { return f(t) }

// FlatMapFunction is the operation of Stream.FlatMap: one tuple in, any
// number out.
type FlatMapFunction interface {
	Execute(t tuple.Tuple) []tuple.Values
}

// FlatMapFunc adapts a function to a FlatMapFunction.
type FlatMapFunc func(t tuple.Tuple) []tuple.Values

// Execute calls f.
func (f FlatMapFunc) Execute(t tuple.Tuple) []tuple.Values { return f(t) }

// Consumer is the operation of Stream.Peek: it sees every tuple.
type Consumer interface {
	Accept(t tuple.Tuple)
}

// ConsumerFunc adapts a function to a Consumer.
type ConsumerFunc func(t tuple.Tuple)

// Accept calls f.
func (f ConsumerFunc) Accept(t tuple.Tuple) { f(t) }

// Instance returns op's copy for one partition: op.Clone() when op is a
// Cloner, op itself otherwise.
func Instance[T any](op T) T {
	if c, ok := any(op).(Cloner); ok {
		if v, ok := c.Clone().(T); ok {
			return v
		}
	}
	return op
}
