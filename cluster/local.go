package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/streambench/streambench/cluster/coord"
)

// LocalOptions configure a cluster of processes on this machine, the
// deployment of `streambench run --nodes N`.
type LocalOptions struct {
	// Nodes is the number of agents, SlotsPerNode the slots each opens
	// (default 1).
	Nodes, SlotsPerNode int
	// CoresPerNode, when set, gives each node's workers GOMAXPROCS=C and
	// pins them to cores [i*C, (i+1)*C) modulo the machine's cores.
	CoresPerNode int
	// NATSURL, Token and Cluster are as in Common; Cluster defaults to
	// "streambench-local-<pid>", so runs do not meet.
	NATSURL, Token, Cluster string
	// Exe and ExeArgs start every process: Exe ExeArgs... cluster master
	// ...; Exe defaults to this executable. Env is added to their
	// environment.
	Exe     string
	ExeArgs []string
	Env     []string
	// DataDir is the parent of the nodes' data directories; when empty a
	// temporary one is made and removed by Stop.
	DataDir string
	Timing  coord.Timing
	// Logs receives the processes' output (their slog lines); nil
	// discards it.
	Logs io.Writer
	// StartTimeout bounds the wait for every agent's first heartbeat;
	// default 30s.
	StartTimeout time.Duration
}

// LocalNode is one node of a local cluster.
type LocalNode struct {
	Name    string
	DataDir string
	CPUs    []int
	PID     int
}

// Local is a master and N agents running as child processes of this one.
type Local struct {
	opts    LocalOptions
	store   *coord.Store
	master  *child
	agents  []*child
	nodes   []LocalNode
	shared  string
	tempDir string
}

type child struct {
	name     string
	cmd      *exec.Cmd
	exited   chan struct{}
	lifeline *os.File
}

// StartLocal starts one master and opts.Nodes agents as child processes
// (this binary's `cluster master` and `cluster agent`), and returns once
// every agent has heartbeat. The children hold a lifeline pipe to this
// process: if it dies, they stop (and the agents stop their workers).
func StartLocal(ctx context.Context, opts LocalOptions) (*Local, error) {
	if opts.Nodes < 1 || opts.Nodes > coord.MaxWorkers {
		return nil, fmt.Errorf("--nodes %d: want 1 to %d", opts.Nodes, coord.MaxWorkers)
	}
	if opts.SlotsPerNode == 0 {
		opts.SlotsPerNode = 1
	}
	if opts.SlotsPerNode < 0 || opts.SlotsPerNode > coord.MaxSlots {
		return nil, fmt.Errorf("%d slots per node: want 1 to %d", opts.SlotsPerNode, coord.MaxSlots)
	}
	if opts.CoresPerNode < 0 || opts.CoresPerNode > runtime.NumCPU() {
		return nil, fmt.Errorf("--cores-per-node %d: want 0 to %d, the cores of this machine", opts.CoresPerNode, runtime.NumCPU())
	}
	if opts.Cluster == "" {
		opts.Cluster = "streambench-local-" + strconv.Itoa(os.Getpid())
	}
	if opts.Timing.Profile == "" {
		opts.Timing = coord.DefaultTiming()
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	c := Common{NATSURL: opts.NATSURL, Cluster: opts.Cluster, Token: opts.Token, Timing: opts.Timing}
	if err := c.check(); err != nil {
		return nil, err
	}
	if opts.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Exe = exe
	}
	if opts.Logs == nil {
		opts.Logs = io.Discard
	}
	l := &Local{opts: opts}
	if opts.DataDir == "" {
		dir, err := os.MkdirTemp("", "streambench-nodes-")
		if err != nil {
			return nil, err
		}
		l.tempDir, opts.DataDir = dir, dir
	}
	store, err := coord.Dial(ctx, opts.NATSURL, "streambench-launcher", coord.Options{Cluster: opts.Cluster, Timing: opts.Timing})
	if err != nil {
		l.removeTemp()
		return nil, err
	}
	l.store = store
	ok := false
	defer func() {
		if !ok {
			l.Stop()
		}
	}()

	common := []string{"--nats-url", opts.NATSURL, "--cluster", opts.Cluster}
	common = append(common, timingArgs(opts.Timing)...)
	if l.master, err = l.start("master", append([]string{"cluster", "master"}, common...)); err != nil {
		return nil, err
	}
	var sharedNodes []string
	for i := range opts.Nodes {
		n := LocalNode{Name: "node-" + strconv.Itoa(i+1), DataDir: filepath.Join(opts.DataDir, "node-"+strconv.Itoa(i+1))}
		args := append([]string{"cluster", "agent"}, common...)
		args = append(args, "--node", n.Name, "--slots", strconv.Itoa(opts.SlotsPerNode), "--data-dir", n.DataDir)
		if opts.CoresPerNode > 0 {
			var shared bool
			n.CPUs, shared = NodeCPUs(i, opts.CoresPerNode, runtime.NumCPU())
			if shared {
				sharedNodes = append(sharedNodes, n.Name)
			}
			args = append(args, "--cores-per-node", strconv.Itoa(opts.CoresPerNode), "--cpus", FormatCPUs(n.CPUs))
		}
		ch, err := l.start(n.Name, args)
		if err != nil {
			return nil, err
		}
		n.PID = ch.cmd.Process.Pid
		l.agents = append(l.agents, ch)
		l.nodes = append(l.nodes, n)
	}
	if len(sharedNodes) > 0 {
		l.shared = fmt.Sprintf("%d nodes x %d cores need %d cores, this machine has %d: %v share cores with earlier nodes",
			opts.Nodes, opts.CoresPerNode, opts.Nodes*opts.CoresPerNode, runtime.NumCPU(), sharedNodes)
	}

	deadline := time.Now().Add(opts.StartTimeout)
	for {
		live, _ := store.Agents(ctx)
		up := 0
		for _, h := range live {
			for _, n := range l.nodes {
				if h.Node == n.Name && h.PID == n.PID {
					up++
				}
			}
		}
		if up == opts.Nodes {
			break
		}
		for _, ch := range append([]*child{l.master}, l.agents...) {
			select {
			case <-ch.exited:
				return nil, fmt.Errorf("local cluster: %s (pid %d) exited at start: %v (its log is in the launcher's log output)", ch.name, ch.cmd.Process.Pid, ch.cmd.ProcessState)
			default:
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("local cluster: %d of %d agents heartbeat within %v", up, opts.Nodes, opts.StartTimeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	ok = true
	return l, nil
}

func (l *Local) start(name string, args []string) (*child, error) {
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer lifeR.Close()
	cmd := exec.Command(l.opts.Exe, append(append([]string(nil), l.opts.ExeArgs...), args...)...)
	cmd.Env = append(append(os.Environ(), l.opts.Env...), EnvToken+"="+l.opts.Token, EnvLifeline+"=3")
	cmd.ExtraFiles = []*os.File{lifeR}
	cmd.Stdout, cmd.Stderr = l.opts.Logs, l.opts.Logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lifeW.Close()
		return nil, fmt.Errorf("local cluster: start %s: %w", name, err)
	}
	ch := &child{name: name, cmd: cmd, exited: make(chan struct{}), lifeline: lifeW}
	go func() { _ = cmd.Wait(); close(ch.exited) }()
	return ch, nil
}

// Store returns the cluster's coordination store, to submit and kill
// topologies and read heartbeats.
func (l *Local) Store() *coord.Store { return l.store }

// Cluster returns the cluster's name.
func (l *Local) Cluster() string { return l.opts.Cluster }

// Timing returns the timing the processes run with.
func (l *Local) Timing() coord.Timing { return l.opts.Timing }

// MasterPID returns the master's pid.
func (l *Local) MasterPID() int { return l.master.cmd.Process.Pid }

// Nodes returns the nodes: names, data directories, cores and agent pids.
func (l *Local) Nodes() []LocalNode { return append([]LocalNode(nil), l.nodes...) }

// AgentPID returns the pid of node i's agent (0-based).
func (l *Local) AgentPID(i int) int { return l.nodes[i].PID }

// SharedCores says which nodes share cores because the machine has fewer
// than Nodes x CoresPerNode, or "" when every node has its own.
func (l *Local) SharedCores() string { return l.shared }

// WorkerPIDs returns the pid of each worker of a topology with a live
// heartbeat, by worker index.
func (l *Local) WorkerPIDs(ctx context.Context, topology string) (map[int]int, error) {
	hbs, err := l.store.Workers(ctx, topology)
	out := map[int]int{}
	now := l.store.Now()
	for _, h := range hbs {
		if l.opts.Timing.WorkerLive(h, now) {
			out[h.Worker] = h.PID
		}
	}
	return out, err
}

// Stop stops the agents (which stop their workers) and the master by pid:
// SIGTERM, then SIGKILL after a grace; it waits for each and removes the
// temporary data directory.
func (l *Local) Stop() error {
	grace := l.opts.Timing.SupervisorWorkerShutdownSleep + 5*time.Second
	stop := func(chs []*child) {
		for _, ch := range chs {
			if ch != nil {
				_ = syscall.Kill(ch.cmd.Process.Pid, syscall.SIGTERM)
			}
		}
		for _, ch := range chs {
			if ch == nil {
				continue
			}
			select {
			case <-ch.exited:
			case <-time.After(grace):
				slog.Warn("local cluster: process ignored SIGTERM; killing it", "process", ch.name, "pid", ch.cmd.Process.Pid)
				_ = syscall.Kill(ch.cmd.Process.Pid, syscall.SIGKILL)
				<-ch.exited
			}
			ch.lifeline.Close()
		}
	}
	stop(l.agents)
	stop([]*child{l.master})
	if l.store != nil {
		l.store.Close()
	}
	return l.removeTemp()
}

func (l *Local) removeTemp() error {
	if l.tempDir == "" {
		return nil
	}
	dir := l.tempDir
	l.tempDir = ""
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
