package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/cluster/coord"
)

// syncBuffer collects the children's logs, shown when a test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func alive(pid int) bool {
	// A zombie still answers kill(0); /proc says what it is.
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i < 0 || i+2 >= len(data) || data[i+2] != 'Z'
}

func itoa(n int) string { return string(appendInt(nil, n)) }
func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func testSubmission(name string, workers int) *coord.Submission {
	s := &coord.Submission{Topology: name, Engine: "test", Workers: workers, Payload: json.RawMessage(`{"words":3}`)}
	for i := range 2 * workers {
		s.Executors = append(s.Executors, coord.Executor{ID: i, Component: "c" + itoa(i%2), FirstTask: i + 1, LastTask: i + 1})
	}
	return s
}

// TestClusterLocal runs a master and three agents as processes of this test
// binary, with the fast timing, and checks the control plane's promises
// on real processes: the workers start where the assignment puts them and
// heartbeat; an agent restarts a SIGKILLed worker; when an agent is
// SIGKILLed its worker exits by itself and the master moves that worker
// to a live node; a killed topology's workers stop; Stop leaves no
// process behind.
func TestClusterLocal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux (core pinning, /proc)")
	}
	url := clustertest.StartNATS(t)
	logs := &syncBuffer{}
	defer func() {
		if t.Failed() {
			t.Logf("process logs:\n%s", logs.String())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	timing := coord.FastTiming()
	start := time.Now()
	l, err := StartLocal(ctx, LocalOptions{Nodes: 3, SlotsPerNode: 2, CoresPerNode: 1, NATSURL: url, Token: "secret",
		Exe: os.Args[0], Env: []string{envChild + "=1"}, Timing: timing, Logs: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3 agents heartbeat %v after the start", time.Since(start).Round(time.Millisecond))
	pids := []int{l.MasterPID()}
	for i := range 3 {
		pids = append(pids, l.AgentPID(i))
	}
	stopped := false
	defer func() {
		if !stopped {
			l.Stop()
		}
	}()
	if runtime.NumCPU() < 3 && l.SharedCores() == "" {
		t.Errorf("3 nodes x 1 core on %d cores: SharedCores says nothing", runtime.NumCPU())
	}
	store := l.Store()
	if err := store.Submit(ctx, testSubmission("wc", 3)); err != nil {
		t.Fatal(err)
	}

	// Every worker heartbeats with the assignment's version and its engine
	// status, one per node, pinned to its node's core.
	var asg *coord.Assignment
	var hbs []coord.WorkerHeartbeat
	running := func(want int) bool {
		a, err := store.Assignment(ctx, "wc")
		if err != nil {
			return false
		}
		hs, _ := store.Workers(ctx, "wc")
		n := 0
		for _, h := range hs {
			if h.Version == a.Version && timing.WorkerLive(h, time.Now()) && len(h.Status) > 0 && alive(h.PID) {
				n++
			}
		}
		asg, hbs = a, hs
		return n == want
	}
	clustertest.Eventually(t, 30*time.Second, "3 workers heartbeat the assignment's version", func() bool { return running(3) })
	t.Logf("topology running %v after submit", time.Since(start).Round(time.Millisecond))
	nodes := map[string]bool{}
	for _, w := range asg.Workers {
		nodes[w.Node] = true
	}
	if len(nodes) != 3 {
		t.Errorf("3 workers on nodes %v, want one each", asg.Workers)
	}
	cpusOf := map[string][]int{}
	for _, n := range l.Nodes() {
		cpusOf[n.Name] = n.CPUs
	}
	for _, h := range hbs {
		if !slices.Equal(h.CPUs, cpusOf[h.Node]) {
			t.Errorf("worker %d on %s runs on cores %v, want %v", h.Worker, h.Node, h.CPUs, cpusOf[h.Node])
		}
	}

	// An agent restarts a SIGKILLed worker.
	pidsBefore, _ := l.WorkerPIDs(ctx, "wc")
	victim := pidsBefore[0]
	killed := time.Now()
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	clustertest.Eventually(t, 10*time.Second, "worker 0 restarted with a new pid", func() bool {
		hs, _ := store.Workers(ctx, "wc")
		for _, h := range hs {
			if h.Worker == 0 && h.PID != victim && alive(h.PID) && time.Since(h.Time) < timing.SupervisorWorkerTimeout {
				return true
			}
		}
		return false
	})
	t.Logf("SIGKILLed worker heartbeating again after %v (supervisor.monitor.frequency.secs %v)", time.Since(killed).Round(time.Millisecond), timing.SupervisorMonitor)

	// SIGKILL node-3's agent: its worker exits by itself, the master moves
	// that worker to a live node, the others keep their processes.
	pidsBefore, _ = l.WorkerPIDs(ctx, "wc")
	var lostWorker, orphan int
	for _, w := range asg.Workers {
		if w.Node == "node-3" {
			lostWorker = w.Worker
			orphan = pidsBefore[w.Worker]
		}
	}
	killed = time.Now()
	if err := syscall.Kill(l.AgentPID(2), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	clustertest.Eventually(t, 5*time.Second, "the orphaned worker exits", func() bool { return !alive(orphan) })
	t.Logf("orphaned worker gone %v after its agent's SIGKILL", time.Since(killed).Round(time.Millisecond))
	oldVersion := asg.Version
	clustertest.Eventually(t, 20*time.Second, "the lost node's worker runs on a live node", func() bool {
		if !running(3) || asg.Version == oldVersion {
			return false
		}
		w, _ := asg.Worker(lostWorker)
		return w.Node != "node-3"
	})
	t.Logf("worker %d reassigned and running again %v after its agent's SIGKILL (nimbus.supervisor.timeout.secs %v)", lostWorker, time.Since(killed).Round(time.Millisecond), timing.NimbusSupervisorTimeout)
	pidsAfter, _ := l.WorkerPIDs(ctx, "wc")
	for w, pid := range pidsBefore {
		if w != lostWorker && pidsAfter[w] != pid {
			t.Errorf("worker %d changed process (%d -> %d) though it did not move", w, pid, pidsAfter[w])
		}
	}
	for _, h := range hbs {
		if h.Worker != lostWorker && !bytes.Contains(h.Status, []byte(`"runs":`)) {
			t.Errorf("worker %d status %s", h.Worker, h.Status)
		}
	}

	// Killing the topology stops its workers and deletes its assignment.
	if err := store.Kill(ctx, "wc"); err != nil {
		t.Fatal(err)
	}
	clustertest.Eventually(t, 10*time.Second, "the killed topology's workers exit", func() bool {
		for _, pid := range pidsAfter {
			if alive(pid) {
				return false
			}
		}
		_, err := store.Assignment(ctx, "wc")
		return errors.Is(err, coord.ErrNotFound)
	})

	// A topology bigger than the free slots waits, and is assigned once
	// it fits.
	if err := store.Submit(ctx, testSubmission("big", 5)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * timing.NimbusMonitor) // the assertion is that nothing happens
	if _, err := store.Assignment(ctx, "big"); !errors.Is(err, coord.ErrNotFound) {
		t.Errorf("5 workers on 4 live slots: assigned anyway (%v)", err)
	}
	pidsAfter, _ = l.WorkerPIDs(ctx, "wc")

	stopped = true
	if err := l.Stop(); err != nil {
		t.Error(err)
	}
	for _, pid := range append(pids, orphan) {
		if alive(pid) {
			t.Errorf("pid %d still running after Stop", pid)
		}
	}
}
