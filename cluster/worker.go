package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/streambench/streambench/cluster/coord"
)

// WorkerFunc is an engine's side of a worker process: it runs the
// executors env.Self names, listening on env.Listener and reaching the
// other workers at env.Peers, until ctx ends, and reports its progress
// through env.SetStatus. ctx ends when the worker's assignment changes
// (the shell then calls the function again with the new one, as Storm's
// worker restarts on reassignment), when the topology is killed or the
// worker moved to another node, and on SIGTERM. Returning before ctx ends
// ends the process; its agent starts it again.
type WorkerFunc func(ctx context.Context, env *WorkerEnv) error

var (
	workerFuncsMu sync.RWMutex
	workerFuncs   = map[string]WorkerFunc{}
)

// RegisterWorker makes fn the worker function of the engine named by
// Submission.Engine; the harness registers each engine it can run in
// cluster mode (core first). Registering a name twice is a programming
// error and panics, as database/sql's Register does.
func RegisterWorker(engine string, fn WorkerFunc) {
	workerFuncsMu.Lock()
	defer workerFuncsMu.Unlock()
	if fn == nil || engine == "" {
		panic("cluster: RegisterWorker with an empty engine or a nil function")
	}
	if _, dup := workerFuncs[engine]; dup {
		panic("cluster: RegisterWorker called twice for engine " + engine)
	}
	workerFuncs[engine] = fn
}

// LookupWorker returns the worker function registered for engine.
func LookupWorker(engine string) (WorkerFunc, error) {
	workerFuncsMu.RLock()
	defer workerFuncsMu.RUnlock()
	if fn, ok := workerFuncs[engine]; ok {
		return fn, nil
	}
	names := make([]string, 0, len(workerFuncs))
	for n := range workerFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("no worker function registered for engine %q (registered: %v): this engine does not run in cluster mode yet", engine, names)
}

// WorkerEnv is what the shell gives the engine's worker function.
type WorkerEnv struct {
	// NATSURL and Conn reach the cluster's nats-server; Store is its
	// coordination state.
	NATSURL string
	Conn    *nats.Conn
	Store   *coord.Store
	// Submission is the topology, with the engine's Payload; Assignment
	// the version this run of the function serves, and Self this worker's
	// entry in it.
	Submission *coord.Submission
	Assignment *coord.Assignment
	Self       coord.WorkerAssignment
	// Listener is this worker's slot, bound by its agent (Self.Addr). The
	// function may close it; the shell closes it when the function
	// returns.
	Listener net.Listener
	// Token is the cluster's secret (transport.Config.Token).
	Token string
	// DataDir is this worker's own directory on its node, kept across
	// restarts (Trident state, checkpoints).
	DataDir string
	Logger  *slog.Logger
	Timing  coord.Timing
	// Incarnation is a number of this run of the function alone, in any
	// process: of the process's id and start time and the run's count.
	// An engine mixes it into its random ids (Storm's tuple and edge ids),
	// so that a worker killed and started again, or restarted on a new
	// assignment, never reissues an id of an earlier life that another
	// worker may still hold pending.
	Incarnation uint64

	mu     sync.Mutex
	status json.RawMessage
	errMsg string
}

// SetStatus sets the engine's progress that the next heartbeats carry; it
// must be valid JSON (invalid JSON is reported as an error instead).
func (e *WorkerEnv) SetStatus(status json.RawMessage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(status) > 0 && !json.Valid(status) {
		e.errMsg = "worker status is not valid JSON"
		return
	}
	e.status = append(json.RawMessage(nil), status...)
}

// ReportError records an error the next heartbeats carry; nil clears it.
func (e *WorkerEnv) ReportError(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.errMsg = ""
		return
	}
	e.errMsg = err.Error()
}

func (e *WorkerEnv) report() (json.RawMessage, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status, e.errMsg
}

// Peers returns every worker's address by worker index, this one's
// included.
func (e *WorkerEnv) Peers() map[int]string {
	out := map[int]string{}
	for _, w := range e.Assignment.Workers {
		out[w.Worker] = w.Addr
	}
	return out
}

// TaskAddrs returns the address of the worker running each task, from the
// submission's executors and the assignment: the routing table of a
// transport.Node (Remote is this map without the local tasks).
func (e *WorkerEnv) TaskAddrs() map[int]string {
	byExec := map[int]coord.Executor{}
	for _, x := range e.Submission.Executors {
		byExec[x.ID] = x
	}
	out := map[int]string{}
	for _, w := range e.Assignment.Workers {
		for _, id := range w.Executors {
			x := byExec[id]
			for t := x.FirstTask; t <= x.LastTask; t++ {
				out[t] = w.Addr
			}
		}
	}
	return out
}

// Executors returns the submission's executors this worker runs.
func (e *WorkerEnv) Executors() []coord.Executor {
	mine := map[int]bool{}
	for _, id := range e.Self.Executors {
		mine[id] = true
	}
	var out []coord.Executor
	for _, x := range e.Submission.Executors {
		if mine[x.ID] {
			out = append(out, x)
		}
	}
	return out
}

// WorkerOptions configure a worker shell.
type WorkerOptions struct {
	Common
	Topology string
	Worker   int
	Node     string
	// DataDir is the node's data directory; the worker's own is
	// <DataDir>/<topology>-<worker>.
	DataDir string
	// Listen returns this worker's listener, once per run of the worker
	// function; nil means the socket the agent passed (EnvListener).
	Listen func() (net.Listener, error)
	// CPUs, when set, are the cores the process pins itself to.
	CPUs []int
}

// WorkerDir is the data directory of a worker on a node.
func WorkerDir(nodeDir, topology string, worker int) string {
	return filepath.Join(nodeDir, topology+"-"+strconv.Itoa(worker))
}

// ListenerFromEnv returns a function that makes a listener from the
// socket descriptor named by EnvListener (3 when unset), each call a new
// listener on a duplicate of it, so that every run of the worker function
// gets one to close.
func ListenerFromEnv(getenv func(string) string) (func() (net.Listener, error), error) {
	fd := 3
	if v := getenv(EnvListener); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3 {
			return nil, fmt.Errorf("%s=%q: want a descriptor number of 3 or more", EnvListener, v)
		}
		fd = n
	}
	f := os.NewFile(uintptr(fd), "slot")
	return func() (net.Listener, error) {
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("the slot's socket (descriptor %d) is not a listener: %w (`cluster worker` is started by an agent, not by hand)", fd, err)
		}
		return ln, nil
	}, nil
}

// errWorkerMoved ends the shell without an error: the assignment no
// longer has this worker on this node.
var errWorkerMoved = errors.New("worker moved")

// RunWorker is a worker process's shell (the part of Storm's worker that
// is not the executors): it reads the submission and the assignment,
// heartbeats every worker.heartbeat.frequency.secs with the engine's
// status, and runs fn; fn nil means the function registered for the
// submission's engine. It restarts fn on every new version of the
// assignment, and returns nil when the topology is killed, the worker is
// moved off this node, ctx ends (SIGTERM) or the agent dies (lifeline).
func RunWorker(ctx context.Context, opts WorkerOptions, fn WorkerFunc) error {
	if err := opts.check(); err != nil {
		return err
	}
	if err := coord.CheckName("topology", opts.Topology); err != nil {
		return err
	}
	if err := coord.CheckName("node", opts.Node); err != nil {
		return err
	}
	if opts.Worker < 0 || opts.Worker >= coord.MaxWorkers {
		return fmt.Errorf("--worker %d: want 0 to %d", opts.Worker, coord.MaxWorkers-1)
	}
	if opts.DataDir == "" {
		return errors.New("no data directory: pass --data-dir (the agent passes its node's)")
	}
	log := opts.Logger.With("role", "worker", "topology", opts.Topology, "worker", opts.Worker, "node", opts.Node, "pid", os.Getpid())
	var cpus []int
	if len(opts.CPUs) > 0 {
		var err error
		if cpus, err = PinProcess(opts.CPUs); err != nil {
			return err
		}
	}
	ctx, stop := opts.lifeline(ctx)
	defer stop()
	if opts.Listen == nil {
		l, err := ListenerFromEnv(os.Getenv)
		if err != nil {
			return err
		}
		opts.Listen = l
	}
	dir := WorkerDir(opts.DataDir, opts.Topology, opts.Worker)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("worker data directory: %w", err)
	}
	store, err := opts.dial(ctx, "worker")
	if err != nil {
		return err
	}
	defer store.Close()
	sub, err := store.Submission(ctx, opts.Topology)
	if err != nil {
		return err
	}
	if fn == nil {
		if fn, err = LookupWorker(sub.Engine); err != nil {
			return err
		}
	}
	events, err := store.WatchAssignment(ctx, opts.Topology)
	if err != nil {
		return err
	}

	// The heartbeat loop runs for the life of the shell and reports the
	// current run's version and status.
	var cur struct {
		sync.Mutex
		env     *WorkerEnv
		version uint64
	}
	beat := func() {
		cur.Lock()
		env, version := cur.env, cur.version
		cur.Unlock()
		h := &coord.WorkerHeartbeat{Topology: opts.Topology, Worker: opts.Worker, Node: opts.Node, PID: os.Getpid(), Version: version, CPUs: cpus}
		if env != nil {
			h.Status, h.Error = env.report()
		}
		if err := store.PutWorkerHeartbeat(ctx, h); err != nil && ctx.Err() == nil {
			log.Warn("heartbeat", "error", err)
		}
	}
	hbDone := make(chan struct{})
	hbCtx, hbStop := context.WithCancel(ctx)
	go func() {
		defer close(hbDone)
		t := time.NewTicker(opts.Timing.WorkerHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				beat()
			}
		}
	}()
	defer func() { hbStop(); <-hbDone }()

	started := time.Now().UnixNano()
	for run := uint64(0); ; run++ {
		a, err := store.Assignment(ctx, opts.Topology)
		if errors.Is(err, coord.ErrNotFound) {
			log.Info("assignment deleted: stopping")
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		self, ok := a.Worker(opts.Worker)
		if !ok || self.Node != opts.Node {
			log.Info("assignment moved this worker elsewhere: stopping", "version", a.Version, "node_now", self.Node)
			return nil
		}
		ln, err := opts.Listen()
		if err != nil {
			return err
		}
		if _, port, _ := net.SplitHostPort(self.Addr); port != strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) {
			ln.Close()
			log.Info("assignment moved this worker to another slot: stopping", "addr", self.Addr, "listener", ln.Addr().String())
			return nil
		}
		env := &WorkerEnv{NATSURL: opts.NATSURL, Conn: store.Conn(), Store: store, Submission: sub, Assignment: a, Self: self,
			Listener: ln, Token: opts.Token, DataDir: dir, Logger: log.With("version", a.Version), Timing: opts.Timing,
			Incarnation: incarnation(os.Getpid(), started, run)}
		cur.Lock()
		cur.env, cur.version = env, a.Version
		cur.Unlock()
		beat()
		log.Info("worker running", "version", a.Version, "executors", self.Executors, "addr", self.Addr, "cpus", cpus)
		err = runOnce(ctx, fn, env, events, opts.Timing.SupervisorWorkerShutdownSleep)
		ln.Close()
		switch {
		case errors.Is(err, errWorkerMoved):
			continue // read the new version
		case ctx.Err() != nil:
			log.Info("worker stopping", "why", context.Cause(ctx))
			return nil
		case err != nil:
			env.ReportError(err)
			beat()
			return fmt.Errorf("worker function: %w", err)
		default:
			return errors.New("worker function returned before its context ended")
		}
	}
}

// incarnation mixes a process's id and start time and a run's count into
// one 64-bit number (SplitMix64's finalizer over each in turn).
func incarnation(pid int, started int64, run uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, v := range []uint64{uint64(pid), uint64(started), run} {
		h ^= v
		h ^= h >> 30
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 27
		h *= 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

// runOnce runs fn until it returns or the assignment changes; on a change
// it cancels fn, waits for it (at most grace) and returns errWorkerMoved.
func runOnce(ctx context.Context, fn WorkerFunc, env *WorkerEnv, events <-chan coord.Event, grace time.Duration) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(runCtx, env) }()
	stopFn := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(grace):
			return fmt.Errorf("the worker function did not return within %v of its context ending", grace)
		}
	}
	for {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return stopFn()
		case ev, ok := <-events:
			if !ok {
				if err := stopFn(); err != nil {
					return err
				}
				return errors.New("lost the watch of the assignment")
			}
			if ev.Revision <= env.Assignment.Version && !ev.Deleted {
				continue
			}
			if err := stopFn(); err != nil && !errors.Is(err, context.Canceled) {
				env.Logger.Warn("worker function at reassignment", "error", err)
			}
			return errWorkerMoved
		}
	}
}
