package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/harness/resultfile"
)

// WorkerKiller is the ability of an engine running in this process to kill
// one of its workers and restart it, as Storm's supervisor restarts a dead
// worker: core's Job has it. A local-mode run injects "kill worker" faults
// through it.
type WorkerKiller interface {
	KillWorker(i int) error
}

// faultTargets finds the processes of a cluster run by pid: workers from
// their live heartbeats, never by name, so a fault hits the process that
// runs now (a restarted worker has a new pid).
type faultTargets interface {
	workerPIDs(ctx context.Context) (map[int]int, error)
	agentPID(i int) int
	masterPID() int
}

// injection is one firing of a fault, as it happened. Times are the
// harness's clock, in nanoseconds.
type injection struct {
	fault   Fault
	planned int64
	at      int64
	resumed int64
	target  string
	index   int
	pid     int
	err     error
	// outputsAt is the sink's output count when the fault fired;
	// firstOutput when the count first grew after it.
	outputsAt   int64
	firstOutput int64
	// detected is when a killed worker's restarted process first
	// heartbeated (cluster runs).
	detected int64
}

// faultInjector fires a run's fault schedule. It runs in its own
// goroutine from the run's start, and logs every firing with the time it
// actually happened, which the recovery figures are measured from.
type faultInjector struct {
	faults   []Fault
	seed     uint64
	clock    Clock
	start    int64
	duration time.Duration
	workers  int // the topology's workers, for "random"
	agents   int
	local    WorkerKiller // local mode
	cluster  faultTargets // cluster mode
	outputs  func() int64
	// signal sends a signal to a process (syscall.Kill; tests replace it).
	signal func(pid int, sig syscall.Signal) error
	// poll is how often the injector looks for the first output after a
	// fault, and for a killed worker's new process.
	poll       time.Duration
	lastDetect int64

	mu   sync.Mutex
	log  []*injection
	done chan struct{}
	stop context.CancelFunc
}

// firing is one planned firing of a schedule entry.
type firing struct {
	entry, n int
	at       time.Duration
}

// begin starts the injector; end stops it and waits, resuming every
// process it left stopped.
func (fi *faultInjector) begin(ctx context.Context) {
	ctx, fi.stop = context.WithCancel(ctx)
	fi.done = make(chan struct{})
	if fi.signal == nil {
		fi.signal = func(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }
	}
	if fi.poll == 0 {
		fi.poll = 5 * time.Millisecond
	}
	go func() {
		defer close(fi.done)
		fi.run(ctx)
	}()
}

func (fi *faultInjector) end() []*injection {
	if fi == nil {
		return nil
	}
	fi.stop()
	<-fi.done
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return slices.Clone(fi.log)
}

// hung is a process the injector stopped, and when to resume it.
type hung struct {
	inj   *injection
	until int64
}

func (fi *faultInjector) run(ctx context.Context) {
	var plan []firing
	for i, f := range fi.faults {
		for n, at := range f.Firings(fi.duration) {
			plan = append(plan, firing{entry: i, n: n, at: at})
		}
	}
	slices.SortStableFunc(plan, func(a, b firing) int { return cmp.Compare(a.at, b.at) })
	var stopped []hung
	// Whatever ends the run, nothing is left stopped.
	defer func() {
		for _, h := range stopped {
			fi.resume(h.inj)
		}
	}()
	var watching []*injection
	for len(plan) > 0 || len(stopped) > 0 || len(watching) > 0 {
		next := int64(-1)
		if len(plan) > 0 {
			next = fi.start + int64(plan[0].at)
		}
		for _, h := range stopped {
			if next < 0 || h.until < next {
				next = h.until
			}
		}
		var wake <-chan time.Time
		if next >= 0 {
			wake = fi.clock.After(time.Duration(next - fi.clock.Now()))
		}
		var tick <-chan time.Time
		if len(watching) > 0 {
			tick = time.After(fi.poll)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
			watching = fi.watch(ctx, watching)
			continue
		case <-wake:
		}
		now := fi.clock.Now()
		for i := 0; i < len(stopped); i++ {
			if stopped[i].until <= now {
				fi.resume(stopped[i].inj)
				stopped = slices.Delete(stopped, i, i+1)
				i--
			}
		}
		for len(plan) > 0 && fi.start+int64(plan[0].at) <= now {
			p := plan[0]
			plan = plan[1:]
			inj := fi.fire(ctx, p)
			fi.mu.Lock()
			fi.log = append(fi.log, inj)
			fi.mu.Unlock()
			if inj.err != nil {
				continue
			}
			watching = append(watching, inj)
			if inj.fault.Action == FaultHang {
				stopped = append(stopped, hung{inj: inj, until: inj.at + int64(inj.fault.For)})
			}
		}
	}
}

// fire injects one firing: it resolves the target, sends the signal (or
// kills the local worker) and notes the time it did.
func (fi *faultInjector) fire(ctx context.Context, p firing) *injection {
	f := fi.faults[p.entry]
	inj := &injection{fault: f, planned: fi.start + int64(p.at), index: f.Index}
	if f.Index == RandomIndex {
		inj.index = fi.pick(p.entry, p.n)
	}
	inj.target = fmt.Sprintf("%s %d", f.Target, inj.index)
	if f.Target == FaultMaster {
		inj.target = "master"
	}
	if fi.local != nil {
		inj.at = fi.clock.Now()
		inj.err = fi.local.KillWorker(inj.index)
		// KillWorker returns once the worker's old executors have stopped:
		// what the sink receives from now on comes after the fault.
		inj.outputsAt = fi.outputs()
		return inj
	}
	if fi.cluster == nil {
		inj.err = errors.New("no target: this run has neither a local engine that kills workers nor a cluster")
		return inj
	}
	switch f.Target {
	case FaultWorker:
		pids, err := fi.cluster.workerPIDs(ctx)
		if err != nil {
			inj.err = fmt.Errorf("read the workers' heartbeats: %w", err)
			return inj
		}
		if inj.pid = pids[inj.index]; inj.pid == 0 {
			inj.err = fmt.Errorf("worker %d has no live heartbeat (live workers: %d)", inj.index, len(pids))
			return inj
		}
	case FaultAgent:
		if inj.index >= fi.agents {
			inj.err = fmt.Errorf("there is no agent %d: the cluster has agents 0 to %d", inj.index, fi.agents-1)
			return inj
		}
		inj.pid = fi.cluster.agentPID(inj.index)
	case FaultMaster:
		inj.pid = fi.cluster.masterPID()
	}
	sig := syscall.SIGKILL
	if f.Action == FaultHang {
		sig = syscall.SIGSTOP
	}
	inj.at = fi.clock.Now()
	inj.outputsAt = fi.outputs()
	if err := fi.signal(inj.pid, sig); err != nil {
		inj.err = fmt.Errorf("signal pid %d: %w", inj.pid, err)
	}
	return inj
}

// pick returns the target of a random fault's firing n: seeded with the
// run's seed, per entry and firing, so a schedule's picks are the same on
// every run with its seed and do not depend on what else it holds.
func (fi *faultInjector) pick(entry, n int) int {
	f := fi.faults[entry]
	targets := fi.workers
	if f.Target == FaultAgent {
		targets = fi.agents
	}
	r := rand.New(rand.NewPCG(fi.seed, uint64(entry)<<32|uint64(n)))
	return r.IntN(max(targets, 1))
}

// resume sends SIGCONT to a hung process.
//
// A process gone by then (its agent killed the hung worker for a stale
// heartbeat, and started it again) has nothing to resume.
func (fi *faultInjector) resume(inj *injection) {
	err := fi.signal(inj.pid, syscall.SIGCONT)
	inj.resumed = fi.clock.Now()
	if errors.Is(err, syscall.ESRCH) {
		err = nil
	}
	if err != nil && inj.err == nil {
		inj.err = fmt.Errorf("resume pid %d: %w", inj.pid, err)
	}
}

// watch notes the first output after each fault and, in a cluster run,
// when a killed worker's new process heartbeats (heartbeats are read at
// most every detectPoll); it returns the injections still watched. It runs
// on the injector's goroutine, which alone writes the injections until
// end.
func (fi *faultInjector) watch(ctx context.Context, watching []*injection) []*injection {
	now, outs := fi.clock.Now(), fi.outputs()
	var pids map[int]int
	if fi.cluster != nil && time.Duration(now-fi.lastDetect) >= detectPoll {
		fi.lastDetect = now
		pids, _ = fi.cluster.workerPIDs(ctx)
	}
	kept := watching[:0]
	for _, inj := range watching {
		if inj.firstOutput == 0 && outs > inj.outputsAt {
			inj.firstOutput = now
		}
		// A killed worker's process is started again by its agent, as is
		// a hung one once its heartbeat is older than the worker timeout:
		// a new pid for the worker's index is the restart.
		detect := fi.cluster != nil && inj.fault.Target == FaultWorker
		if p := pids[inj.index]; detect && inj.detected == 0 && p != 0 && p != inj.pid {
			inj.detected = now
		}
		if inj.firstOutput == 0 || (detect && inj.detected == 0) {
			kept = append(kept, inj)
		}
	}
	return kept
}

// detectPoll is how often the injector reads the workers' heartbeats to
// see a killed worker restarted: a tenth of the fast profile's heartbeat.
const detectPoll = 50 * time.Millisecond

// checkFaults refuses a fault schedule the run cannot take, before
// anything runs: a fault after the run's end, a target the deployment does
// not have, an engine that cannot kill its workers in this process.
func checkFaults(cfg RunConfig, eng engines.Engine) error {
	if len(cfg.Faults) == 0 {
		return nil
	}
	bad := func(f Fault, format string, a ...any) error {
		return &UsageError{Msg: fmt.Sprintf("--fault '%s': %s", f, fmt.Sprintf(format, a...))}
	}
	workers := 1
	if cfg.Cluster.Enabled() {
		workers = cfg.Cluster.Nodes
	}
	if w, ok := cfg.Conf[core.TopologyWorkers]; ok {
		if n, err := strconv.Atoi(w); err == nil {
			workers = n
		}
	}
	for _, f := range cfg.Faults {
		switch {
		case cfg.Duration > 0 && f.At > cfg.Duration:
			return bad(f, "at %v is after the run's end (--duration %v)", f.At, cfg.Duration)
		case cfg.Cluster.Join != "":
			return bad(f, "a run on a running cluster (--cluster) does not know its processes' pids; inject faults into a cluster the run starts (--nodes N)")
		case !cfg.Cluster.Enabled() && f.Target != FaultWorker:
			return bad(f, "a local run has no %s process: add --nodes N for a cluster run", f.Target)
		case !cfg.Cluster.Enabled() && f.Action == FaultHang:
			return bad(f, "hang stops a process (SIGSTOP): it applies to a cluster run (--nodes N); in local mode the workers share this process")
		case f.Target == FaultWorker && f.Index >= workers:
			return bad(f, "there is no worker %d: the topology has workers 0 to %d (topology.workers)", f.Index, workers-1)
		case f.Target == FaultAgent && f.Index >= cfg.Cluster.Nodes:
			return bad(f, "there is no agent %d: the cluster has agents 0 to %d (--nodes)", f.Index, cfg.Cluster.Nodes-1)
		}
		if !cfg.Cluster.Enabled() {
			if _, ok := eng.(WorkerKiller); !ok {
				way := "only core kills a worker in local mode"
				if slices.Contains(clusterEngines, cfg.Engine) {
					way = "run it on a cluster with --nodes N, where a worker is a process"
				}
				return bad(f, "engine %s cannot kill a worker in local mode: %s", cfg.Engine, way)
			}
		}
	}
	return nil
}

// startFaults starts the run's fault injector from the run's start, or
// returns nil when the run has no faults. eng is the engine built for the
// run (local mode), cr its cluster (cluster mode).
func startFaults(ctx context.Context, cfg RunConfig, eng engines.Engine, cr *clusterRun, rec *Recorder, start int64) *faultInjector {
	if len(cfg.Faults) == 0 {
		return nil
	}
	fi := &faultInjector{faults: cfg.Faults, seed: cfg.Seed, clock: cfg.Clock, start: start, duration: cfg.Duration,
		outputs: rec.count, workers: 1}
	if cr != nil {
		fi.cluster, fi.workers, fi.agents = clusterTargetsOf{cr}, cr.workers, cr.cfg.Nodes
	} else if k, ok := eng.(WorkerKiller); ok {
		fi.local = k
		if w, ok := cfg.Conf[core.TopologyWorkers]; ok {
			fi.workers, _ = strconv.Atoi(w)
		}
	}
	fi.begin(ctx)
	return fi
}

// recovery stops the injector and returns its log with the recovery
// figures of every firing, measured on the run's timeline.
func (fi *faultInjector) recovery(tl []resultfile.TimelinePoint) []resultfile.RecoveryFigures {
	if fi == nil {
		return nil
	}
	var out []resultfile.RecoveryFigures
	secs := func(t int64) float64 { return float64(t-fi.start) / 1e9 }
	after := func(t, from int64) *float64 {
		if t == 0 {
			return nil
		}
		s := float64(t-from) / 1e9
		return &s
	}
	for _, inj := range fi.end() {
		f := resultfile.RecoveryFigures{FaultS: secs(inj.at)}
		if inj.err == nil {
			f = recoveryFigures(tl, secs(inj.at))
			f.FirstOutputS = after(inj.firstOutput, inj.at)
			f.DetectionS = after(inj.detected, inj.at)
		} else {
			f.Error = inj.err.Error()
		}
		f.Fault, f.Target, f.PID, f.PlannedS = inj.fault.String(), inj.target, inj.pid, secs(inj.planned)
		if inj.resumed != 0 {
			r := secs(inj.resumed)
			f.ResumedS = &r
		}
		out = append(out, f)
	}
	return out
}

// clusterTargetsOf finds a cluster run's processes.
type clusterTargetsOf struct{ cr *clusterRun }

func (c clusterTargetsOf) workerPIDs(ctx context.Context) (map[int]int, error) {
	return c.cr.local.WorkerPIDs(ctx, c.cr.topology)
}
func (c clusterTargetsOf) agentPID(i int) int { return c.cr.local.AgentPID(i) }
func (c clusterTargetsOf) masterPID() int     { return c.cr.local.MasterPID() }

// count returns the outputs written so far.
func (r *Recorder) count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outputs
}
