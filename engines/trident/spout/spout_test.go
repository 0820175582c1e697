package spout_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

type collector struct{ vals []tuple.Values }

func (c *collector) Emit(v tuple.Values) { c.vals = append(c.vals, v) }
func (c *collector) ReportError(error)   {}

// addrs returns the (partition, offset) of every emitted record.
func (c *collector) addrs() [][2]int64 {
	var out [][2]int64
	for _, v := range c.vals {
		r := v[1].(*engines.Record)
		out = append(out, [2]int64{int64(r.Partition), r.Offset})
	}
	return out
}

func emit(t *testing.T, e spout.Emitter, txid int64, attempt int) *collector {
	t.Helper()
	var c collector
	if err := e.EmitBatch(spout.TransactionAttempt{Txid: txid, Attempt: attempt}, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func newEmitter(t *testing.T, src engines.Source, kind spout.Kind, batch int, meta txstate.TransactionalState) spout.Emitter {
	t.Helper()
	sp, err := spout.NewSourceSpout(src, kind, batch)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Kind() != kind {
		t.Fatalf("Kind = %v, want %v", sp.Kind(), kind)
	}
	if !reflect.DeepEqual(sp.OutputFields(), spout.SourceFields) {
		t.Fatalf("OutputFields = %v", sp.OutputFields())
	}
	e, err := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1, State: meta})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func publish(src *enginetest.MemSource, perPart int) {
	for p := range src.Partitions() {
		for range perPart {
			src.AppendValues(p, "x")
		}
	}
}

// TestTransactionalReplayIsIdentical: a replayed txid re-emits exactly its
// first attempt's records, even after more records arrived, and even from a
// new emitter (a restarted task) over the same metadata.
func TestTransactionalReplayIsIdentical(t *testing.T) {
	src := enginetest.NewMemSource(2)
	publish(src, 3)
	meta := txstate.NewMemory()
	e := newEmitter(t, src, spout.Transactional, 4, meta)
	first := emit(t, e, 1, 0).addrs()
	if want := [][2]int64{{0, 0}, {0, 1}, {1, 0}, {1, 1}}; !reflect.DeepEqual(first, want) {
		t.Fatalf("txid 1 = %v, want %v", first, want)
	}
	second := emit(t, e, 2, 0).addrs()
	publish(src, 5)
	if again := emit(t, e, 1, 1).addrs(); !reflect.DeepEqual(again, first) {
		t.Errorf("replay of txid 1 = %v, want %v", again, first)
	}
	restarted := newEmitter(t, src, spout.Transactional, 4, meta)
	if again := emit(t, restarted, 2, 1).addrs(); !reflect.DeepEqual(again, second) {
		t.Errorf("replay of txid 2 by a new emitter = %v, want %v", again, second)
	}
	// txid 3 continues after txid 2: no overlap, no gap.
	if next := emit(t, restarted, 3, 0).addrs(); !reflect.DeepEqual(next[0], [2]int64{0, 3}) {
		t.Errorf("txid 3 starts at %v, want [0 3]", next[0])
	}
}

// TestOpaqueReplayMayDiffer: a failed txid is emitted again from the
// previous batch's end and picks up records that arrived since; a later txid
// starts after the committed batch.
func TestOpaqueReplayMayDiffer(t *testing.T) {
	src := enginetest.NewMemSource(1)
	publish(src, 2)
	meta := txstate.NewMemory()
	e := newEmitter(t, src, spout.Opaque, 10, meta)
	if got := emit(t, e, 1, 0).addrs(); len(got) != 2 {
		t.Fatalf("txid 1 emitted %d records, want 2", len(got))
	}
	publish(src, 3)
	replay := emit(t, e, 1, 1).addrs()
	if want := [][2]int64{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}; !reflect.DeepEqual(replay, want) {
		t.Fatalf("replay of txid 1 = %v, want %v", replay, want)
	}
	if err := e.Commit(spout.TransactionAttempt{Txid: 1, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	e.Success(spout.TransactionAttempt{Txid: 1, Attempt: 1})
	publish(src, 1)
	if got := emit(t, e, 2, 0).addrs(); !reflect.DeepEqual(got, [][2]int64{{0, 5}}) {
		t.Errorf("txid 2 = %v, want [[0 5]]", got)
	}
	// A new emitter (restart) finds txid 1's end in the metadata.
	restarted := newEmitter(t, src, spout.Opaque, 10, meta)
	if got := emit(t, restarted, 2, 1).addrs(); !reflect.DeepEqual(got, [][2]int64{{0, 5}}) {
		t.Errorf("txid 2 after restart = %v, want [[0 5]]", got)
	}
}

// TestOpaqueInFlightBatchesChain: with several batches in flight, each
// starts after the previous uncommitted one.
func TestOpaqueInFlightBatchesChain(t *testing.T) {
	src := enginetest.NewMemSource(1)
	publish(src, 6)
	e := newEmitter(t, src, spout.Opaque, 2, txstate.NewMemory())
	var all [][2]int64
	for tx := int64(1); tx <= 3; tx++ {
		all = append(all, emit(t, e, tx, 0).addrs()...)
	}
	if want := [][2]int64{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}}; !reflect.DeepEqual(all, want) {
		t.Errorf("three in-flight batches = %v, want %v", all, want)
	}
}

func TestNonTransactionalMovesOn(t *testing.T) {
	src := enginetest.NewMemSource(1)
	publish(src, 4)
	e := newEmitter(t, src, spout.NonTransactional, 2, nil)
	first := emit(t, e, 1, 0).addrs()
	replay := emit(t, e, 1, 1).addrs()
	if reflect.DeepEqual(first, replay) {
		t.Errorf("non-transactional replay repeated the batch %v", first)
	}
	if want := [][2]int64{{0, 2}, {0, 3}}; !reflect.DeepEqual(replay, want) {
		t.Errorf("replay = %v, want %v", replay, want)
	}
}

func TestDrained(t *testing.T) {
	for _, kind := range []spout.Kind{spout.Transactional, spout.Opaque, spout.NonTransactional} {
		t.Run(kind.String(), func(t *testing.T) {
			src := enginetest.NewMemSource(2)
			publish(src, 2)
			e := newEmitter(t, src, kind, 4, txstate.NewMemory())
			d := e.(spout.Drainer)
			emit(t, e, 1, 0)
			if d.Drained(1) {
				t.Fatal("drained before the source closed")
			}
			src.Close(0)
			emit(t, e, 2, 0)
			if d.Drained(2) {
				t.Fatal("drained with partition 1 open")
			}
			src.Close(1)
			emit(t, e, 3, 0)
			if !d.Drained(3) {
				t.Fatal("not drained with every partition closed and read")
			}
		})
	}
}

func TestTaskPartitions(t *testing.T) {
	src := enginetest.NewMemSource(5)
	publish(src, 1)
	sp, _ := spout.NewSourceSpout(src, spout.Transactional, 100)
	meta := txstate.NewMemory()
	seen := make(map[int64]int)
	for task := range 2 {
		e, err := sp.NewEmitter(spout.Context{SpoutID: "s", TaskIndex: task, NumTasks: 2, State: meta})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range emit(t, e, 1, 0).addrs() {
			if int(a[0])%2 != task {
				t.Errorf("task %d emitted partition %d", task, a[0])
			}
			seen[a[0]]++
		}
	}
	if len(seen) != 5 {
		t.Errorf("partitions emitted: %v, want all 5 once", seen)
	}
}

func TestBadInput(t *testing.T) {
	src := enginetest.NewMemSource(1)
	if _, err := spout.NewSourceSpout(nil, spout.Opaque, 1); err == nil {
		t.Error("nil source accepted")
	}
	if _, err := spout.NewSourceSpout(src, spout.Opaque, 0); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, err := spout.NewSourceSpout(src, spout.Kind(9), 1); err == nil {
		t.Error("unknown kind accepted")
	}
	sp, _ := spout.NewSourceSpout(src, spout.Transactional, 1)
	if _, err := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1}); !errors.Is(err, spout.ErrNoState) {
		t.Errorf("emitter without state: err = %v, want ErrNoState", err)
	}
	if _, err := sp.NewEmitter(spout.Context{SpoutID: "s", TaskIndex: 2, NumTasks: 2, State: txstate.NewMemory()}); err == nil {
		t.Error("task index out of range accepted")
	}
	// Corrupt metadata for a replay is an error, not a panic.
	meta := txstate.NewMemory()
	meta.SetPartitionMeta("s", 0, 1, []byte{0xff})
	e, _ := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1, State: meta})
	if err := e.EmitBatch(spout.TransactionAttempt{Txid: 1}, &collector{}); !errors.Is(err, spout.ErrBadMeta) {
		t.Errorf("corrupt metadata: err = %v, want ErrBadMeta", err)
	}
	// Until txid 1 is emitted again, a later txid would build on metadata
	// txid 1 never settled, so it is refused.
	if err := e.EmitBatch(spout.TransactionAttempt{Txid: 2}, &collector{}); !errors.Is(err, spout.ErrEarlierBatchFailed) {
		t.Errorf("txid 2 after txid 1 failed: err = %v, want ErrEarlierBatchFailed", err)
	}
	// A recorded batch the source no longer has is an error.
	meta.SetPartitionMeta("s", 0, 2, spout.OffsetMeta{Offset: 0, Count: 5}.Encode())
	e2, _ := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1, State: meta})
	if err := e2.EmitBatch(spout.TransactionAttempt{Txid: 2}, &collector{}); !errors.Is(err, engines.ErrOffsetOutOfRange) {
		t.Errorf("missing records: err = %v, want ErrOffsetOutOfRange", err)
	}
}

func FuzzDecodeOffsetMeta(f *testing.F) {
	f.Add(spout.OffsetMeta{Offset: 10, Count: 3}.Encode())
	f.Add([]byte{})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := spout.DecodeOffsetMeta(b)
		if err != nil {
			if !errors.Is(err, spout.ErrBadMeta) {
				t.Fatalf("error %v does not wrap ErrBadMeta", err)
			}
			return
		}
		if m.Offset < 0 || m.Count < 0 {
			t.Fatalf("decoded negative %+v", m)
		}
		if b != nil {
			if m2, err := spout.DecodeOffsetMeta(m.Encode()); err != nil || m2 != m {
				t.Fatalf("%+v re-decodes as %+v, %v", m, m2, err)
			}
		}
	})
}

func TestSourceSpoutReady(t *testing.T) {
	for _, kind := range []spout.Kind{spout.Transactional, spout.Opaque, spout.NonTransactional} {
		t.Run(kind.String(), func(t *testing.T) {
			src := enginetest.NewMemSource(2)
			sp, _ := spout.NewSourceSpout(src, kind, 10)
			r := sp.(spout.Readier)
			if r.Ready(1) {
				t.Fatal("ready with nothing published")
			}
			src.AppendValues(1, "x")
			if !r.Ready(1) {
				t.Fatal("not ready with a record published")
			}
			e, _ := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1, State: txstate.NewMemory()})
			emit(t, e, 1, 0)
			if r.Ready(2) {
				t.Fatal("ready after the batch took every record")
			}
			src.Close(0)
			if !r.Ready(2) {
				t.Fatal("not ready after a partition closed: its last batch must still run")
			}
		})
	}
}
