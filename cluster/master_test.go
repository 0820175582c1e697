package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/cluster/coord"
	"github.com/streambench/streambench/engines/enginetest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestMasterSweep drives the master's decisions with an injected clock:
// no assignment until enough slots are live, an even spread, a lost
// node's worker moved and the others kept, a stale compare-and-set
// refused, a killed topology's assignment deleted.
func TestMasterSweep(t *testing.T) {
	// Not parallel: the goroutine check would see the other tests'.
	enginetest.NoGoroutinesLeft(t)
	url := clustertest.StartNATS(t)
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	timing := coord.FastTiming()
	store, err := coord.Dial(ctx, url, "test", coord.Options{Cluster: "sweep", Timing: timing, Now: clk.Now, Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := NewMaster(store, slog.New(slog.DiscardHandler))
	beat := func(node string, ports ...int) {
		t.Helper()
		if err := store.PutAgentHeartbeat(ctx, &coord.AgentHeartbeat{Node: node, Host: "127.0.0.1", Slots: ports, PID: 100, Time: clk.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Submit(ctx, testSubmission("t", 3)); err != nil {
		t.Fatal(err)
	}
	beat("a", 1, 2)
	if n := m.Sweep(ctx); n != 0 {
		t.Fatalf("assigned 3 workers on 2 slots (%d changes)", n)
	}
	beat("b", 3)
	beat("c", 4)
	if n := m.Sweep(ctx); n != 1 {
		t.Fatalf("%d changes, want the assignment", n)
	}
	a, err := store.Assignment(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if a.Workers[0].Node != "a" || a.Workers[1].Node != "b" || a.Workers[2].Node != "c" || len(a.Workers[0].Executors) != 2 {
		t.Fatalf("assignment %+v", a.Workers)
	}
	if n := m.Sweep(ctx); n != 0 {
		t.Errorf("a second sweep changed %d things", n)
	}

	// Node c stops heartbeating; a and b go on.
	clk.Add(timing.NimbusSupervisorTimeout / 2)
	beat("a", 1, 2)
	beat("b", 3)
	clk.Add(timing.NimbusSupervisorTimeout/2 + time.Millisecond)
	if n := m.Sweep(ctx); n != 1 {
		t.Fatalf("%d changes after node c timed out, want 1", n)
	}
	b, _ := store.Assignment(ctx, "t")
	if b.Version == a.Version || b.Workers[2].Node != "a" || b.Workers[2].Addr != "127.0.0.1:2" ||
		b.Workers[0].Addr != a.Workers[0].Addr || b.Workers[1].Addr != a.Workers[1].Addr {
		t.Errorf("after losing c: %+v", b.Workers)
	}

	// A second master that read the old version cannot overwrite.
	stale := *a
	if _, err := store.PutAssignment(ctx, &stale); !errors.Is(err, coord.ErrConflict) {
		t.Errorf("stale write: %v", err)
	}

	// Bad content in the buckets is skipped, not fatal.
	if err := store.PutRaw(ctx, "topologies", "junk", []byte("{")); err != nil {
		t.Fatal(err)
	}
	if err := store.PutRaw(ctx, "heartbeats", "agent.junk", []byte(`{"node":"junk"}`)); err != nil {
		t.Fatal(err)
	}
	if n := m.Sweep(ctx); n != 0 {
		t.Errorf("bad entries made %d changes", n)
	}

	if err := store.Kill(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if n := m.Sweep(ctx); n != 1 {
		t.Errorf("%d changes after kill", n)
	}
	if _, err := store.Assignment(ctx, "t"); !errors.Is(err, coord.ErrNotFound) {
		t.Errorf("assignment after kill: %v", err)
	}
}

// TestWorkerShell runs the worker shell in this process: the function
// runs with the assignment, is restarted on a new version, and the shell
// returns when the topology's assignment is deleted.
func TestWorkerShell(t *testing.T) {
	// Not parallel: the goroutine check would see the other tests'.
	enginetest.NoGoroutinesLeft(t)
	url := clustertest.StartNATS(t)
	ctx := context.Background()
	timing := coord.FastTiming()
	store, err := coord.Dial(ctx, url, "test", coord.Options{Cluster: "shell", Timing: timing, Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Submit(ctx, testSubmission("s", 1)); err != nil {
		t.Fatal(err)
	}
	port := 0
	listen := func() (ln netListener, err error) {
		ln, err = listenLoopback(port)
		if err == nil {
			port = portOf(ln)
		}
		return ln, err
	}
	first, _ := listen()
	first.Close()
	a := &coord.Assignment{Topology: "s", Workers: []coord.WorkerAssignment{{Worker: 0, Node: "n", Addr: addrOf(port), Executors: []int{0, 1}}}}
	if _, err := store.PutAssignment(ctx, a); err != nil {
		t.Fatal(err)
	}
	versions := make(chan uint64, 8)
	done := make(chan error, 1)
	go func() {
		done <- RunWorker(ctx, WorkerOptions{Common: Common{NATSURL: url, Cluster: "shell", Token: "t", Timing: timing, Logger: slog.New(slog.DiscardHandler)},
			Topology: "s", Worker: 0, Node: "n", DataDir: t.TempDir(), Listen: listen},
			func(ctx context.Context, env *WorkerEnv) error {
				if len(env.TaskAddrs()) != 2 || len(env.Executors()) != 2 {
					t.Errorf("task addresses %v, executors %v", env.TaskAddrs(), env.Executors())
				}
				env.SetStatus([]byte(`{"v":1}`))
				versions <- env.Assignment.Version
				<-ctx.Done()
				return nil
			})
	}()
	if v := <-versions; v != a.Version {
		t.Errorf("first run at version %d, want %d", v, a.Version)
	}
	clustertest.Eventually(t, 5*time.Second, "a heartbeat with the status", func() bool {
		hs, _ := store.Workers(ctx, "s")
		return len(hs) == 1 && string(hs[0].Status) == `{"v":1}` && hs[0].Version == a.Version
	})
	a.Time = time.Time{}
	if _, err := store.PutAssignment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if v := <-versions; v != a.Version {
		t.Errorf("second run at version %d, want %d", v, a.Version)
	}
	if err := store.DeleteAssignment(ctx, "s", a.Version); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shell after delete: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not return after its assignment was deleted")
	}
}
