package microbatch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// countingApp builds a running count over a direct stream on src, with the
// given number of state partitions, and reports each batch's state to got.
// latest holds the last state an output saw.
type latest struct {
	mu sync.Mutex
	m  map[string]int
}

func (l *latest) set(m map[string]int) { l.mu.Lock(); l.m = m; l.mu.Unlock() }

func (l *latest) get() map[string]int { l.mu.Lock(); defer l.mu.Unlock(); return l.m }

func countingApp(t *testing.T, dir string, clock *ManualClock, src engines.Source, partitions int, got *latest) func() (*StreamingContext, error) {
	return func() (*StreamingContext, error) {
		ssc, err := NewStreamingContext(NewConf(), time.Second, WithClock(clock), WithOutput(&syncBuffer{}))
		if err != nil {
			return nil, err
		}
		if err := ssc.Checkpoint(dir); err != nil {
			return nil, err
		}
		lines := Map(DirectStream(ssc, src), func(r engines.Record) string { return r.Value })
		state := UpdateStateByKey(pairsOf(lines), func(vs []int, s Option[int]) Option[int] {
			for _, v := range vs {
				s.Value += v
			}
			return Some(s.Value)
		}, partitions).Checkpoint(2 * time.Second)
		return ssc, state.ForeachRDD(func(r *rdd.RDD[Pair[string, int]], _ Time) error {
			kvs, err := r.Collect()
			m := map[string]int{}
			for _, kv := range kvs {
				m[kv.Key] = kv.Value
			}
			got.set(m)
			return err
		})
	}
}

func runManual(t *testing.T, ssc *StreamingContext, clock *ManualClock, batches int) {
	t.Helper()
	c := newBatchCounter(ssc)
	if err := ssc.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range batches {
		clock.Advance(ssc.batch)
		c.waitBatches(t, i+1)
	}
}

func TestGetOrCreateRecovers(t *testing.T) {
	dir := t.TempDir()
	src := enginetest.NewMemSource(1)
	clock := NewManualClock(start0)
	got := &latest{}
	create := countingApp(t, dir, clock, src, 2, got)

	ssc, err := GetOrCreate(dir, create)
	if err != nil {
		t.Fatal(err)
	}
	if r := ssc.Recovery(); r.Recovered || r.String() != "created" {
		t.Fatalf("a fresh directory: Recovery %v, want created", r)
	}
	src.AppendValues(0, "a b", "a")
	runManual(t, ssc, clock, 2) // checkpoint at batch 2
	src.AppendValues(0, "b c")
	clock.Advance(time.Second) // batch 3 runs, no checkpoint: recovery replays it
	waitFor(t, func() bool { return got.get()["c"] == 1 })
	ssc.Stop(false)

	// A new process: the same application, recovered from the checkpoint.
	got.set(nil)
	ssc2, err := GetOrCreate(dir, create)
	if err != nil {
		t.Fatal(err)
	}
	// The state was checkpointed at batch 2; batch 3 completed after it,
	// so it is recomputed from the same offsets without its output.
	b2, b3 := TimeOf(start0).Add(2*time.Second), TimeOf(start0).Add(3*time.Second)
	r := ssc2.Recovery()
	if !r.Recovered || r.StateTime != b2 || r.Time != b3 || !slices.Equal(r.Recomputed, []Time{b3}) || len(r.Pending) != 0 {
		t.Fatalf("Recovery %+v, want state of batch 2, batch 3 recomputed, nothing pending", r)
	}
	if !strings.HasPrefix(r.String(), "recovered from checkpoint at batch time "+b3.String()) {
		t.Errorf("Recovery says %q", r)
	}
	started := &startedListener{}
	ssc2.AddStreamingListener(started)
	src.AppendValues(0, "c")
	runManual(t, ssc2, clock, 1)
	defer ssc2.Stop(false)
	waitFor(t, func() bool { return started.get().Recovered })
	if got := started.get(); got.Time != b3 {
		t.Errorf("StreamingStartedEvent.Recovery = %+v", got)
	}
	if want := map[string]int{"a": 2, "b": 2, "c": 2}; !mapsEqual(got.get(), want) {
		t.Fatalf("state after recovery %v, want %v", got.get(), want)
	}
}

// startedListener keeps the Recovery of the StreamingStartedEvent.
type startedListener struct {
	BaseStreamingListener
	mu  sync.Mutex
	rec RecoveryInfo
}

func (l *startedListener) OnStreamingStarted(e StreamingStartedEvent) {
	l.mu.Lock()
	l.rec = e.Recovery
	l.mu.Unlock()
}

func (l *startedListener) get() RecoveryInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGetOrCreateRefusesAnotherGraph(t *testing.T) {
	dir := t.TempDir()
	src := enginetest.NewMemSource(1)
	clock := NewManualClock(start0)
	got := &latest{}
	ssc, err := GetOrCreate(dir, countingApp(t, dir, clock, src, 2, got))
	if err != nil {
		t.Fatal(err)
	}
	runManual(t, ssc, clock, 2)
	ssc.Stop(false)
	// The same application with 3 state partitions instead of 2.
	_, err = GetOrCreate(dir, countingApp(t, dir, clock, src, 3, got))
	if !errors.Is(err, ErrIncompatibleCheckpoint) || !strings.Contains(err.Error(), "numPartitions=2") || !strings.Contains(err.Error(), "numPartitions=3") {
		t.Fatalf("GetOrCreate = %v, want ErrIncompatibleCheckpoint naming both partition counts", err)
	}
}

func TestBadCheckpointFiles(t *testing.T) {
	good := frameCheckpoint([]byte(`{"fingerprint":"x","batchMs":1000}`))
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than a checkpoint header"},
		{"foreign", []byte("{\"this is\": \"json, not a checkpoint at all\"}"), "not a streambench micro-batch checkpoint"},
		{"truncated", good[:len(good)-5], "truncated"},
		{"corrupt", append(append([]byte{}, good[:len(good)-2]...), 'X', '}'), "checksum mismatch"},
		{"other version", append(append([]byte{}, good[:8]...), append([]byte{0, 0, 0, 9}, good[12:]...)...), "format version 9"},
		{"bad json", frameCheckpoint([]byte("{not json")), "decoding"},
		{"incomplete", frameCheckpoint([]byte(`{}`)), "missing"},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "checkpoint-1000"), tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		called := false
		_, err := GetOrCreate(dir, func() (*StreamingContext, error) { called = true; return NewStreamingContext(nil, time.Second) })
		if !errors.Is(err, ErrInvalidCheckpoint) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "checkpoint-1000") {
			t.Errorf("%s: GetOrCreate = %v, want ErrInvalidCheckpoint naming the file and %q", tc.name, err, tc.want)
		}
		if called {
			t.Errorf("%s: create was called for a damaged checkpoint", tc.name)
		}
	}
	// A damaged newest checkpoint is not silently skipped for an older one.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "checkpoint-1000"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "checkpoint-2000"), good[:10], 0o644)
	if _, err := GetOrCreate(dir, nil); !errors.Is(err, ErrInvalidCheckpoint) || !strings.Contains(err.Error(), "checkpoint-1000") {
		t.Errorf("damaged newest: %v, want an error pointing at the older checkpoint", err)
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add(frameCheckpoint([]byte(`{"fingerprint":"x","batchMs":1000,"inputs":{"0":{"0":5}}}`)))
	f.Add([]byte(checkpointMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := decodeCheckpoint("fuzz", data)
		if err == nil && (cp.BatchMs <= 0 || cp.Fingerprint == "") {
			t.Fatalf("accepted a checkpoint without batch interval or fingerprint: %+v", cp)
		}
		if err != nil && !errors.Is(err, ErrInvalidCheckpoint) {
			t.Fatalf("error %v is not ErrInvalidCheckpoint", err)
		}
	})
}

func TestWriteAheadLog(t *testing.T) {
	dir := t.TempDir()
	clock := NewManualClock(start0)
	w, err := openWriteAheadLog(dir, time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	for seq := int64(1); seq <= 3; seq++ {
		if err := w.append(seq, []int{int(seq), int(seq) * 10}, Offsets{0: seq}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(40 * time.Second) // rolls a segment every other block
	}
	w.close()
	read := func() ([]int64, [][]int, error) {
		w, err := openWriteAheadLog(dir, time.Minute, clock)
		if err != nil {
			return nil, nil, err
		}
		defer w.close()
		var seqs []int64
		var data [][]int
		err = w.readAll(func(seq int64, payload []byte) error {
			_, recs, err := splitPayload(payload)
			if err != nil {
				return err
			}
			vs, err := decodeRecords[int](recs)
			seqs, data = append(seqs, seq), append(data, vs)
			return err
		})
		return seqs, data, err
	}
	seqs, data, err := read()
	if err != nil || len(seqs) != 3 || data[2][1] != 30 {
		t.Fatalf("read %v %v, %v", seqs, data, err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "log-*"))
	if len(segs) != 2 {
		t.Fatalf("%d segments, want 2 (rolled after 60 s)", len(segs))
	}
	// A torn write at the end of the last segment was never acknowledged:
	// it is dropped.
	last := segs[len(segs)-1]
	f, _ := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 0, 50, 1, 2})
	f.Close()
	if seqs, _, err := read(); err != nil || len(seqs) != 3 {
		t.Fatalf("after a torn tail: %v, %v", seqs, err)
	}
	// Damage before the end is an error naming the segment.
	b, _ := os.ReadFile(segs[0])
	b[20] ^= 0xff
	os.WriteFile(segs[0], b, 0o644)
	if _, _, err := read(); !errors.Is(err, ErrCorruptLog) || !strings.Contains(err.Error(), segs[0]) {
		t.Fatalf("corrupt segment: %v", err)
	}
	// Truncating drops the segments a checkpoint covers.
	w2, _ := openWriteAheadLog(dir, time.Minute, clock)
	if err := w2.truncate(2); err != nil {
		t.Fatal(err)
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "log-*")); len(segs) != 1 {
		t.Fatalf("after truncate: %v", segs)
	}
}

func FuzzReadSegment(f *testing.F) {
	dir := f.TempDir()
	w, _ := openWriteAheadLog(dir, time.Minute, NewManualClock(start0))
	w.append(1, []string{"a", "b"}, Offsets{0: 2})
	w.close()
	segs, _ := filepath.Glob(filepath.Join(dir, "log-*"))
	seed, _ := os.ReadFile(segs[0])
	f.Add(seed, true)
	f.Add([]byte{0, 0, 0, 1}, false)
	f.Fuzz(func(t *testing.T, data []byte, last bool) {
		path := filepath.Join(t.TempDir(), "log-1")
		os.WriteFile(path, data, 0o644)
		n, err := readSegment(path, last, func(seq int64, payload []byte) error {
			if _, recs, err := splitPayload(payload); err == nil {
				decodeRecords[string](recs)
			}
			return nil
		})
		if err == nil && n > int64(len(data)) {
			t.Fatalf("intact prefix %d longer than the file %d", n, len(data))
		}
	})
}

// TestCheckpointEveryBatch: a metadata checkpoint is written as each batch
// is generated and completes, named by the newest batch generated and
// listing the batches completed since the state checkpoint; the newest ten
// files are kept, and only the state files they name.
func TestCheckpointEveryBatch(t *testing.T) {
	dir := t.TempDir()
	src := enginetest.NewMemSource(1)
	clock := NewManualClock(start0)
	got := &latest{}
	ssc, err := GetOrCreate(dir, countingApp(t, dir, clock, src, 2, got)) // state every 2 s
	if err != nil {
		t.Fatal(err)
	}
	defer ssc.Stop(false)
	c := newBatchCounter(ssc)
	if err := ssc.Start(); err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 15; k++ {
		src.AppendValues(0, "w")
		clock.Advance(time.Second)
		c.waitBatches(t, k)
		files, err := checkpointFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		cp, file, err := readLatestCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		bt := TimeOf(start0).Add(time.Duration(k) * time.Second)
		if filepath.Base(file) != fmt.Sprintf("checkpoint-%d", bt.Milliseconds()) || cp.completedThrough() != bt {
			t.Fatalf("after batch %d: newest checkpoint %s completed through %s, want batch %s", k, file, cp.completedThrough(), bt)
		}
		if wantState := TimeOf(start0).Add(time.Duration(k/2*2) * time.Second); k >= 2 && cp.Time != wantState {
			t.Fatalf("after batch %d: state cut %s, want %s", k, cp.Time, wantState)
		}
		if len(cp.Completed) != k%2 {
			t.Fatalf("after batch %d: %d completed batches since the state cut, want %d", k, len(cp.Completed), k%2)
		}
		if len(files) > checkpointsKept {
			t.Fatalf("after batch %d: %d checkpoint files, want at most %d", k, len(files), checkpointsKept)
		}
	}
	states, _ := os.ReadDir(filepath.Join(dir, "state"))
	if len(states) > checkpointsKept {
		t.Errorf("%d state files kept, want only those the kept checkpoints name", len(states))
	}
}
