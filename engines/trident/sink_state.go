package trident

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// OutFields is the one field of a stream of outputs: "out", an
// engines.Output.
var OutFields = tuple.NewFields("out")

// SinkStateFactory makes the harness's sink into a Trident state for
// partitionPersist, as TridentKafkaState makes a Kafka topic one.
type SinkStateFactory struct {
	Sink engines.Sink
	Type state.Type
}

var (
	_ state.Factory = (*SinkStateFactory)(nil)
	_ state.Typed   = (*SinkStateFactory)(nil)
)

// StateType implements state.Typed.
func (f *SinkStateFactory) StateType() state.Type { return f.Type }

// MakeState implements state.Factory.
func (f *SinkStateFactory) MakeState(map[string]any, int, int) (state.State, error) {
	if f.Sink == nil {
		return nil, fmt.Errorf("sink state has no sink")
	}
	return &SinkState{sink: f.Sink, typ: f.Type, committed: -1}, nil
}

// SinkState writes a partition's outputs of a batch to the sink. Trident
// applies a batch to it in the commit phase, in txid order, so only batches
// whose state updates committed are written.
//
// A transactional batch is replayed with exactly the tuples it had, so,
// like a transactional map, the state skips a txid it already committed:
// a batch that failed after this partition wrote it is not written twice,
// which keeps events (outputs the sink counts) exactly-once. An opaque
// replay may carry more tuples than the first attempt, and a
// non-transactional one other tuples, so those are written on every
// attempt: their updates are the state's committed values, written again,
// but an event of a batch that failed after it was written is repeated.
type SinkState struct {
	sink      engines.Sink
	typ       state.Type
	txid      int64
	committed int64
	skip      bool
}

var _ state.State = (*SinkState)(nil)

// BeginCommit implements state.State.
func (s *SinkState) BeginCommit(txid int64) error {
	s.txid = txid
	s.skip = s.typ == state.Transactional && txid <= s.committed
	return nil
}

// Commit implements state.State.
func (s *SinkState) Commit(txid int64) error {
	s.committed = max(s.committed, txid)
	return nil
}

// Write writes outs unless the batch was already written.
func (s *SinkState) Write(outs []engines.Output) error {
	if s.skip || len(outs) == 0 {
		return nil
	}
	return s.sink.Write(outs)
}

// WriteOutputs is the StateUpdater that writes a partition's "out" tuples
// of a batch to a SinkState in one Write. Every partition shares the one
// updater, so it keeps nothing between calls.
type WriteOutputs struct{}

var _ state.StateUpdater = WriteOutputs{}

// UpdateState implements state.StateUpdater.
func (WriteOutputs) UpdateState(s state.State, tuples []tuple.Tuple, _ operation.TridentCollector) error {
	ss, ok := s.(*SinkState)
	if !ok {
		return fmt.Errorf("outputs are written to a sink state, got %T", s)
	}
	outs := make([]engines.Output, 0, len(tuples))
	for _, t := range tuples {
		o, ok := t.Get(0).(engines.Output)
		if !ok {
			return fmt.Errorf("field %q holds %T, want an engines.Output", OutFields[0], t.Get(0))
		}
		outs = append(outs, o)
	}
	if err := ss.Write(outs); err != nil {
		// The harness's sink refuses writes only once the run is over or
		// failed (engines.Sink), so no replay can succeed.
		return fmt.Errorf("%w: sink: %w", ErrStopRun, err)
	}
	return nil
}
