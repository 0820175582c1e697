package spout

import (
	"sync"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// FixedBatchSpout is Storm's testing FixedBatchSpout: it emits a fixed list
// of tuples in batches of at most MaxBatchSize, repeating a batch exactly
// when its txid is replayed. With Cycle it starts over at the end;
// otherwise it drains, so a Job over it ends.
type FixedBatchSpout struct {
	fields  tuple.Fields
	maxSize int
	outputs []tuple.Values
	// Cycle makes the spout start over once every tuple was emitted.
	Cycle bool

	mu      sync.Mutex
	index   int
	batches map[int64][]tuple.Values
	drained map[int64]bool
}

var _ BatchSpout = (*FixedBatchSpout)(nil)

// NewFixedBatchSpout returns a spout of fields emitting outputs.
func NewFixedBatchSpout(fields tuple.Fields, maxBatchSize int, outputs ...tuple.Values) *FixedBatchSpout {
	return &FixedBatchSpout{fields: fields, maxSize: max(maxBatchSize, 1), outputs: outputs,
		batches: make(map[int64][]tuple.Values), drained: make(map[int64]bool)}
}

// Open implements BatchSpout.
func (s *FixedBatchSpout) Open(map[string]any, Context) error { return nil }

// EmitBatch emits the next tuples, or batchID's tuples again on a replay.
func (s *FixedBatchSpout) EmitBatch(batchID int64, c operation.TridentCollector) error {
	s.mu.Lock()
	b, ok := s.batches[batchID]
	if !ok {
		if s.Cycle && s.index >= len(s.outputs) {
			s.index = 0
		}
		end := min(s.index+s.maxSize, len(s.outputs))
		b = s.outputs[s.index:end]
		s.index = end
		s.batches[batchID] = b
		s.drained[batchID] = !s.Cycle && s.index >= len(s.outputs)
	}
	s.mu.Unlock()
	for _, v := range b {
		c.Emit(v)
	}
	return nil
}

// Ack forgets a committed batch.
func (s *FixedBatchSpout) Ack(batchID int64) {
	s.mu.Lock()
	delete(s.batches, batchID)
	delete(s.drained, batchID)
	s.mu.Unlock()
}

// Drained implements Drainer.
func (s *FixedBatchSpout) Drained(batchID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drained[batchID]
}

// Close implements BatchSpout.
func (s *FixedBatchSpout) Close() error { return nil }

// OutputFields implements BatchSpout.
func (s *FixedBatchSpout) OutputFields() tuple.Fields { return s.fields }
