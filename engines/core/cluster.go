package core

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// LocalCluster runs topologies in this process, as Storm's LocalCluster
// does: each worker is a group of goroutines, each executor a goroutine.
// Its methods are safe for concurrent use.
type LocalCluster struct {
	clock Clock
	conf  Config // the cluster's storm.yaml
	log   *slog.Logger
	seed  *uint64
	// coord is the coordination store given by WithCoordination, shared by
	// every topology of the cluster; nil gives each submission a store of
	// its own in memory.
	coord engines.KV

	mu         sync.Mutex
	topologies map[string]*topology
	shutdown   bool
}

// ClusterOption configures a LocalCluster.
type ClusterOption func(*LocalCluster)

// WithClock makes the cluster's timeouts, ticks and latencies follow clock.
func WithClock(clock Clock) ClusterOption { return func(c *LocalCluster) { c.clock = clock } }

// WithConfig sets the cluster's configuration, the storm.yaml layer between
// the built-in defaults and each topology's Config (see ReadConfigFile).
func WithConfig(conf Config) ClusterOption { return func(c *LocalCluster) { c.conf = conf.clone() } }

// WithLogger sets where the cluster logs reported errors and, with
// topology.debug, every emitted tuple. The default is slog.Default().
func WithLogger(l *slog.Logger) ClusterOption { return func(c *LocalCluster) { c.log = l } }

// WithSeed fixes the seed of the random root and edge ids and shuffles, for
// reproducible runs; by default each topology gets a random one.
func WithSeed(seed uint64) ClusterOption { return func(c *LocalCluster) { c.seed = &seed } }

// WithCoordination gives the cluster's topologies kv as their
// coordination store (TopologyContext.Coordination): the role ZooKeeper, and
// Kafka's committed offsets, play for Storm. A topology's state there is
// keyed by its name, so a topology submitted again under the same name, in
// this process or another on the same store, takes up where the last one
// left (a SourceSpout resumes from its committed offsets). By default each
// submission gets an empty store in memory, kept while it runs, across
// KillWorker, as Storm's local mode keeps ZooKeeper in process.
func WithCoordination(kv engines.KV) ClusterOption { return func(c *LocalCluster) { c.coord = kv } }

// NewLocalCluster returns a cluster with no topologies.
func NewLocalCluster(opts ...ClusterOption) *LocalCluster {
	c := &LocalCluster{clock: WallClock{}, conf: Config{}, topologies: make(map[string]*topology)}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c
}

// SubmitTopology validates topology under conf, opens its spouts and
// prepares its bolts, and starts it, active. A topology that cannot run is
// refused with every reason found.
func (c *LocalCluster) SubmitTopology(name string, conf Config, topology *StormTopology) error {
	return c.submit(name, conf, topology, nil)
}

// SubmitTopologyPlaced is SubmitTopology for one worker process of a
// distributed topology, as a Storm supervisor starts a worker with its
// share of an assignment: only the executors pl places on pl.Worker are
// created, opened and started here, and tuples for the tasks of the other
// workers cross pl.Transport. Every worker submits the same topology under
// the same configuration, so that all build the same plan. The worker does
// not tell when a bounded run is over (another worker may still hold tuples
// for it); WorkerStatus gives the progress a cluster judges the end by. A
// nil pl is SubmitTopology.
func (c *LocalCluster) SubmitTopologyPlaced(name string, conf Config, topology *StormTopology, pl *Placement) error {
	if pl != nil {
		pl = &Placement{Worker: pl.Worker, WorkerOf: slices.Clone(pl.WorkerOf), Transport: pl.Transport}
	}
	return c.submit(name, conf, topology, pl)
}

// WorkerStatus returns the progress of a running topology in this cluster:
// for a topology submitted with SubmitTopologyPlaced, this worker's side of
// it, which the cluster sums over the workers for the four-counter
// termination check (see WorkerStatus).
func (c *LocalCluster) WorkerStatus(name string) (WorkerStatus, error) {
	tp, err := c.get(name)
	if err != nil {
		return WorkerStatus{}, fmt.Errorf("worker status: %w", err)
	}
	return tp.workerStatus(), nil
}

// submit is SubmitTopology; with a placement, only the executors it puts
// on this process run here (a worker process of a distributed topology).
func (c *LocalCluster) submit(name string, conf Config, topology *StormTopology, pl *Placement) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shutdown {
		return ErrClusterShutdown
	}
	if _, ok := c.topologies[name]; ok {
		return fmt.Errorf("submit %q: %w; kill it first or choose another name", name, ErrAlreadyAlive)
	}
	seed := c.randomSeed()
	p, err := buildPlan(name, c.conf, conf, topology, seed)
	if err != nil {
		return fmt.Errorf("submit %q: %w", name, err)
	}
	workers, _ := p.conf.Int(TopologyWorkers)
	if pl != nil {
		if workers, err = pl.bind(p); err != nil {
			return fmt.Errorf("submit %q: %w", name, err)
		}
	}
	tp, err := newTopology(c, p, pl)
	if err != nil {
		return fmt.Errorf("submit %q: %w", name, err)
	}
	tp.active.Store(true)
	execs := make(map[string]int)
	for _, cp := range p.comps {
		execs[cp.id] = cp.executors
	}
	if err := tp.assign(workers, execs); err != nil {
		for _, t := range tp.taskList() {
			t.close()
		}
		return fmt.Errorf("submit %q: %w", name, err)
	}
	c.topologies[name] = tp
	return nil
}

func (c *LocalCluster) randomSeed() uint64 {
	if c.seed != nil {
		return *c.seed
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (c *LocalCluster) get(name string) (*topology, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shutdown {
		return nil, ErrClusterShutdown
	}
	tp, ok := c.topologies[name]
	if !ok {
		names := make([]string, 0, len(c.topologies))
		for n := range c.topologies {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("topology %q: %w (running: %s)", name, ErrNotAlive, strings.Join(names, ", "))
	}
	return tp, nil
}

// KillOptions tune KillTopologyWithOpts.
type KillOptions struct {
	// WaitSecs is how long the spouts stay deactivated so that tuple trees
	// in flight can complete before the workers stop. Negative means the
	// topology's message timeout, as in Storm. The wait ends early once
	// nothing is in flight. 0 stops at once, dropping what the queues hold.
	WaitSecs int
}

// KillTopology kills a topology, waiting up to its message timeout for
// tuple trees in flight to complete.
func (c *LocalCluster) KillTopology(name string) error {
	return c.KillTopologyWithOpts(name, KillOptions{WaitSecs: -1})
}

// KillTopologyWithOpts deactivates the topology's spouts, waits as opts
// say, stops its executors, and closes its spouts and cleans up its bolts.
func (c *LocalCluster) KillTopologyWithOpts(name string, opts KillOptions) error {
	tp, err := c.get(name)
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	c.mu.Lock()
	if c.topologies[name] != tp {
		c.mu.Unlock()
		return fmt.Errorf("kill: topology %q: %w", name, ErrNotAlive)
	}
	delete(c.topologies, name)
	c.mu.Unlock()
	tp.life.Lock()
	defer tp.life.Unlock()
	tp.kill(tp.waitFor(opts.WaitSecs))
	return nil
}

func (tp *topology) waitFor(secs int) time.Duration {
	if secs < 0 {
		s, _ := tp.plan.conf.Int(TopologyMessageTimeoutSecs)
		return time.Duration(s) * time.Second
	}
	return time.Duration(secs) * time.Second
}

func (tp *topology) kill(wait time.Duration) {
	tp.drainAndStop(wait, "KILLED", wait > 0)
	for _, t := range tp.taskList() {
		// A kill deactivates the spouts first, as Storm's does, even
		// when the executors stopped before they could.
		if t.spout != nil && t.activeSeen {
			t.activeSeen = false
			t.callSpout(t.spout.Deactivate)
		}
		t.close()
	}
}

// Activate makes the topology's spouts call NextTuple again; each spout
// task's Activate is called first.
func (c *LocalCluster) Activate(name string) error {
	tp, err := c.get(name)
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	tp.mu.Lock()
	tp.status = "ACTIVE"
	tp.mu.Unlock()
	tp.active.Store(true)
	return nil
}

// Deactivate stops the topology's spouts calling NextTuple; each spout
// task's Deactivate is called. Acks, fails and timeouts go on.
func (c *LocalCluster) Deactivate(name string) error {
	tp, err := c.get(name)
	if err != nil {
		return fmt.Errorf("deactivate: %w", err)
	}
	tp.mu.Lock()
	tp.status = "INACTIVE"
	tp.mu.Unlock()
	tp.active.Store(false)
	return nil
}

// RebalanceOptions say what a rebalance changes.
type RebalanceOptions struct {
	// WaitSecs is how long spouts stay deactivated so that trees in flight
	// complete first; negative means the message timeout. It ends early
	// once nothing is in flight.
	WaitSecs int
	// NumWorkers is the new worker count; 0 keeps it.
	NumWorkers int
	// NumExecutors sets new executor counts by component id; each must be
	// between 1 and the component's number of tasks.
	NumExecutors map[string]int
}

// Rebalance moves the topology's tasks onto new workers and executors while
// it runs (Storm's rebalance -n workers -e component=executors). The spouts
// are deactivated, the queues drain, the executors stop and new ones
// start with the same tasks, and the activation state is restored. Tasks
// keep their state, so a fields grouping sends each key to the same task
// before and after, and no tuple in flight is lost.
func (c *LocalCluster) Rebalance(name string, opts RebalanceOptions) error {
	tp, err := c.get(name)
	if err != nil {
		return fmt.Errorf("rebalance: %w", err)
	}
	p := tp.plan
	execs := make(map[string]int)
	for _, cp := range p.comps {
		execs[cp.id] = cp.executors
	}
	ids := make([]string, 0, len(opts.NumExecutors))
	for id := range opts.NumExecutors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := opts.NumExecutors[id]
		cp, ok := p.byID[id]
		if !ok {
			return fmt.Errorf("rebalance %q: %w: no component %q (components: %s)", name, ErrInvalidTopology, id, strings.Join(p.ids(), ", "))
		}
		if n < 1 || n > len(cp.tasks) {
			return fmt.Errorf("rebalance %q: %w: component %q: %d executors, but it has %d tasks (tasks are fixed at submission; set them with SetNumTasks)", name, ErrInvalidTopology, id, n, len(cp.tasks))
		}
		execs[id] = n
	}
	if tp.placement != nil {
		return fmt.Errorf("rebalance %q: %w: a worker of a distributed topology is rebalanced by its cluster's master, not in process", name, ErrInvalidTopology)
	}
	workers := opts.NumWorkers
	if workers < 0 {
		return fmt.Errorf("rebalance %q: %w: %d workers", name, ErrInvalidTopology, workers)
	}
	tp.life.Lock()
	defer tp.life.Unlock()
	c.mu.Lock()
	alive := c.topologies[name] == tp
	c.mu.Unlock()
	if !alive {
		return fmt.Errorf("rebalance: topology %q: %w", name, ErrNotAlive)
	}
	tp.mu.Lock()
	if workers == 0 {
		workers = len(tp.asg.workers)
	}
	tp.mu.Unlock()
	wasActive := tp.active.Load()
	tp.drainAndStop(tp.waitFor(opts.WaitSecs), "REBALANCING", true)
	tp.quiescing.Store(false)
	if err := tp.assign(workers, execs); err != nil {
		return fmt.Errorf("rebalance %q: %w", name, err)
	}
	tp.mu.Lock()
	tp.status = "ACTIVE"
	if !wasActive {
		tp.status = "INACTIVE"
	}
	tp.mu.Unlock()
	tp.active.Store(wasActive)
	return nil
}

// Metrics returns a running topology's metrics (Storm's topology info:
// per component and task, with recent errors).
func (c *LocalCluster) Metrics(name string) (TopologyMetrics, error) {
	tp, err := c.get(name)
	if err != nil {
		return TopologyMetrics{}, fmt.Errorf("metrics: %w", err)
	}
	return tp.metrics(), nil
}

// Topologies returns the names of the running topologies, sorted.
func (c *LocalCluster) Topologies() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.topologies))
	for n := range c.topologies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Shutdown kills every topology at once and closes the cluster.
func (c *LocalCluster) Shutdown() {
	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		return
	}
	c.shutdown = true
	tps := c.topologies
	c.topologies = nil
	c.mu.Unlock()
	for _, tp := range tps {
		tp.life.Lock()
		tp.kill(0)
		tp.life.Unlock()
	}
}
