package trident

import (
	"fmt"
	"io"
	"time"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// processor is one node's work inside a bolt, as Storm's TridentProcessor:
// the bolt calls startBatch when a batch first reaches it, execute for each
// tuple from a parent, and finishBatch once every tuple of the batch has
// arrived (for a committer, once the batch is also being committed).
// Per-batch state lives in the batch's slot for the processor, so several
// batches can be in flight at once.
type processor interface {
	prepare(pc *procContext) error
	startBatch(b *batch)
	execute(b *batch, parent int, t tuple.Tuple)
	finishBatch(b *batch) error
	cleanup()
}

// procContext is what a processor is given: its slot in each batch, the
// task it runs in, and how to emit to its children.
type procContext struct {
	slot          int
	conf          map[string]any
	partitionIdx  int
	numPartitions int
	emit          func(b *batch, vals tuple.Values)
	emitTuple     func(b *batch, t tuple.Tuple)
	reportError   func(err error)
	clock         func() time.Time
	// maxPending is topology.max.spout.pending, the batches in flight:
	// a txid that many below one starting has committed.
	maxPending int
}

// batch is one attempt of one batch as a bolt task sees it.
type batch struct {
	tx    spout.TransactionAttempt
	slots []any
}

// baseProc provides the processor methods most nodes do not need.
type baseProc struct{ pc *procContext }

func (p *baseProc) prepare(pc *procContext) error { p.pc = pc; return nil }
func (p *baseProc) startBatch(*batch)             {}
func (p *baseProc) finishBatch(*batch) error      { return nil }
func (p *baseProc) cleanup()                      {}

func prepareOp(op any, pc *procContext) error {
	if pr, ok := op.(operation.Preparer); ok {
		return pr.Prepare(pc.conf, operation.Context{PartitionIndex: pc.partitionIdx, NumPartitions: pc.numPartitions})
	}
	return nil
}

func cleanupOp(op any) {
	if c, ok := op.(operation.Cleaner); ok {
		c.Cleanup()
	}
}

// selection projects tuples onto an operation's input fields. When the
// positions are a run of consecutive ones it shares the tuple's values
// instead of copying them (an operation must not modify its input tuple).
// It learns the shape of its positions on first use; a processor's
// selection is used by one task only.
type selection struct {
	ready, run bool
	lo, hi     int
}

func (s *selection) project(t tuple.Tuple, idx []int, schema *tuple.Schema) tuple.Tuple {
	if !s.ready {
		s.ready, s.run = true, len(idx) > 0
		for i, j := range idx {
			if j != idx[0]+i {
				s.run = false
				break
			}
		}
		if s.run {
			s.lo, s.hi = idx[0], idx[0]+len(idx)
		}
	}
	if len(idx) == 0 {
		return tuple.New(schema, nil)
	}
	if base := t.Base(); s.run && s.hi <= len(base) {
		return tuple.New(schema, base[s.lo:s.hi:s.hi])
	}
	return tuple.New(schema, t.Select(idx))
}

// slab hands out value slices carved from larger blocks, so that a
// processor emitting a tuple per input pays one allocation per block
// instead of one per tuple. A block stays alive while any tuple cut from it
// does; tuples live for a batch.
type slab struct{ free tuple.Values }

const slabBlock = 4096

func (s *slab) alloc(n int) tuple.Values {
	if cap(s.free)-len(s.free) < n {
		s.free = make(tuple.Values, 0, max(slabBlock, n))
	}
	l := len(s.free)
	s.free = s.free[:l+n]
	return s.free[l : l+n : l+n]
}

// passThrough is the processor of merges and repartitions: it hands every
// tuple on.
func passThrough() processor { return &passProc{} }

type passProc struct{ baseProc }

func (p *passProc) execute(b *batch, _ int, t tuple.Tuple) { p.pc.emitTuple(b, t) }

// eachProc runs a Function and appends what it emits to the input tuple.
type eachProc struct {
	baseProc
	fn   operation.Function
	in   *tuple.Schema
	idx  []int
	out  *tuple.Schema
	nOut int

	cur  tuple.Tuple
	curB *batch
	slab slab
	sel  selection
}

func (p *eachProc) prepare(pc *procContext) error { p.pc = pc; return prepareOp(p.fn, pc) }
func (p *eachProc) cleanup()                      { cleanupOp(p.fn) }

func (p *eachProc) execute(b *batch, _ int, t tuple.Tuple) {
	p.cur, p.curB = t, b
	p.fn.Execute(p.sel.project(t, p.idx, p.in), p)
}

// Emit implements operation.TridentCollector for the function.
func (p *eachProc) Emit(vals tuple.Values) {
	if len(vals) != p.nOut {
		panic(fmt.Errorf("function emitted %d values for %d output fields %v", len(vals), p.nOut, p.out.Fields()[len(p.out.Fields())-p.nOut:]))
	}
	ext := p.slab.alloc(len(vals))
	copy(ext, vals)
	p.pc.emitTuple(p.curB, tuple.Extend(p.cur, p.out, ext))
}

// ReportError implements operation.TridentCollector.
func (p *eachProc) ReportError(err error) { p.pc.reportError(err) }

type filterProc struct {
	baseProc
	f   operation.Filter
	in  *tuple.Schema
	idx []int
	sel selection
}

func (p *filterProc) prepare(pc *procContext) error { p.pc = pc; return prepareOp(p.f, pc) }
func (p *filterProc) cleanup()                      { cleanupOp(p.f) }
func (p *filterProc) execute(b *batch, _ int, t tuple.Tuple) {
	if p.f.IsKeep(p.sel.project(t, p.idx, p.in)) {
		p.pc.emitTuple(b, t)
	}
}

type mapProc struct {
	baseProc
	fn  operation.MapFunction
	out *tuple.Schema
}

func (p *mapProc) prepare(pc *procContext) error { p.pc = pc; return prepareOp(p.fn, pc) }
func (p *mapProc) cleanup()                      { cleanupOp(p.fn) }
func (p *mapProc) execute(b *batch, _ int, t tuple.Tuple) {
	v := p.fn.Execute(t)
	if len(v) != len(p.out.Fields()) {
		panic(fmt.Errorf("map function returned %d values for fields %v", len(v), p.out.Fields()))
	}
	p.pc.emit(b, v)
}

type flatMapProc struct {
	baseProc
	fn  operation.FlatMapFunction
	out *tuple.Schema
}

func (p *flatMapProc) prepare(pc *procContext) error { p.pc = pc; return prepareOp(p.fn, pc) }
func (p *flatMapProc) cleanup()                      { cleanupOp(p.fn) }
func (p *flatMapProc) execute(b *batch, _ int, t tuple.Tuple) {
	for _, v := range p.fn.Execute(t) {
		if len(v) != len(p.out.Fields()) {
			panic(fmt.Errorf("flatMap function returned %d values for fields %v", len(v), p.out.Fields()))
		}
		p.pc.emit(b, v)
	}
}

type peekProc struct {
	baseProc
	c operation.Consumer
}

func (p *peekProc) prepare(pc *procContext) error { p.pc = pc; return prepareOp(p.c, pc) }
func (p *peekProc) cleanup()                      { cleanupOp(p.c) }
func (p *peekProc) execute(b *batch, _ int, t tuple.Tuple) {
	p.c.Accept(t)
	p.pc.emitTuple(b, t)
}

type projectProc struct {
	baseProc
	idx []int
	out *tuple.Schema
}

func (p *projectProc) execute(b *batch, _ int, t tuple.Tuple) { p.pc.emit(b, t.Select(p.idx)) }

// extremeProc keeps the best tuple of a partition's batch (MinBy, MaxBy,
// Min, Max), as Storm's ComparisonAggregator.
type extremeProc struct {
	baseProc
	replace func(best, t tuple.Tuple) bool
	skip    func(t tuple.Tuple) bool
	out     *tuple.Schema
}

type extremeState struct {
	best tuple.Tuple
	ok   bool
}

func (p *extremeProc) startBatch(b *batch) { b.slots[p.pc.slot] = &extremeState{} }
func (p *extremeProc) execute(b *batch, _ int, t tuple.Tuple) {
	if p.skip != nil && p.skip(t) {
		return
	}
	st := b.slots[p.pc.slot].(*extremeState)
	if !st.ok || p.replace(st.best, t) {
		st.best, st.ok = t, true
	}
}
func (p *extremeProc) finishBatch(b *batch) error {
	if st := b.slots[p.pc.slot].(*extremeState); st.ok {
		p.pc.emitTuple(b, st.best)
	}
	return nil
}

// compareValues orders numbers by value and strings lexically; other
// values compare equal.
func compareValues(a, b any) int {
	if x, ok := tuple.AsInt64(a); ok {
		if y, ok := tuple.AsInt64(b); ok {
			return cmpOrdered(x, y)
		}
	}
	if x, ok := toFloat(a); ok {
		if y, ok := toFloat(b); ok {
			return cmpOrdered(x, y)
		}
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return cmpOrdered(x, y)
		}
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	if i, ok := tuple.AsInt64(v); ok {
		return float64(i), true
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func cmpOrdered[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// persistProc is partitionPersist: a committer. It buffers its batch's
// tuples and, at commit (finishBatch of a committer runs in the commit
// phase, in txid order), applies them to its state between BeginCommit and
// Commit, as Storm's PartitionPersistProcessor.
type persistProc struct {
	baseProc
	factory state.Factory
	updater state.StateUpdater
	in      *tuple.Schema
	idx     []int
	out     *tuple.Schema

	st   state.State
	curB *batch
	sel  selection
	last int // tuples of the last batch, to size the next one's buffer
}

func (p *persistProc) prepare(pc *procContext) error {
	p.pc = pc
	st, err := p.factory.MakeState(pc.conf, pc.partitionIdx, pc.numPartitions)
	if err != nil {
		return fmt.Errorf("make state for partition %d: %w", pc.partitionIdx, err)
	}
	p.st = st
	return prepareOp(p.updater, pc)
}

func (p *persistProc) cleanup() {
	cleanupOp(p.updater)
	closeState(p.st)
}

// closeState closes a state that holds a file or a connection.
func closeState(st state.State) {
	if c, ok := st.(io.Closer); ok {
		c.Close()
	}
}

func (p *persistProc) startBatch(b *batch) { b.slots[p.pc.slot] = make([]tuple.Tuple, 0, p.last) }
func (p *persistProc) execute(b *batch, _ int, t tuple.Tuple) {
	b.slots[p.pc.slot] = append(b.slots[p.pc.slot].([]tuple.Tuple), p.sel.project(t, p.idx, p.in))
}

func (p *persistProc) finishBatch(b *batch) error {
	tuples := b.slots[p.pc.slot].([]tuple.Tuple)
	p.last = len(tuples)
	// Like Storm, a partition with nothing to write leaves its state alone.
	if len(tuples) == 0 {
		return nil
	}
	txid := b.tx.Txid
	if err := p.st.BeginCommit(txid); err != nil {
		return err
	}
	p.curB = b
	if err := p.updater.UpdateState(p.st, tuples, p); err != nil {
		return fmt.Errorf("update state at txid %d: %w", txid, err)
	}
	return p.st.Commit(txid)
}

// Emit implements operation.TridentCollector for the updater.
func (p *persistProc) Emit(vals tuple.Values) { p.pc.emit(p.curB, vals) }

// ReportError implements operation.TridentCollector.
func (p *persistProc) ReportError(err error) { p.pc.reportError(err) }

// queryProc is stateQuery: it buffers a batch's tuples and reads the
// state for all of them at once when the batch is complete, as Storm's
// StateQueryProcessor does.
type queryProc struct {
	baseProc
	factory state.Factory
	fn      state.QueryFunction
	in      *tuple.Schema
	idx     []int
	out     *tuple.Schema
	nOut    int

	st   state.State
	cur  tuple.Tuple
	curB *batch
	sel  selection
}

type queryState struct {
	full, args []tuple.Tuple
}

func (p *queryProc) prepare(pc *procContext) error {
	p.pc = pc
	st, err := p.factory.MakeState(pc.conf, pc.partitionIdx, pc.numPartitions)
	if err != nil {
		return fmt.Errorf("make state for query partition %d: %w", pc.partitionIdx, err)
	}
	p.st = st
	return prepareOp(p.fn, pc)
}

func (p *queryProc) cleanup() {
	cleanupOp(p.fn)
	closeState(p.st)
}
func (p *queryProc) startBatch(b *batch) { b.slots[p.pc.slot] = &queryState{} }
func (p *queryProc) execute(b *batch, _ int, t tuple.Tuple) {
	qs := b.slots[p.pc.slot].(*queryState)
	qs.full = append(qs.full, t)
	qs.args = append(qs.args, p.sel.project(t, p.idx, p.in))
}

func (p *queryProc) finishBatch(b *batch) error {
	qs := b.slots[p.pc.slot].(*queryState)
	if len(qs.args) == 0 {
		return nil
	}
	res, err := p.fn.BatchRetrieve(p.st, qs.args)
	if err != nil {
		return fmt.Errorf("state query: %w", err)
	}
	if len(res) != len(qs.args) {
		return fmt.Errorf("state query returned %d results for %d tuples", len(res), len(qs.args))
	}
	p.curB = b
	for i, a := range qs.args {
		p.cur = qs.full[i]
		p.fn.Execute(a, res[i], p)
	}
	return nil
}

// Emit implements operation.TridentCollector for the query function.
func (p *queryProc) Emit(vals tuple.Values) {
	if len(vals) != p.nOut {
		panic(fmt.Errorf("query function emitted %d values for %d output fields", len(vals), p.nOut))
	}
	ext := make(tuple.Values, len(vals))
	copy(ext, vals)
	p.pc.emitTuple(p.curB, tuple.Extend(p.cur, p.out, ext))
}

// ReportError implements operation.TridentCollector.
func (p *queryProc) ReportError(err error) { p.pc.reportError(err) }

func errNotSnapshottable(s state.State) error {
	return fmt.Errorf("persistentAggregate on an ungrouped stream needs a Snapshottable state, got %T", s)
}
