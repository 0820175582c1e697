package trident_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

type counter struct{ n atomic.Int64 }

func (c *counter) Accept(tuple.Tuple) { c.n.Add(1) }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// batchLog wraps a BatchSpout and records, in order, the batches it is
// asked to emit for the first time and the batches it is told committed.
type batchLog struct {
	spout.BatchSpout
	mu     sync.Mutex
	events []string
	seen   map[int64]bool
}

func (l *batchLog) EmitBatch(id int64, c operation.TridentCollector) error {
	l.mu.Lock()
	if !l.seen[id] {
		l.seen[id] = true
		l.events = append(l.events, fmt.Sprintf("start %d", id))
	}
	l.mu.Unlock()
	return l.BatchSpout.EmitBatch(id, c)
}

func (l *batchLog) Ack(id int64) {
	l.mu.Lock()
	l.events = append(l.events, fmt.Sprintf("commit %d", id))
	l.mu.Unlock()
	l.BatchSpout.Ack(id)
}

// Drained passes on the wrapped spout's word that a batch took its last
// tuples, which ends the run once that batch commits.
func (l *batchLog) Drained(id int64) bool { return l.BatchSpout.(spout.Drainer).Drained(id) }

func (l *batchLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// gate holds each tuple it sees until the test lets one through, and says
// which tuple arrived.
type gate struct {
	arrived chan any
	release chan struct{}
}

func (g *gate) Accept(t tuple.Tuple) {
	g.arrived <- t.Values()[0]
	<-g.release
}

// TestBatchEmitInterval drives the coordinator's clock: with an emit
// interval of an hour and room for 3 batches in flight, a batch starts only
// when the clock has moved an hour past the last start. Each batch is held
// in the topology while the clock moves to 1 ms before the next start is
// due, then let go: the coordinator commits it, and decides against a new
// batch, in the same call, at that time. The commit reaches the spout on
// the same path as a new batch would, after it, so the spout's record
// shows whether a batch started early; one more millisecond starts the
// next.
func TestBatchEmitInterval(t *testing.T) {
	const (
		batches  = 4
		interval = time.Hour // far longer than the test waits for anything
	)
	clock := core.NewManualClock(time.Unix(1e9, 0))
	vals := make([]tuple.Values, batches)
	for i := range vals {
		vals[i] = tuple.Values{i}
	}
	log := &batchLog{BatchSpout: spout.NewFixedBatchSpout(tuple.NewFields("i"), 1, vals...), seen: make(map[int64]bool)}
	g := &gate{arrived: make(chan any, batches), release: make(chan struct{})}
	conf := core.Config{
		trident.TopologyTridentBatchEmitIntervalMillis: int(interval / time.Millisecond),
		core.TopologyMaxSpoutPending:                   3,
		core.TopologyMessageTimeoutSecs:                10 * 3600, // no timeout while the clock moves 4 h
	}
	job, err := trident.NewJob("interval", conf, func(engines.Source, engines.Sink) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("s", spout.NewBatchSpoutExecutor(log)).Peek(g)
		return topo, nil
	}, trident.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		src := enginetest.NewMemSource(1)
		src.CloseAll()
		done <- job.Run(context.Background(), src, &enginetest.CollectSink{})
	}()
	t.Cleanup(func() { close(g.release) }) // a failed test lets the run end
	var want []string
	for i := 1; i <= batches; i++ {
		select {
		case v := <-g.arrived:
			if v != i-1 {
				t.Fatalf("batch %d carried %v, want %d", i, v, i-1)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("batch %d did not start once due; spout saw %q", i, log.get())
		}
		clock.Advance(interval - time.Millisecond)
		g.release <- struct{}{}
		if i == batches {
			break // the last commit ends the run before it reaches the spout
		}
		want = append(want, fmt.Sprintf("start %d", i), fmt.Sprintf("commit %d", i))
		waitFor(t, fmt.Sprintf("batch %d to commit", i), func() bool { return len(log.get()) >= len(want) })
		if got := log.get(); !slices.Equal(got, want) {
			t.Fatalf("spout saw %q, want %q: a batch started before the emit interval passed", got, want)
		}
		clock.Advance(time.Millisecond)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return after the last batch; spout saw %q", log.get())
	}
	if m := job.Metrics().(trident.JobMetrics); m.BatchesStarted != batches || m.BatchesCommitted != batches {
		t.Fatalf("%d batches started and %d committed, want %d and %d", m.BatchesStarted, m.BatchesCommitted, batches, batches)
	}
}

// TestJobStopsOnContext checks that Run returns ctx.Err() for a topology
// whose spout never drains, and leaves no goroutine behind.
func TestJobStopsOnContext(t *testing.T) {
	waitGoroutinesBase := func() int { return numGoroutines() }
	before := waitGoroutinesBase()
	job, err := trident.NewJob("forever", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 1}, func(engines.Source, engines.Sink) (*trident.TridentTopology, error) {
		sp := spout.NewFixedBatchSpout(tuple.NewFields("i"), 1, tuple.Values{1})
		sp.Cycle = true
		topo := trident.NewTridentTopology()
		topo.NewStream("s", spout.NewBatchSpoutExecutor(sp))
		return topo, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	src := enginetest.NewMemSource(1)
	if err := job.Run(ctx, src, &enginetest.CollectSink{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want context.DeadlineExceeded", err)
	}
	if err := job.Run(ctx, src, &enginetest.CollectSink{}); err == nil {
		t.Error("a second Run succeeded")
	}
	waitGoroutines(t, before)
}

// TestJobGivesUp checks that a batch failing every attempt ends the run
// with its error instead of replaying forever.
func TestJobGivesUp(t *testing.T) {
	conf := core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, trident.TridentMaxBatchAttempts: 3}
	job, _ := trident.NewJob("doomed", conf, func(engines.Source, engines.Sink) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("s", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(tuple.NewFields("i"), 1, tuple.Values{1}))).
			Peek(panicker{})
		return topo, nil
	})
	src := enginetest.NewMemSource(1)
	err := job.Run(context.Background(), src, &enginetest.CollectSink{})
	if err == nil || !strings.Contains(err.Error(), "failed 3 times") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Run = %v, want the batch's failure after 3 attempts", err)
	}
}

type panicker struct{}

func (panicker) Accept(tuple.Tuple) { panic("boom") }

func TestReadConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "topology.trident.batch.emit.interval.millis: 20\ntopology.max.spout.pending: 4\ntopology.message.timeout.secs: 10\n")
	conf, err := trident.ReadConfigFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if conf[trident.TopologyTridentBatchEmitIntervalMillis] != 20 {
		t.Errorf("interval = %v", conf[trident.TopologyTridentBatchEmitIntervalMillis])
	}
	for name, body := range map[string]string{
		"typo.yaml":   "topology.trident.batch.emit.intervall.millis: 20\n",
		"bad.yaml":    "topology.trident.batch.emit.interval.millis: soon\n",
		"notmap.yaml": "- a\n- b\n",
	} {
		if _, err := trident.ReadConfigFile(write(name, body)); err == nil {
			t.Errorf("%s: accepted %q", name, body)
		}
	}
	if _, err := trident.ReadConfigFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// fetchCounter counts the reads of a source: a source spout asks whether a
// batch would carry anything by reading one record past its last batch.
type fetchCounter struct {
	*enginetest.MemSource
	fetches atomic.Int64
}

func (f *fetchCounter) Fetch(p int, offset int64, buf []engines.Record) (int, error) {
	f.fetches.Add(1)
	return f.MemSource.Fetch(p, offset, buf)
}

// TestIdleSourceStartsNoBatches: while the source has nothing new, the
// coordinator starts no batch (its spouts are not ready). The source counts
// how often it was read: once the coordinator has asked a hundred times,
// it has had a hundred chances to start a batch over the idle source.
func TestIdleSourceStartsNoBatches(t *testing.T) {
	src := &fetchCounter{MemSource: enginetest.NewMemSource(2)}
	job, err := trident.NewJob("idle", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0},
		func(src engines.Source, _ engines.Sink) (*trident.TridentTopology, error) {
			sp, err := spout.NewSourceSpout(src, spout.Transactional, 10)
			if err != nil {
				return nil, err
			}
			topo := trident.NewTridentTopology()
			topo.NewStream("s", sp)
			return topo, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- job.Run(context.Background(), src, &enginetest.CollectSink{}) }()
	waitFor(t, "the coordinator to ask the idle source a hundred times", func() bool { return src.fetches.Load() >= 100 })
	src.CloseAll()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m := job.Metrics().(trident.JobMetrics); m.BatchesStarted > 2 {
		t.Errorf("%d batches started over an idle source, want at most 2", m.BatchesStarted)
	}
}
