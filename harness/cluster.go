package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/cluster/coord"
	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// ClusterConfig makes a run a cluster run: the harness starts a master and
// Nodes agents as processes on this machine (each agent starting its
// worker processes), deploys the topology on them, and measures it as it
// measures a local run: the driver publishes to the JetStream log, every
// worker's spouts read their partitions of it, and every output comes back
// to the harness's sink, stamped on arrival.
type ClusterConfig struct {
	// Nodes is the number of nodes (agents); 0 is local mode.
	Nodes int
	// CoresPerNode pins each node's processes to that many cores, with
	// GOMAXPROCS set to match (0: not pinned).
	CoresPerNode int
	// Timing is the control plane's profile: "default" (Storm's timings)
	// or "fast" (divided, for tests).
	Timing string

	// Join, instead of starting a cluster, submits the run's topology to
	// the running cluster of that name (its master and agents started
	// with `streambench cluster master|agent` on the hosts, coordinated
	// through the server of the run's --nats-url). Nodes, when set, is how
	// many of its agents must be live; Token is the cluster's token, and
	// Listen the address the harness's output listener binds, which the
	// workers on other hosts must reach (default 127.0.0.1).
	Join   string
	Token  string
	Listen string
}

// Enabled reports whether the run is a cluster run.
func (c ClusterConfig) Enabled() bool { return c.Nodes > 0 || c.Join != "" }

// timing returns the run's timing profile (check has refused an unknown
// one).
func (c ClusterConfig) timing() coord.Timing {
	t, err := coord.TimingProfile(c.Timing)
	if err != nil {
		return coord.DefaultTiming()
	}
	return t
}

// withConf returns opts with key set to value in a copy of its Conf.
func withConf(opts engines.Options, key, value string) engines.Options {
	conf := opts.Conf.Clone()
	if conf == nil {
		conf = engines.Conf{}
	}
	conf[key] = value
	opts.Conf = conf
	return opts
}

// MaxNodes bounds --nodes: every node is an agent process with its own
// workers on this machine.
const MaxNodes = 64

// clusterEngines are the engines whose topologies run as cluster workers.
var clusterEngines = []string{"core", "trident"}

func (c ClusterConfig) check(cfg *RunConfig) error {
	bad := func(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }
	if c.Join != "" {
		if err := coord.CheckName("cluster", c.Join); err != nil {
			return bad("--cluster: %v", err)
		}
		if c.CoresPerNode != 0 {
			return bad("--cores-per-node: the agents of a running cluster were pinned when they started (cluster agent --cores-per-node)")
		}
		if c.Token == "" {
			return bad("--cluster %s: no token: give --token-file FILE or set STREAMBENCH_CLUSTER_TOKEN to the cluster's token", c.Join)
		}
		if cfg.Source.NATSURL == "" {
			return bad("--cluster %s: add --nats-url, the nats-server the cluster coordinates through (its workers read the run's log there)", c.Join)
		}
	} else if c.Listen != "" || c.Token != "" {
		return bad("--listen and --token-file apply to a run on a running cluster: add --cluster NAME")
	}
	if c.Nodes == 0 && c.Join == "" {
		if c.CoresPerNode != 0 || c.Timing != "" {
			return bad("--cores-per-node and --timing apply to a cluster run: add --nodes N")
		}
		return nil
	}
	if c.Nodes < 0 || c.Nodes > MaxNodes {
		return bad("--nodes %d: must be 1 to %d", c.Nodes, MaxNodes)
	}
	if c.CoresPerNode < 0 || c.CoresPerNode > 1024 {
		return bad("--cores-per-node %d: must be 0 (not pinned) to 1024", c.CoresPerNode)
	}
	if c.Timing != "" {
		if _, err := coord.TimingProfile(c.Timing); err != nil {
			return bad("--timing %s: %v", c.Timing, err)
		}
	}
	if !slices.Contains(clusterEngines, cfg.Engine) {
		return bad("--nodes: engine %s does not run on a cluster yet (cluster engines: %v); drop --nodes for a local run", cfg.Engine, clusterEngines)
	}
	if cfg.Source.Name != "jetstream" || cfg.Source.Kind() != engines.KindLog {
		return bad("--nodes: a cluster's workers read the run's input from a JetStream log: add --source jetstream (class log)")
	}
	return nil
}

// clusterRun is a run's cluster: the processes started for it, the
// topology deployed on them, and the harness's end of their outputs and
// progress reports.
type clusterRun struct {
	cfg      ClusterConfig
	local    *cluster.Local
	store    *coord.Store
	topology string
	workers  int
	sinkNode *transport.Node[engines.Output]
	sinkQ    *engines.Queue[engines.Output]
	sub      *nats.Subscription
	timing   coord.Timing
	agents   []coord.AgentHeartbeat // of a joined cluster
	bucket   string                 // the coordination bucket the workers share
	stateDir string                 // Trident's map state, removed at the end
	// messageTimeout is the topology's topology.message.timeout.secs.
	messageTimeout time.Duration

	mu       sync.Mutex
	progress map[int]workerProgress // the latest report of each worker's current life
	// retired holds the last report of each earlier life of a worker (a
	// process killed and started again, or restarted on a new
	// assignment), and dead their incarnations, so that a late report of
	// one is not taken for the current life's.
	retired  map[int][]workerProgress
	dead     map[uint64]bool
	changed  chan struct{} // closed and replaced on every report
	received int64         // outputs that reached the harness
	quiet    quietState    // the end check once a worker has restarted
}

// quietState is where the end check of a run with a restarted worker
// stands: since when the workers' reports and the outputs received have
// not changed, and each worker's report sequence then.
type quietState struct {
	sig  string
	from time.Time
	seqs map[int]uint64
}

// quietAfterRestart is how long a run in which a worker restarted must
// show no change at all before it is judged over (see finished): longer
// than the transport's longest wait before re-dialling a peer, and longer
// than the topology's message timeout, after which a lost tree or a
// Trident batch that stalled is replayed (see clusterRun.quietWindow).
const quietAfterRestart = 3 * transport.DefaultMaxBackoff

// startCluster starts the run's cluster and deploys the engine's topology
// on it. eng is built for this purpose only, to lay out its executors;
// job is the payload each worker builds the topology from.
func startCluster(ctx context.Context, cfg RunConfig, ol *openedLog, eng engines.Engine, job clusterJob) (_ *clusterRun, err error) {
	layout, ok := eng.(interface {
		Layout(engines.Source, engines.Sink) ([]core.ExecutorInfo, error)
	})
	if !ok {
		return nil, &UsageError{Msg: fmt.Sprintf("--nodes: engine %s does not run on a cluster", cfg.Engine)}
	}
	in := ol.Log.Input()
	execs, err := layout.Layout(in.Log, engines.SinkFunc(func([]engines.Output) error { return nil }))
	if err != nil {
		return nil, err
	}
	timing := cfg.Cluster.timing()
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	name := "run-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cr := &clusterRun{cfg: cfg.Cluster, topology: "topology", timing: timing, bucket: job.Coordination,
		progress: map[int]workerProgress{}, retired: map[int][]workerProgress{}, dead: map[uint64]bool{}, changed: make(chan struct{})}
	defer func() {
		if err != nil {
			cr.stop()
		}
	}()
	nodes := cfg.Cluster.Nodes
	if cfg.Cluster.Join != "" {
		name, token = cfg.Cluster.Join, cfg.Cluster.Token
		cr.topology = "run-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	} else {
		cr.local, err = cluster.StartLocal(ctx, cluster.LocalOptions{Nodes: nodes, CoresPerNode: cfg.Cluster.CoresPerNode,
			NATSURL: job.NATSURL, Token: token, Cluster: name, Timing: timing})
		if err != nil {
			return nil, fmt.Errorf("start the cluster: %w", err)
		}
	}
	cr.store, err = coord.Dial(ctx, job.NATSURL, "streambench-harness", coord.Options{Cluster: name, Timing: timing})
	if err != nil {
		return nil, err
	}
	if cfg.Cluster.Join != "" {
		if nodes, err = cr.liveAgents(ctx, nodes); err != nil {
			return nil, err
		}
		cr.cfg.Nodes = nodes
	}

	cr.sinkQ = engines.NewQueue[engines.Output](64)
	listen := "127.0.0.1:0"
	if cfg.Cluster.Listen != "" {
		listen = net.JoinHostPort(cfg.Cluster.Listen, "0")
	}
	cr.sinkNode, err = transport.NewNode(transport.Config[engines.Output]{ID: "harness", Token: token, ListenAddr: listen,
		Codec: transport.OutputCodec{}, Local: map[int]*engines.Queue[engines.Output]{0: cr.sinkQ}})
	if err != nil {
		return nil, err
	}
	job.SinkAddr = cr.sinkNode.Addr().String()
	job.Progress = "streambench.progress." + name + "." + cr.topology
	if cr.sub, err = cr.store.Conn().Subscribe(job.Progress, cr.report); err != nil {
		return nil, fmt.Errorf("subscribe to the workers' progress: %w", err)
	}

	cr.workers = nodes
	if w, ok := cfg.Conf[core.TopologyWorkers]; ok {
		cr.workers, _ = strconv.Atoi(w)
	}
	payload, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	sub := &coord.Submission{Topology: cr.topology, Engine: cfg.Engine, Workers: cr.workers, Payload: payload, Submitted: time.Now()}
	for i, e := range execs {
		sub.Executors = append(sub.Executors, coord.Executor{ID: i, Component: e.Component, FirstTask: e.FirstTask, LastTask: e.LastTask})
	}
	if err := cr.store.Submit(ctx, sub); err != nil {
		return nil, err
	}
	// The workers start, connect and report before the first record is
	// published, as a topology is deployed before a benchmark loads it.
	deadline := time.Now().Add(timing.SupervisorWorkerStartTimeout)
	for {
		cr.mu.Lock()
		n, changed := len(cr.progress), cr.changed
		var failed string
		for _, p := range cr.progress {
			if p.Status.Error != "" {
				failed = fmt.Sprintf("worker %d on %s: %s", p.Worker, p.Node, p.Status.Error)
			}
		}
		cr.mu.Unlock()
		if failed != "" {
			return nil, errors.New(failed)
		}
		if n >= cr.workers {
			return cr, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Until(deadline)):
			return nil, fmt.Errorf("the topology's %d workers did not all start within %v (%d reported); the agents' logs say why", cr.workers, timing.SupervisorWorkerStartTimeout, n)
		}
	}
}

// deploy starts the run's cluster and deploys the topology on it, before
// the run's plan starts.
func deploy(ctx context.Context, cfg RunConfig, w workloads.Workload, opts engines.Options, eventRate float64, ol *openedLog) (*clusterRun, error) {
	url, _ := ol.settings["url"].(string)
	stream, _ := ol.settings["stream"].(string)
	if url == "" || stream == "" {
		return nil, errors.New("a cluster run needs a JetStream log with a URL and a stream")
	}
	var bucket string
	if in := ol.Log.Input(); in.Coordination != nil {
		bucket = stream + "-coordination"
	}
	// The timing profile's message timeout, unless the topology sets one.
	timing := cfg.Cluster.timing()
	if _, set := opts.Conf[core.TopologyMessageTimeoutSecs]; !set {
		opts = withConf(opts, core.TopologyMessageTimeoutSecs, strconv.Itoa(max(1, int(timing.MessageTimeout/time.Second))))
	}
	// Trident's map state on a disk every node of this machine reaches,
	// so that a worker started again, on its node or another, finds its
	// partitions' values and txids (a joined cluster's hosts need a
	// shared one, given with --conf trident.state.dir=DIR).
	var stateDir string
	// Only word count's state values are yet encodable by the state
	// codec; the windowed workloads keep their map state in memory.
	if _, set := opts.Conf[trident.TridentStateDir]; cfg.Engine == "trident" && cfg.Workload == "wordcount" && !set && cfg.Cluster.Join == "" {
		dir, err := os.MkdirTemp("", "streambench-trident-state-")
		if err != nil {
			return nil, err
		}
		stateDir = dir
		opts = withConf(opts, trident.TridentStateDir, dir)
	}
	cr, err := deployJob(ctx, cfg, w, opts, eventRate, ol, url, stream, bucket)
	if err != nil {
		if stateDir != "" {
			os.RemoveAll(stateDir)
		}
		return nil, err
	}
	cr.stateDir = stateDir
	if secs, err := strconv.Atoi(opts.Conf[core.TopologyMessageTimeoutSecs]); err == nil {
		cr.messageTimeout = time.Duration(secs) * time.Second
	}
	return cr, nil
}

// deployJob is deploy once the topology's configuration is settled.
func deployJob(ctx context.Context, cfg RunConfig, w workloads.Workload, opts engines.Options, eventRate float64, ol *openedLog, url, stream, bucket string) (*clusterRun, error) {
	job := clusterJob{Engine: cfg.Engine, Workload: cfg.Workload, Params: cfg.Params, Seed: cfg.Seed, Partitions: cfg.Partitions,
		Parallelism: cfg.Parallelism, Guarantee: cfg.Guarantee, Conf: opts.Conf, EventStart: cfg.Clock.Now(), EventRate: eventRate,
		NATSURL: url, Stream: stream, Coordination: bucket}
	if cfg.CPUProfile != "" {
		abs, err := filepath.Abs(cfg.CPUProfile)
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("--cpuprofile: %v", err)}
		}
		job.CPUProfile = abs
	}
	inst, err := w.New(workloads.Config{Seed: job.Seed, Partitions: job.Partitions, Params: job.Params, EventStart: job.EventStart, EventRate: eventRate})
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	eng, err := inst.Pipeline(cfg.Engine, opts)
	if err != nil {
		return nil, &UsageError{Msg: fmt.Sprintf("%s on %s: %v", cfg.Workload, cfg.Engine, err)}
	}
	return startCluster(ctx, cfg, ol, eng, job)
}

// result adds the cluster's figures to the run's result.
func (cr *clusterRun) result(res *resultfile.Result) {
	f := cr.figures()
	var read int64
	for _, n := range f.Nodes {
		read += n.RecordsRead
	}
	for i := range f.Nodes {
		if read > 0 {
			f.Nodes[i].RecordsPerSecond = res.Throughput.RecordsPerSecond * float64(f.Nodes[i].RecordsRead) / float64(read)
		}
		if cr.local != nil {
			for _, n := range cr.local.Nodes() {
				if n.Name == f.Nodes[i].Node {
					f.Nodes[i].Cores = n.CPUs
				}
			}
		}
		for _, a := range cr.agents {
			if a.Node == f.Nodes[i].Node {
				f.Nodes[i].Cores = a.CPUs
			}
		}
	}
	res.Cluster = f
	res.Cluster.Joined = cr.cfg.Join
	res.Environment.CoresPerNode = cr.cfg.CoresPerNode
	if cr.local != nil {
		res.Environment.NodesShareCores = cr.local.SharedCores() != ""
	}
	if cr.cfg.CoresPerNode > 0 {
		res.Throughput.RecordsPerSecondPerCore = res.Throughput.RecordsPerSecond / float64(cr.cfg.CoresPerNode*cr.cfg.Nodes)
	}
}

// liveAgents waits until at least want agents of a running cluster are
// live (any, when want is 0) and returns how many are.
func (cr *clusterRun) liveAgents(ctx context.Context, want int) (int, error) {
	deadline := time.Now().Add(cr.timing.NimbusSupervisorTimeout)
	for {
		agents, err := cr.store.Agents(ctx)
		if err != nil {
			return 0, err
		}
		if n := len(agents); n > 0 && n >= want {
			cr.agents = agents
			return n, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("cluster %s has %d live agents, the run needs %d: start them with 'streambench cluster agent --cluster %s ...'",
				cr.store.Cluster(), len(agents), max(want, 1), cr.store.Cluster())
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// report takes one worker's progress report.
func (cr *clusterRun) report(m *nats.Msg) {
	var p workerProgress
	if err := json.Unmarshal(m.Data, &p); err != nil || p.Worker < 0 || p.Worker >= MaxNodes*64 {
		return // not a report of this run's workers
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	old, ok := cr.progress[p.Worker]
	switch {
	case cr.dead[p.Incarnation]:
		return // a late report of an earlier life
	case ok && p.Incarnation != old.Incarnation:
		// The worker started again: its earlier life's counters end
		// with its last report.
		cr.dead[old.Incarnation] = true
		cr.retired[p.Worker] = append(cr.retired[p.Worker], old)
	case ok && p.Seq <= old.Seq:
		return
	}
	cr.progress[p.Worker] = p
	close(cr.changed)
	cr.changed = make(chan struct{})
}

// restarts returns how many times the workers started again.
func (cr *clusterRun) restarts() int {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	n := 0
	for _, r := range cr.retired {
		n += len(r)
	}
	return n
}

// snapshot returns the latest report of every worker.
func (cr *clusterRun) snapshot() (map[int]workerProgress, <-chan struct{}) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return maps.Clone(cr.progress), cr.changed
}

// finished applies the four-counter check to two successive rounds of
// reports: every worker has reported anew since the first, every spout is
// exhausted, no tree is pending, nothing is in flight summed over the
// workers, nothing moved between the rounds, and every output the
// workers sent has reached the harness.
//
// Once a worker has started again, the sums cannot balance: the tuples
// and outputs its dead life had sent or held are counted on one side
// only. The run is then over when every spout is exhausted with no tree
// pending and nothing at all has changed (no counter of any worker, no
// output received) for the quiet window, every worker having reported in
// that time. At at-least-once a lost tree keeps its spout's tree pending
// until its message timeout replays it, so nothing is missed; what an
// at-most-once topology lost with the worker stays lost, as it would in
// Storm, and the verifier counts it.
func (cr *clusterRun) finished(prev, cur map[int]workerProgress) bool {
	if len(cur) < cr.workers || len(prev) < cr.workers {
		return false
	}
	if cr.restarts() > 0 {
		return cr.quietFor(cur, time.Now())
	}
	var before, after []core.WorkerStatus
	var outputs int64
	for w, p := range cur {
		q, ok := prev[w]
		if !ok || p.Seq <= q.Seq || p.Outputs != q.Outputs {
			return false
		}
		before, after = append(before, q.Status), append(after, p.Status)
		outputs += p.Outputs
	}
	cr.mu.Lock()
	received := cr.received
	cr.mu.Unlock()
	return core.Terminated(before, after) && received == outputs
}

// quietFor is the end check of a run in which a worker restarted (see
// finished), at time now.
func (cr *clusterRun) quietFor(cur map[int]workerProgress, now time.Time) bool {
	for _, p := range cur {
		if !p.Status.Exhausted || p.Status.Pending != 0 {
			cr.quiet = quietState{}
			return false
		}
	}
	cr.mu.Lock()
	received := cr.received
	cr.mu.Unlock()
	var sig strings.Builder
	for _, w := range slices.Sorted(maps.Keys(cur)) {
		p := cur[w]
		fmt.Fprintf(&sig, "%d %d %+v %d %d;", w, p.Incarnation, p.Status, p.Outputs, p.Read)
	}
	fmt.Fprintf(&sig, "received %d", received)
	if sig.String() != cr.quiet.sig {
		seqs := make(map[int]uint64, len(cur))
		for w, p := range cur {
			seqs[w] = p.Seq
		}
		cr.quiet = quietState{sig: sig.String(), from: now, seqs: seqs}
		return false
	}
	if now.Sub(cr.quiet.from) < cr.quietWindow() {
		return false
	}
	for w, p := range cur {
		if p.Seq <= cr.quiet.seqs[w] {
			return false // a worker has not reported since: hung, perhaps
		}
	}
	return true
}

// quietWindow is how long a run in which a worker restarted must show no
// change before it is judged over: quietAfterRestart, or the topology's
// message timeout and a second more when that is longer.
func (cr *clusterRun) quietWindow() time.Duration {
	return max(quietAfterRestart, cr.messageTimeout+time.Second)
}

// engine wraps the engine built for the run's settings as the engine the
// run drives: the cluster.
func (cr *clusterRun) engine(eng engines.Engine) engines.Engine {
	return &clusterEngine{cr: cr, local: eng}
}

// clusterEngine is the deployed topology as the run's engine: RunInput
// forwards the workers' outputs to the run's sink and returns once the
// workers report that everything has been processed.
type clusterEngine struct {
	cr    *clusterRun
	local engines.Engine
}

func (e *clusterEngine) Settings() engines.Settings {
	s := e.local.Settings()
	out := make(engines.Settings, len(s)+8)
	maps.Copy(out, s)
	out["cluster.nodes"] = e.cr.cfg.Nodes
	out["cluster.workers"] = e.cr.workers
	out["cluster.cores.per.node"] = e.cr.cfg.CoresPerNode
	out["cluster.timing"] = e.cr.timing.Profile
	for k, v := range e.cr.timing.Settings() {
		out[k] = v
	}
	if _, ok := out["trident.transactional.state"]; ok && e.cr.bucket != "" {
		// The workers keep Trident's metadata in the run's coordination
		// store, shared by them all, not in the memory of this process.
		out["trident.transactional.state"] = "coordination store, key-value bucket " + e.cr.bucket
	}
	return out
}

func (e *clusterEngine) Run(ctx context.Context, _ engines.Source, sink engines.Sink) error {
	return e.RunInput(ctx, engines.Input{}, sink)
}

func (e *clusterEngine) RunInput(ctx context.Context, _ engines.Input, sink engines.Sink) error {
	cr := e.cr
	fwdErr := make(chan error, 1)
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			select {
			case <-fctx.Done():
				fwdErr <- nil
				return
			case b := <-cr.sinkQ.C():
				if err := sink.Write(b); err != nil {
					fwdErr <- err
					return
				}
				cr.mu.Lock()
				cr.received += int64(len(b))
				cr.mu.Unlock()
			}
		}
	}()
	var prev map[int]workerProgress
	for {
		cur, changed := cr.snapshot()
		for _, p := range cur {
			if p.Status.Error != "" {
				return fmt.Errorf("worker %d on %s: %s", p.Worker, p.Node, p.Status.Error)
			}
		}
		if cr.finished(prev, cur) {
			stop()
			return <-fwdErr
		}
		if complete(prev, cur) {
			prev = cur
		} else if prev == nil && len(cur) >= cr.workers {
			prev = cur
		}
		select {
		case <-changed:
		case err := <-fwdErr:
			return fmt.Errorf("write the workers' outputs: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// complete reports whether every worker of prev has reported anew in cur,
// so that cur is the next round of the termination check.
func complete(prev, cur map[int]workerProgress) bool {
	if prev == nil {
		return false
	}
	for w, p := range prev {
		if cur[w].Seq <= p.Seq {
			return false
		}
	}
	return true
}

// figures returns the per-node figures of the latest reports.
//
// A worker's earlier lives count where they ran: their records and outputs
// are added to their node's, and the CPU time of each process once (a
// process's CPU time covers every life it ran).
func (cr *clusterRun) figures() *resultfile.ClusterFigures {
	cur, _ := cr.snapshot()
	cr.mu.Lock()
	retired := maps.Clone(cr.retired)
	cr.mu.Unlock()
	f := &resultfile.ClusterFigures{Timing: cr.timing.Profile, Workers: cr.workers, Restarts: cr.restarts()}
	byNode := map[string]*resultfile.NodeFigures{}
	node := func(name string) *resultfile.NodeFigures {
		n := byNode[name]
		if n == nil {
			n = &resultfile.NodeFigures{Node: name}
			byNode[name] = n
		}
		return n
	}
	for _, w := range slices.Sorted(maps.Keys(cur)) {
		p := cur[w]
		node(p.Node).Workers++
		cpu := map[int]workerProgress{} // the last report of each process
		for _, q := range append(slices.Clone(retired[w]), p) {
			n := node(q.Node)
			n.RecordsRead += q.Read
			n.Outputs += q.Outputs
			if c, ok := cpu[q.PID]; !ok || q.CPUSeconds > c.CPUSeconds {
				cpu[q.PID] = q
			}
		}
		for _, q := range cpu {
			node(q.Node).CPUSeconds += q.CPUSeconds
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byNode)) {
		f.Nodes = append(f.Nodes, *byNode[k])
	}
	return f
}

// readOffsets merges the workers' read offsets: the highest offset any
// worker reports for each partition, and the records read, their sum (a
// partition's spout task reads it from its start; another worker may
// look into it too, as Trident's coordinator asks whether a partition has
// data, so the workers' own counts would count a record twice).
func (cr *clusterRun) readOffsets(partitions int) ([]int64, int64) {
	cur, _ := cr.snapshot()
	cr.mu.Lock()
	all := slices.Collect(maps.Values(cur))
	for _, r := range cr.retired {
		all = append(all, r...)
	}
	cr.mu.Unlock()
	out := make([]int64, partitions)
	for _, p := range all {
		for i, o := range p.ReadOffsets {
			if i < partitions {
				out[i] = max(out[i], o)
			}
		}
	}
	var read int64
	for _, o := range out {
		read += o
	}
	return out, read
}

// stop kills the topology and stops the cluster's processes, waiting for
// them; it removes what the cluster wrote.
func (cr *clusterRun) stop() {
	if cr.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cr.store.Kill(ctx, cr.topology)
		cancel()
	}
	if cr.sub != nil {
		_ = cr.sub.Unsubscribe()
	}
	if cr.local != nil {
		cr.local.Stop()
	}
	if cr.store != nil {
		cr.store.Close()
	}
	if cr.sinkNode != nil {
		cr.sinkNode.Close()
	}
	if cr.stateDir != "" {
		os.RemoveAll(cr.stateDir)
	}
}

// clusterLog is the run's log as the driver and the meter see it in a
// cluster run: what the engine has read comes from the workers' reports,
// since their spouts read the log in their own processes.
type clusterLog struct {
	Log
	cr       *clusterRun
	progress chan struct{}
	stop     chan struct{}
}

func newClusterLog(l Log, cr *clusterRun) *clusterLog {
	cl := &clusterLog{Log: l, cr: cr, progress: make(chan struct{}, 1), stop: make(chan struct{})}
	go func() {
		for {
			_, changed := cr.snapshot()
			select {
			case <-changed:
				select {
				case cl.progress <- struct{}{}:
				default:
				}
			case <-cl.stop:
				return
			}
		}
	}()
	return cl
}

func (l *clusterLog) ReadOffsets() []int64 {
	o, _ := l.cr.readOffsets(l.Partitions())
	return o
}

func (l *clusterLog) Read() int64 {
	_, n := l.cr.readOffsets(l.Partitions())
	return n
}

func (l *clusterLog) Progress() <-chan struct{} { return l.progress }

func (l *clusterLog) close() { close(l.stop) }
