package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/streambench/streambench/cluster/coord"
)

// AgentOptions configure a node agent.
type AgentOptions struct {
	Common
	// Node names this node in the cluster; unique among live agents.
	Node string
	// Listen is the host the slots bind (127.0.0.1 when empty); Advertise
	// the host other workers dial (Listen when empty, this host's name
	// when Listen is a wildcard).
	Listen, Advertise string
	// Slots is how many worker slots to open on ports the system picks;
	// Ports names them instead.
	Slots int
	Ports []int
	// Cores sets GOMAXPROCS of the workers (0 leaves it), CPUs the cores
	// they pin themselves to (none when empty).
	Cores int
	CPUs  []int
	// DataDir is this node's directory; each worker gets a subdirectory
	// (WorkerDir). The agent creates it and never removes it.
	DataDir string
	// Exe and ExeArgs start a worker: Exe ExeArgs... cluster worker
	// --nats-url ... . Exe defaults to this executable.
	Exe     string
	ExeArgs []string
	// Env is added to the workers' environment.
	Env []string
	// WorkerOutput receives the workers' stdout and stderr; nil means a
	// file worker.log in each worker's data directory.
	WorkerOutput io.Writer
}

// slot is one worker port, bound for the agent's life.
type slot struct {
	port int
	ln   *net.TCPListener
}

// workerProc is one worker process the agent runs.
type workerProc struct {
	topology string
	worker   int
	port     int
	cmd      *exec.Cmd
	pid      int
	started  time.Time
	exited   chan struct{}
	waitErr  error
	lifeline *os.File
	logFile  *os.File
}

type workerKey struct {
	topology string
	worker   int
}

// Agent is a node agent (Storm's Supervisor).
type Agent struct {
	opts     AgentOptions
	store    *coord.Store
	log      *slog.Logger
	host     string
	slots    map[int]*slot
	mu       sync.Mutex
	procs    map[workerKey]*workerProc
	restarts map[workerKey]int
}

// RunAgent runs a node agent until ctx ends. At start it binds its slots
// and keeps them bound, so a slot's port stays this node's while workers
// come and go; it heartbeats every supervisor.heartbeat.frequency.secs;
// and it starts, watches and stops the worker processes the assignments
// put on its node. Every supervisor.monitor.frequency.secs it checks them,
// as Storm's Supervisor does: a worker that exited, that wrote no heartbeat
// within supervisor.worker.start.timeout.secs of its start, or whose
// heartbeat is older than supervisor.worker.timeout.secs, is killed
// (SIGKILL, by pid) and started again. A worker whose assignment went away
// is stopped (SIGTERM, then SIGKILL after
// supervisor.worker.shutdown.sleep.secs). On its own shutdown it stops all
// its workers and deletes its heartbeat.
func RunAgent(ctx context.Context, opts AgentOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	if err := coord.CheckName("node", opts.Node); err != nil {
		return fmt.Errorf("--node: %w", err)
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1"
	}
	if opts.DataDir == "" {
		return errors.New("no data directory: pass --data-dir DIR (each node its own)")
	}
	if opts.Slots < 0 || opts.Slots > coord.MaxSlots || len(opts.Ports) > coord.MaxSlots {
		return fmt.Errorf("--slots %d: want 1 to %d", opts.Slots, coord.MaxSlots)
	}
	if opts.Slots == 0 && len(opts.Ports) == 0 {
		opts.Slots = 1
	}
	if opts.Cores == 0 {
		opts.Cores = len(opts.CPUs)
	}
	if opts.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this executable to start workers with: %w", err)
		}
		opts.Exe = exe
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	ctx, stop := opts.lifeline(ctx)
	defer stop()

	a := &Agent{opts: opts, log: opts.Logger.With("role", "agent", "node", opts.Node), slots: map[int]*slot{},
		procs: map[workerKey]*workerProc{}, restarts: map[workerKey]int{}}
	a.host = opts.Advertise
	if a.host == "" {
		a.host = opts.Listen
		if ip := net.ParseIP(a.host); ip != nil && ip.IsUnspecified() {
			if h, err := os.Hostname(); err == nil {
				a.host = h
			}
		}
	}
	defer a.closeSlots()
	if err := a.bindSlots(); err != nil {
		return err
	}
	store, err := opts.dial(ctx, "agent-"+opts.Node)
	if err != nil {
		return err
	}
	defer store.Close()
	a.store = store
	if err := a.checkNodeFree(ctx); err != nil {
		return err
	}
	err = a.run(ctx)
	a.stopAll()
	rmCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if rerr := store.RemoveAgent(rmCtx, opts.Node); rerr != nil {
		a.log.Warn("remove heartbeat", "error", rerr)
	}
	a.log.Info("agent stopped")
	return err
}

func (a *Agent) bindSlots() error {
	ports := a.opts.Ports
	if len(ports) == 0 {
		ports = make([]int, a.opts.Slots)
	}
	for _, p := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(a.opts.Listen, strconv.Itoa(p)))
		if err != nil {
			return fmt.Errorf("bind slot %s: %w (is the port taken? pick others with --ports, or --slots N for free ones)", net.JoinHostPort(a.opts.Listen, strconv.Itoa(p)), err)
		}
		tl := ln.(*net.TCPListener)
		port := tl.Addr().(*net.TCPAddr).Port
		a.slots[port] = &slot{port: port, ln: tl}
	}
	return nil
}

func (a *Agent) closeSlots() {
	for _, s := range a.slots {
		s.ln.Close()
	}
}

// checkNodeFree refuses a node name a live agent on another host, or a
// running process on this one, already uses.
func (a *Agent) checkNodeFree(ctx context.Context) error {
	all, _ := a.store.Agents(ctx)
	for _, h := range all {
		if h.Node != a.opts.Node || h.PID == os.Getpid() {
			continue
		}
		if h.Host != a.host || syscall.Kill(h.PID, 0) == nil {
			return fmt.Errorf("node name %q is in use by a live agent (pid %d on %s): pass another --node", h.Node, h.PID, h.Host)
		}
	}
	return nil
}

func (a *Agent) heartbeat(ctx context.Context) {
	ports := sortedKeys(a.slots)
	h := &coord.AgentHeartbeat{Node: a.opts.Node, Host: a.host, Slots: ports, Cores: a.opts.Cores, CPUs: a.opts.CPUs, PID: os.Getpid()}
	if err := a.store.PutAgentHeartbeat(ctx, h); err != nil && ctx.Err() == nil {
		a.log.Warn("heartbeat", "error", err)
	}
}

func (a *Agent) run(ctx context.Context) error {
	t := a.store.Timing()
	a.heartbeat(ctx)
	a.log.Info("agent started", "slots", sortedKeys(a.slots), "host", a.host, "cpus", a.opts.CPUs, "data_dir", a.opts.DataDir, "timing", t.String())
	events, err := a.store.WatchAssignments(ctx)
	if err != nil {
		return err
	}
	hb := time.NewTicker(t.SupervisorHeartbeat)
	defer hb.Stop()
	mon := time.NewTicker(t.SupervisorMonitor)
	defer mon.Stop()
	a.sync(ctx)
	for {
		select {
		case <-ctx.Done():
			a.log.Info("agent stopping", "why", context.Cause(ctx))
			return nil
		case <-hb.C:
			a.heartbeat(ctx)
		case _, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				a.log.Warn("assignment watch ended; watching again")
				if events, err = a.store.WatchAssignments(ctx); err != nil {
					a.log.Warn("watch assignments", "error", err)
					events = nil
				}
				continue
			}
			a.sync(ctx)
		case <-mon.C:
			if events == nil {
				events, _ = a.store.WatchAssignments(ctx)
			}
			a.sync(ctx)
			a.monitor(ctx)
		}
	}
}

// sync starts the workers the assignments put on this node and stops
// those they no longer do.
func (a *Agent) sync(ctx context.Context) {
	asgs, err := a.store.Assignments(ctx)
	if err != nil {
		if !errors.Is(err, coord.ErrInvalid) {
			// Unreadable: change nothing rather than stop every worker.
			if ctx.Err() == nil {
				a.log.Warn("reading assignments", "error", err)
			}
			return
		}
		a.log.Warn("skipping invalid assignments", "error", err)
	}
	want := map[workerKey]int{}
	for _, as := range asgs {
		for _, w := range as.Workers {
			if w.Node != a.opts.Node {
				continue
			}
			_, port, _ := net.SplitHostPort(w.Addr)
			p, _ := strconv.Atoi(port)
			if a.slots[p] == nil {
				a.log.Warn("assignment names a slot this agent does not have", "topology", as.Topology, "worker", w.Worker, "addr", w.Addr)
				continue
			}
			want[workerKey{as.Topology, w.Worker}] = p
		}
	}
	a.mu.Lock()
	var stop []*workerProc
	for k, p := range a.procs {
		if port, ok := want[k]; !ok || port != p.port {
			stop = append(stop, p)
			delete(a.procs, k)
		}
	}
	a.mu.Unlock()
	for _, p := range stop {
		a.log.Info("stopping worker: no longer assigned here", "topology", p.topology, "worker", p.worker, "pid", p.pid)
		a.stopProc(p)
	}
	for k, port := range want {
		a.mu.Lock()
		_, running := a.procs[k]
		a.mu.Unlock()
		if !running {
			a.launch(ctx, k, port, "assigned")
		}
	}
}

// monitor checks every worker: exited, silent since its start, or with a
// stale heartbeat, it is killed and started again.
func (a *Agent) monitor(ctx context.Context) {
	t := a.store.Timing()
	now := a.store.Now()
	a.mu.Lock()
	procs := make([]*workerProc, 0, len(a.procs))
	for _, p := range a.procs {
		procs = append(procs, p)
	}
	a.mu.Unlock()
	beats := map[string][]coord.WorkerHeartbeat{}
	for _, p := range procs {
		var why string
		select {
		case <-p.exited:
			why = fmt.Sprintf("exited (%v)", p.waitErr)
		default:
		}
		if why == "" {
			hbs, ok := beats[p.topology]
			if !ok {
				var err error
				hbs, err = a.store.Workers(ctx, p.topology)
				if err != nil {
					a.log.Warn("worker heartbeats", "topology", p.topology, "error", err)
				}
				beats[p.topology] = hbs
			}
			var hb *coord.WorkerHeartbeat
			for i := range hbs {
				if hbs[i].Worker == p.worker && hbs[i].PID == p.pid && hbs[i].Node == a.opts.Node {
					hb = &hbs[i]
				}
			}
			switch {
			case hb == nil && now.Sub(p.started) > t.SupervisorWorkerStartTimeout:
				why = fmt.Sprintf("no heartbeat within supervisor.worker.start.timeout.secs (%v)", t.SupervisorWorkerStartTimeout)
			case hb != nil && !t.WorkerLive(*hb, now):
				why = fmt.Sprintf("heartbeat %v old, over supervisor.worker.timeout.secs (%v)", now.Sub(hb.Time).Round(time.Millisecond), t.SupervisorWorkerTimeout)
			}
		}
		if why == "" || ctx.Err() != nil {
			continue
		}
		k := workerKey{p.topology, p.worker}
		a.mu.Lock()
		if a.procs[k] != p {
			a.mu.Unlock()
			continue
		}
		delete(a.procs, k)
		a.restarts[k]++
		n := a.restarts[k]
		a.mu.Unlock()
		a.log.Warn("restarting worker", "topology", p.topology, "worker", p.worker, "pid", p.pid, "why", why, "restarts", n)
		a.killProc(p)
		a.launch(ctx, k, p.port, "restart")
	}
}

// launch starts a worker process on a slot.
func (a *Agent) launch(ctx context.Context, k workerKey, port int, why string) {
	if ctx.Err() != nil {
		return
	}
	s := a.slots[port]
	lnFile, err := s.ln.File() // a duplicate; the agent keeps its own
	if err != nil {
		a.log.Error("slot socket", "port", port, "error", err)
		return
	}
	defer lnFile.Close()
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		a.log.Error("lifeline pipe", "error", err)
		return
	}
	defer lifeR.Close()
	t := a.store.Timing()
	args := append(append([]string(nil), a.opts.ExeArgs...), "cluster", "worker",
		"--nats-url", a.opts.NATSURL, "--cluster", a.store.Cluster(), "--topology", k.topology,
		"--worker", strconv.Itoa(k.worker), "--node", a.opts.Node, "--data-dir", a.opts.DataDir)
	args = append(args, timingArgs(t)...)
	cmd := exec.Command(a.opts.Exe, args...)
	cmd.Env = append(append(os.Environ(), a.opts.Env...),
		EnvToken+"="+a.opts.Token, EnvListener+"=3", EnvLifeline+"=4")
	if a.opts.Cores > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(a.opts.Cores))
	}
	if len(a.opts.CPUs) > 0 {
		cmd.Env = append(cmd.Env, EnvCPUs+"="+FormatCPUs(a.opts.CPUs))
	}
	cmd.ExtraFiles = []*os.File{lnFile, lifeR}
	// Its own process group: a Ctrl-C at the agent's terminal reaches the
	// agent, which stops its workers in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &workerProc{topology: k.topology, worker: k.worker, port: port, cmd: cmd, exited: make(chan struct{}), lifeline: lifeW}
	if a.opts.WorkerOutput != nil {
		cmd.Stdout, cmd.Stderr = a.opts.WorkerOutput, a.opts.WorkerOutput
	} else {
		dir := WorkerDir(a.opts.DataDir, k.topology, k.worker)
		if err := os.MkdirAll(dir, 0o755); err == nil {
			if f, err := os.OpenFile(filepath.Join(dir, "worker.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
				cmd.Stdout, cmd.Stderr, p.logFile = f, f, f
			}
		}
	}
	if err := cmd.Start(); err != nil {
		lifeW.Close()
		if p.logFile != nil {
			p.logFile.Close()
		}
		a.log.Error("start worker", "topology", k.topology, "worker", k.worker, "exe", a.opts.Exe, "error", err)
		return
	}
	p.pid, p.started = cmd.Process.Pid, a.store.Now()
	go func() {
		p.waitErr = cmd.Wait() // reaps it: no zombie
		if p.logFile != nil {
			p.logFile.Close()
		}
		close(p.exited)
	}()
	a.mu.Lock()
	a.procs[k] = p
	a.mu.Unlock()
	a.log.Info("worker started", "topology", k.topology, "worker", k.worker, "pid", p.pid, "port", port, "why", why)
}

// killProc kills a worker at once, by pid, and waits for it.
func (a *Agent) killProc(p *workerProc) {
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
	<-p.exited
	p.lifeline.Close()
}

// stopProc asks a worker to stop (SIGTERM), kills it after the grace of
// supervisor.worker.shutdown.sleep.secs, and waits for it.
func (a *Agent) stopProc(p *workerProc) {
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(p.pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(a.store.Timing().SupervisorWorkerShutdownSleep):
			a.log.Warn("worker ignored SIGTERM: killing it", "topology", p.topology, "worker", p.worker, "pid", p.pid)
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	p.lifeline.Close()
}

// stopAll stops every worker, in parallel.
func (a *Agent) stopAll() {
	a.mu.Lock()
	procs := a.procs
	a.procs = map[workerKey]*workerProc{}
	a.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { a.stopProc(p) })
	}
	wg.Wait()
}

// timingArgs passes a timing on to a child process.
func timingArgs(t coord.Timing) []string {
	if t.Profile != "custom" {
		return []string{"--timing", t.Profile}
	}
	var out []string
	for k, v := range t.Settings() {
		out = append(out, "--timing-set", k+"="+strconv.FormatFloat(v, 'g', -1, 64))
	}
	return out
}
