package wincount

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Trident's windows (TumblingDurationWindow and the others) cut windows by
// processing time, per partition, and fire once when a window closes; the
// workloads count per event-time window and update the count as records
// arrive. So a windowed count is persistentAggregate(Count) grouped by
// (key, window), with the window start a field computed from the record's
// event time, which every engine and the oracle cut alike.

// Combiner is the batch half of a windowed count: a CombinerAggregator
// of a (key, window) group's records in a batch, over the "record" field
// (*engines.Record). It allocates nothing per record: Init's value is the
// record itself, and Combine adds into its first argument, always a
// *Partial this aggregator made for the batch with Zero.
type Combiner struct{}

var _ operation.CombinerAggregator = Combiner{}

// Partial is a group's count in a batch and its record of latest intended
// time.
type Partial struct {
	N      int64
	Latest *engines.Record
}

// Init counts one record.
func (Combiner) Init(t tuple.Tuple) any {
	r, _ := t.Get(0).(*engines.Record)
	return r
}

// Combine adds b, one record or a partial count, into a.
func (Combiner) Combine(a, b any) any {
	x := a.(*Partial)
	var n int64
	var latest *engines.Record
	switch y := b.(type) {
	case *engines.Record:
		n, latest = 1, y
	case *Partial:
		n, latest = y.N, y.Latest
	}
	x.N += n
	if x.Latest == nil || (latest != nil && latest.Intended > x.Latest.Intended) {
		x.Latest = latest
	}
	return x
}

// Zero is no record.
func (Combiner) Zero() any { return &Partial{} }

// Total is a (key, window)'s count as the map state stores it, with the
// latest intended time among its records: the windowed output's Intended.
// Stored values are never changed in place, since an opaque map keeps the
// previous value beside the current one.
type Total struct {
	N        int64
	Intended int64
}

// totalAdd is the CombinerAggregator the state update combines with:
// Count's Combine, carrying the latest intended time along.
type totalAdd struct{}

func (totalAdd) Init(tuple.Tuple) any { return Total{} }
func (totalAdd) Zero() any            { return Total{} }
func (totalAdd) Combine(a, b any) any {
	x, y := a.(Total), b.(Total)
	return Total{N: x.N + y.N, Intended: max(x.Intended, y.Intended)}
}

// UpdaterFields are what Updater emits: the update
// ("out", an engines.Output) and the count before the batch ("before").
var UpdaterFields = tuple.NewFields("out", "before")

// Updater is the state half of a windowed count: it adds each
// (key, window)'s batch count to the map state, in txid order at commit,
// and emits [update, count before the batch] for each. Its input tuples
// are [key (string), window (int64), partial (*Partial)].
type Updater struct{}

var _ state.StateUpdater = Updater{}

// UpdateState implements state.StateUpdater.
func (Updater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(state.MapState)
	if !ok {
		return fmt.Errorf("a windowed count needs a map state, got %T", s)
	}
	keys := make([][]any, len(tuples))
	flat := make([]any, 2*len(tuples))
	adds := make([]state.CombinerValueUpdater, len(tuples))
	ups := make([]state.ValueUpdater, len(tuples))
	for i, t := range tuples {
		flat[2*i], flat[2*i+1] = t.Get(0), t.Get(1)
		keys[i] = flat[2*i : 2*i+2 : 2*i+2]
		p := t.Get(2).(*Partial)
		adds[i] = state.CombinerValueUpdater{Agg: totalAdd{}, Arg: Total{N: p.N, Intended: p.Latest.Intended}}
		ups[i] = &adds[i]
	}
	totals, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for i, t := range tuples {
		tot := totals[i].(Total)
		p := t.Get(2).(*Partial)
		c.Emit(tuple.Values{engines.Output{Key: t.GetString(0), Window: t.GetLong(1), Value: tot.N,
			Partition: p.Latest.Partition, Offset: p.Latest.Offset, Intended: tot.Intended}, tot.N - p.N})
	}
	return nil
}
