package trident_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

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

// TestBatchEmitInterval drives the coordinator's clock: with an interval of
// an hour, a new batch starts only when the clock has moved an hour on.
func TestBatchEmitInterval(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1e9, 0)}
	var seen counter
	const batches = 4
	vals := make([]tuple.Values, batches)
	for i := range vals {
		vals[i] = tuple.Values{i}
	}
	conf := core.Config{trident.TopologyTridentBatchEmitIntervalMillis: int(time.Hour / time.Millisecond), core.TopologyMaxSpoutPending: 3}
	job, err := trident.NewJob("interval", conf, func(engines.Source, engines.Sink) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("s", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(tuple.NewFields("i"), 1, vals...))).Peek(&seen)
		return topo, nil
	}, trident.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		src := enginetest.NewMemSource(1)
		src.CloseAll()
		done <- job.Run(context.Background(), src, &enginetest.CollectSink{})
	}()
	for i := int64(1); i <= batches; i++ {
		waitFor(t, "the next batch", func() bool { return seen.n.Load() >= i })
		// No further batch may start while the clock stands still.
		time.Sleep(30 * time.Millisecond)
		if got := seen.n.Load(); got != i {
			t.Fatalf("%d batches started with the clock still, want %d", got, i)
		}
		clock.Advance(time.Hour)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the last batch")
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

// TestIdleSourceStartsNoBatches: while the source has nothing new, the
// coordinator starts no batch (its spouts are not ready).
func TestIdleSourceStartsNoBatches(t *testing.T) {
	src := enginetest.NewMemSource(2)
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
	time.Sleep(100 * time.Millisecond) // idle on purpose: nothing may happen meanwhile
	src.CloseAll()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m := job.Metrics().(trident.JobMetrics); m.BatchesStarted > 2 {
		t.Errorf("%d batches started over an idle source, want at most 2", m.BatchesStarted)
	}
}
