package coord_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/cluster/coord"
)

// clock is an injected clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func sub(name string) *coord.Submission {
	return &coord.Submission{Topology: name, Engine: "test", Workers: 2, Executors: []coord.Executor{
		{ID: 0, Component: "spout", FirstTask: 1, LastTask: 1}, {ID: 1, Component: "bolt", FirstTask: 2, LastTask: 3}},
		Payload: json.RawMessage(`{"x":1}`)}
}

func asg(name string) *coord.Assignment {
	return &coord.Assignment{Topology: name, Workers: []coord.WorkerAssignment{
		{Worker: 0, Node: "n1", Addr: "127.0.0.1:7000", Executors: []int{0}},
		{Worker: 1, Node: "n2", Addr: "127.0.0.1:7001", Executors: []int{1}}}}
}

func TestStoreEmbedded(t *testing.T) {
	t.Parallel()
	testStore(t, clustertest.StartNATS(t))
}

// TestStoreDebianServer runs the same on Debian's nats-server 2.9, which has
// no per-key expiry and no multi-filter listing.
func TestStoreDebianServer(t *testing.T) {
	t.Parallel()
	testStore(t, clustertest.StartExternal(t))
}

func testStore(t *testing.T, url string) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	s, err := coord.Dial(ctx, url, "test", coord.Options{Cluster: "c1", Timing: coord.FastTiming(), Now: clk.Now, Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("submit and kill", func(t *testing.T) {
		if err := s.Submit(ctx, sub("wc")); err != nil {
			t.Fatal(err)
		}
		if err := s.Submit(ctx, sub("wc")); !errors.Is(err, coord.ErrExists) {
			t.Errorf("second submit: %v, want ErrExists", err)
		}
		got, err := s.Submission(ctx, "wc")
		if err != nil || got.Workers != 2 || len(got.Executors) != 2 || string(got.Payload) != `{"x":1}` {
			t.Fatalf("submission %+v, %v", got, err)
		}
		subs, err := s.Submissions(ctx)
		if err != nil || len(subs) != 1 {
			t.Fatalf("submissions %v, %v", subs, err)
		}
		if err := s.Kill(ctx, "wc"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submission(ctx, "wc"); !errors.Is(err, coord.ErrNotFound) {
			t.Errorf("after kill: %v", err)
		}
		if err := s.Submit(ctx, sub("wc")); err != nil {
			t.Errorf("submit after kill: %v", err)
		}
		if err := s.Kill(ctx, "nothere"); err != nil {
			t.Errorf("kill of an absent topology: %v", err)
		}
	})

	t.Run("assignment compare-and-set", func(t *testing.T) {
		a := asg("cas")
		v1, err := s.PutAssignment(ctx, a)
		if err != nil || v1 == 0 {
			t.Fatal(v1, err)
		}
		// Two masters read version v1; the first update wins, the second
		// is told, and nothing is overwritten unseen.
		first, second := asg("cas"), asg("cas")
		first.Version, second.Version = v1, v1
		first.Workers[1].Node = "n3"
		if _, err := s.PutAssignment(ctx, first); err != nil {
			t.Fatal(err)
		}
		second.Workers[0].Node = "n4"
		if _, err := s.PutAssignment(ctx, second); !errors.Is(err, coord.ErrConflict) {
			t.Fatalf("stale update: %v, want ErrConflict", err)
		}
		if _, err := s.PutAssignment(ctx, asg("cas")); !errors.Is(err, coord.ErrConflict) {
			t.Fatalf("second create: %v, want ErrConflict", err)
		}
		got, err := s.Assignment(ctx, "cas")
		if err != nil || got.Version != first.Version || got.Workers[1].Node != "n3" || got.Workers[0].Node != "n1" {
			t.Fatalf("assignment %+v, %v", got, err)
		}
		if err := s.DeleteAssignment(ctx, "cas", v1); !errors.Is(err, coord.ErrConflict) {
			t.Errorf("stale delete: %v", err)
		}
		if err := s.DeleteAssignment(ctx, "cas", got.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Assignment(ctx, "cas"); !errors.Is(err, coord.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if _, err := s.PutAssignment(ctx, asg("cas")); err != nil {
			t.Errorf("create after delete: %v", err)
		}
	})

	t.Run("heartbeats judged by their own time", func(t *testing.T) {
		h := &coord.AgentHeartbeat{Node: "n1", Host: "127.0.0.1", Slots: []int{7000, 7001}, Cores: 1, PID: 42}
		if err := s.PutAgentHeartbeat(ctx, h); err != nil {
			t.Fatal(err)
		}
		if err := s.PutAgentHeartbeat(ctx, &coord.AgentHeartbeat{Node: "n2", Host: "127.0.0.1", PID: 43, Time: clk.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		live, err := s.Agents(ctx)
		if err != nil || len(live) != 1 || live[0].Node != "n1" || len(live[0].Slots) != 2 {
			t.Fatalf("live agents %+v, %v", live, err)
		}
		all, _ := s.AllAgents(ctx)
		if len(all) != 2 {
			t.Errorf("all agents %+v", all)
		}
		clk.Add(s.Timing().NimbusSupervisorTimeout + time.Millisecond)
		if live, _ := s.Agents(ctx); len(live) != 0 {
			t.Errorf("agents live after the timeout: %+v", live)
		}
		if err := s.RemoveAgent(ctx, "n1"); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.AllAgents(ctx); len(all) != 1 {
			t.Errorf("after remove: %+v", all)
		}
		w := &coord.WorkerHeartbeat{Topology: "wc", Worker: 1, Node: "n1", PID: 44, Version: 3, Status: json.RawMessage(`{"acked":5}`)}
		if err := s.PutWorkerHeartbeat(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := s.PutWorkerHeartbeat(ctx, &coord.WorkerHeartbeat{Topology: "wc2", Worker: 0, Node: "n1", PID: 45}); err != nil {
			t.Fatal(err)
		}
		ws, err := s.Workers(ctx, "wc")
		if err != nil || len(ws) != 1 || ws[0].Version != 3 || string(ws[0].Status) != `{"acked":5}` || !s.Timing().WorkerLive(ws[0], clk.Now()) {
			t.Fatalf("workers %+v, %v", ws, err)
		}
		if err := s.DeleteWorkerHeartbeats(ctx, "wc"); err != nil {
			t.Fatal(err)
		}
		if ws, _ := s.Workers(ctx, "wc"); len(ws) != 0 {
			t.Errorf("after delete: %+v", ws)
		}
	})

	t.Run("bad content", func(t *testing.T) {
		for _, c := range []struct{ bucket, key, value, want string }{
			{"topologies", "bad1", `{not json`, "invalid cluster state"},
			{"topologies", "bad2", `{"topology":"bad2","engine":"x","workers":100000,"executors":[{"id":0,"component":"a"}]}`, "100000 workers"},
			{"topologies", "bad3", `{"topology":"other","engine":"x","workers":1,"executors":[{"id":0,"component":"a"}]}`, "names topology"},
			{"assignments", "bad4", `{"topology":"bad4","workers":[{"worker":0,"node":"n.1","addr":"x"}]}`, "node name"},
			{"assignments", "bad5", `{"topology":"bad5","workers":[{"worker":0,"node":"n","addr":"a","executors":[1]},{"worker":1,"node":"n","addr":"b","executors":[1]}]}`, "assigned twice"},
			{"heartbeats", "agent.n9", `{"node":"n9","host":"h","pid":-1,"time":"2020-01-01T00:00:00Z"}`, "pid -1"},
			{"heartbeats", "agent.n8", `{"node":"n8","host":"h","pid":1,"time":"2999-01-01T00:00:00Z"}`, "ahead of this host's clock"},
			{"heartbeats", "agent.n7", `{"node":"n7","host":"h","pid":1,"slots":[0],"time":"2020-01-01T00:00:00Z"}`, "slot port 0"},
			{"heartbeats", "worker.wc.0", `{"topology":"wc","worker":0,"node":"n1","pid":5,"time":"2020-01-01T00:00:00Z","status":"x"`, "invalid cluster state"},
		} {
			if err := s.PutRaw(ctx, c.bucket, c.key, []byte(c.value)); err != nil {
				t.Fatal(err)
			}
			var err error
			switch {
			case c.bucket == "topologies":
				_, err = s.Submission(ctx, c.key)
			case c.bucket == "assignments":
				_, err = s.Assignment(ctx, c.key)
			case strings.HasPrefix(c.key, "agent."):
				_, err = s.AllAgents(ctx)
			default:
				_, err = s.Workers(ctx, "wc")
			}
			if !errors.Is(err, coord.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: %v, want ErrInvalid naming %q", c.bucket, c.key, err, c.want)
			}
		}
		// Listings return the good entries beside the error.
		subs, err := s.Submissions(ctx)
		if err == nil || len(subs) != 1 || subs[0].Topology != "wc" {
			t.Errorf("submissions with bad entries: %d, %v", len(subs), err)
		}
		if _, err := s.PutAssignment(ctx, &coord.Assignment{Topology: "x y"}); !errors.Is(err, coord.ErrInvalid) {
			t.Errorf("bad assignment put: %v", err)
		}
	})

	t.Run("watch", func(t *testing.T) {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ev, err := s.WatchAssignment(wctx, "watched")
		if err != nil {
			t.Fatal(err)
		}
		a := asg("watched")
		if _, err := s.PutAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
		if e := next(t, ev); e.Key != "watched" || e.Revision != a.Version || e.Deleted {
			t.Errorf("event %+v, want version %d", e, a.Version)
		}
		if err := s.DeleteAssignment(ctx, "watched", a.Version); err != nil {
			t.Fatal(err)
		}
		if e := next(t, ev); !e.Deleted {
			t.Errorf("event %+v, want deleted", e)
		}
		cancel()
		for range ev {
		}
	})
}

func next(t *testing.T, ev <-chan coord.Event) coord.Event {
	t.Helper()
	select {
	case e := <-ev:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return coord.Event{}
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := coord.Dial(ctx, "", "x", coord.Options{}); err == nil || !strings.Contains(err.Error(), "--nats-url") {
		t.Errorf("no url: %v", err)
	}
	if _, err := coord.Dial(ctx, clustertest.StartNATS(t), "x", coord.Options{Cluster: "a.b"}); !errors.Is(err, coord.ErrInvalid) {
		t.Errorf("bad cluster name: %v", err)
	}
}
