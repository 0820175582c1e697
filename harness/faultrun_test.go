package harness

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// TestFaultKillWorkerLocal kills core's only worker one second into an
// at-least-once word count: the restarted worker's spout reads its
// partitions from the start again (it keeps no committed offsets), so words
// are counted again but none is lost, and the result holds the fault with
// its first output after it.
func TestFaultKillWorkerLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("a real run of several seconds")
	}
	fault, err := ParseFault("kill worker 0 at 1s")
	if err != nil {
		t.Fatal(err)
	}
	cfg := RunConfig{Engine: "core", Workload: "wordcount", Seed: 1, Partitions: 4, Parallelism: 1,
		Guarantee: engines.AtLeastOnce, Rate: 20000, Duration: 8 * time.Second, Faults: []Fault{fault}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	r := m.Result
	if v := r.Verification; !v.OK || v.Lost != 0 {
		t.Fatalf("verification: %+v", v)
	}
	if len(r.Recovery) != 1 {
		t.Fatalf("recovery entries: %+v", r.Recovery)
	}
	rec := r.Recovery[0]
	t.Logf("recovery: %+v; duplicated %d", rec, r.Verification.Duplicated)
	for _, p := range r.Timeline {
		t.Logf("second %d: in %d read %d outputs %d p99 %dµs", p.Second, p.RecordsIn, p.RecordsRead, p.Outputs, p.LatencyP99)
	}
	if rec.Error != "" || rec.Target != "worker 0" || rec.FaultS < 1 || rec.FaultS > 1.5 {
		t.Fatalf("fault not injected as planned: %+v", rec)
	}
	if rec.FirstOutputS == nil || *rec.FirstOutputS < 0 || *rec.FirstOutputS > 5 {
		t.Fatalf("no first output after the fault: %+v", rec)
	}
	if rec.FirstOutputS != nil {
		t.Logf("first output %.3fs after the fault", *rec.FirstOutputS)
	}
	if rec.RecoveryS != nil {
		t.Logf("recovered %.3gs after the fault", *rec.RecoveryS)
	}
}

// fakeTargets is a cluster whose processes are numbers.
type fakeTargets struct {
	mu   sync.Mutex
	pids map[int]int
}

func (f *fakeTargets) workerPIDs(context.Context) (map[int]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int]int{}
	for k, v := range f.pids {
		out[k] = v
	}
	return out, nil
}
func (f *fakeTargets) agentPID(i int) int { return 1000 + i }
func (f *fakeTargets) masterPID() int     { return 999 }

// signals records the signals an injector sends.
type signals struct {
	mu   sync.Mutex
	sent []string
}

func (s *signals) send(pid int, sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, fmt.Sprintf("%v %d", sig, pid))
	return nil
}

// TestFaultInjectorResumesOnExit hangs the master for longer than the run
// lasts: stopping the injector resumes it all the same.
func TestFaultInjectorResumesOnExit(t *testing.T) {
	hang, _ := ParseFault("hang master at 0s for 1h")
	kill, _ := ParseFault("kill worker random at 0s")
	var sig signals
	targets := &fakeTargets{pids: map[int]int{0: 10, 1: 11}}
	outs := int64(0)
	var mu sync.Mutex
	fi := &faultInjector{faults: []Fault{hang, kill}, seed: 7, clock: SystemClock{}, start: time.Now().UnixNano(),
		workers: 2, agents: 2, cluster: targets, signal: sig.send,
		outputs: func() int64 { mu.Lock(); defer mu.Unlock(); return outs }}
	fi.begin(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for {
		sig.mu.Lock()
		n := len(sig.sent)
		sig.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("signals sent: %v", sig.sent)
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	outs = 5
	mu.Unlock()
	targets.mu.Lock()
	targets.pids = map[int]int{0: 20, 1: 21}
	targets.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	log := fi.end()
	if len(sig.sent) != 3 || sig.sent[0] != "stopped (signal) 999" || sig.sent[2] != "continued 999" {
		t.Fatalf("signals: %q", sig.sent)
	}
	if len(log) != 2 || log[0].resumed == 0 || log[1].firstOutput == 0 || log[1].detected == 0 {
		t.Fatalf("log: %+v %+v", log[0], log[1])
	}
	// The random pick is the seed's: the same on every run.
	again := &faultInjector{faults: []Fault{kill}, seed: 7, workers: 2}
	if inj := again.pick(0, 0); inj != log[1].index {
		t.Fatalf("random worker %d, then %d with the same seed", log[1].index, inj)
	}
}
