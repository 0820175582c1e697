package wincount

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
)

// KeyWindow is the state key of a windowed count: a result key within an
// event-time window (its start).
type KeyWindow struct {
	Key    string
	Window int64
}

// Seen is what a batch holds of one (key, window): how many units it adds,
// the oldest record among them (whose address the update carries) and the
// latest intended time among them (which times the window).
type Seen struct {
	N         int64
	Partition int32
	Offset    int64
	Oldest    int64 // the oldest record's intended time
	Latest    int64 // the latest intended time
}

// One is n units seen in record r.
func One(r *engines.Record, n int64) Seen {
	return Seen{N: n, Partition: r.Partition, Offset: r.Offset, Oldest: r.Intended, Latest: r.Intended}
}

// Fold adds two Seens: the reduceByKey function of a windowed count.
func Fold(a, b Seen) Seen {
	n, latest := a.N+b.N, max(a.Latest, b.Latest)
	if b.Oldest < a.Oldest || (b.Oldest == a.Oldest && b.Offset < a.Offset) {
		a = b
	}
	a.N, a.Latest = n, latest
	return a
}

// Count is the state of one (key, window): its running count and the
// latest intended time of its records so far. Its fields are exported
// because checkpoints gob-encode the state, as Spark serialises it.
type Count struct {
	N        int64
	Intended int64
}

// Update is the mapWithState function of a windowed count: it adds a
// batch's units to the window's count and emits the update, timed by the
// window's latest intended time so far.
func Update(k KeyWindow, batch microbatch.Option[Seen], state *microbatch.State[Count]) engines.Output {
	s := batch.Value
	c := state.Get()
	c.N += s.N
	c.Intended = max(c.Intended, s.Latest)
	state.Update(c)
	return engines.Output{Key: k.Key, Window: k.Window, Value: c.N, Partition: s.Partition, Offset: s.Offset, Intended: c.Intended}
}

// Counts is the running count per (key, window) of pairs: a
// reduceByKey of the batch into p partitions, then mapWithState over the
// same partitioner.
func Counts(pairs *microbatch.DStream[microbatch.Pair[KeyWindow, Seen]], p int) *microbatch.MapWithStateDStream[KeyWindow, Count, engines.Output] {
	perBatch := microbatch.ReduceByKey(pairs, Fold, p)
	return microbatch.MapWithState(perBatch, microbatch.StateSpecFunction(Update).NumPartitions(p))
}
