package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/harness/sources/jetstream"
	"github.com/streambench/streambench/workloads"
)

// clusterJob is what a worker process needs to build the run's topology
// again, as a Storm worker loads the topology its supervisor downloaded:
// the workload and its parameters, the engine and its settings, where the
// log is, and where the outputs go. It is the payload of the topology's
// submission in the cluster's coordination store.
type clusterJob struct {
	Engine      string            `json:"engine"`
	Workload    string            `json:"workload"`
	Params      map[string]string `json:"params,omitempty"`
	Seed        uint64            `json:"seed"`
	Partitions  int               `json:"partitions"`
	Parallelism int               `json:"parallelism"`
	Guarantee   engines.Guarantee `json:"guarantee"`
	Conf        engines.Conf      `json:"conf,omitempty"`
	EventStart  int64             `json:"event_start"`
	EventRate   float64           `json:"event_rate"`
	// NATSURL and Stream name the log every worker reads.
	NATSURL string `json:"nats_url"`
	Stream  string `json:"stream"`
	// Coordination is the key-value bucket beside the log where Trident
	// keeps its transaction metadata and core's spouts their committed
	// offsets, shared by every worker.
	Coordination string `json:"coordination,omitempty"`
	// SinkAddr is the harness's output listener; Progress the subject the
	// workers report their progress on.
	SinkAddr string `json:"sink_addr"`
	Progress string `json:"progress"`
	// CPUProfile, when set, makes the worker write a CPU profile to
	// CPUProfile.worker-N.
	CPUProfile string `json:"cpu_profile,omitempty"`
}

// check refuses a payload no worker can run (it comes from the
// coordination store, so from another process).
func (j *clusterJob) check() error {
	switch {
	case j.Engine == "" || j.Workload == "":
		return errors.New("the submission names no engine or workload")
	case j.Partitions < 1 || j.Partitions > MaxPartitions:
		return fmt.Errorf("the submission has %d partitions (1 to %d)", j.Partitions, MaxPartitions)
	case j.Parallelism < 1 || j.Parallelism > MaxParallelism:
		return fmt.Errorf("the submission has parallelism %d (1 to %d)", j.Parallelism, MaxParallelism)
	case j.NATSURL == "" || j.Stream == "" || j.SinkAddr == "" || j.Progress == "":
		return errors.New("the submission lacks the log's URL or stream, the sink's address or the progress subject")
	case !(j.EventRate > 0):
		return fmt.Errorf("the submission has event rate %v", j.EventRate)
	}
	return nil
}

// workerProgress is what a worker reports about itself several times a
// second on the run's progress subject: its engine's status (from which
// the harness tells that the run has finished), how far its spouts have
// read the log (the run's backlog), how many outputs it sent to the
// harness, and the CPU time its process has used.
type workerProgress struct {
	Worker int    `json:"worker"`
	Node   string `json:"node"`
	// Incarnation tells this life of the worker from its earlier ones
	// (cluster.WorkerEnv.Incarnation), PID its process; Seq counts the
	// life's reports.
	Incarnation uint64            `json:"incarnation"`
	PID         int               `json:"pid"`
	Seq         uint64            `json:"seq"`
	Status      core.WorkerStatus `json:"status"`
	Read        int64             `json:"read"`
	ReadOffsets []int64           `json:"read_offsets"`
	Outputs     int64             `json:"outputs"`
	CPUSeconds  float64           `json:"cpu_seconds"`
}

// workerSetup is one worker process's place in the run: its job, its
// index among the topology's workers, where every executor runs and where
// every worker listens, the listener its supervisor opened for it, and the
// cluster's token.
type workerSetup struct {
	Job      clusterJob
	Worker   int
	Node     string
	WorkerOf []int          // worker by executor, in the order of core.Job.Layout
	Addrs    map[int]string // listen address by worker
	Listener net.Listener
	Token    string
	// SetStatus, when set, gets each progress report too (the worker's
	// heartbeat carries it).
	SetStatus func(json.RawMessage)
	Logger    *slog.Logger
	// Incarnation is this life's own number (cluster.WorkerEnv), mixed
	// into the topology's seed so that a restarted worker never reissues
	// the tuple ids of an earlier life.
	Incarnation uint64
}

// progressEvery is how often a worker reports its progress.
const progressEvery = 50 * time.Millisecond

// coreWorker is an engine whose topology runs as workers of a cluster.
type coreWorker interface {
	RunWorker(ctx context.Context, src engines.Source, sink engines.Sink, pl core.Placement, seed uint64) error
	WorkerStatus() (core.WorkerStatus, error)
}

// inputWorker is a cluster engine whose workers read an engines.Input:
// the log with the coordination store beside it (Trident keeps its
// transaction metadata there, shared by the workers).
type inputWorker interface {
	RunWorkerInput(ctx context.Context, in engines.Input, sink engines.Sink, pl core.Placement, seed uint64) error
}

// runClusterWorker runs one worker process's share of a run's topology
// until ctx ends (the harness killed the topology, or the assignment moved
// the worker) or a task fails.
func runClusterWorker(ctx context.Context, ws workerSetup) error {
	job := ws.Job
	if err := job.check(); err != nil {
		return fmt.Errorf("worker %d: %w", ws.Worker, err)
	}
	log := ws.Logger
	if log == nil {
		log = slog.Default()
	}
	w, err := LookupWorkload(job.Workload)
	if err != nil {
		return err
	}
	inst, err := w.New(workloads.Config{Seed: job.Seed, Partitions: job.Partitions, Params: job.Params,
		EventStart: job.EventStart, EventRate: job.EventRate})
	if err != nil {
		return err
	}
	eng, err := inst.Pipeline(job.Engine, engines.Options{Parallelism: job.Parallelism, Guarantee: job.Guarantee, Conf: job.Conf})
	if err != nil {
		return err
	}
	cw, ok := eng.(coreWorker)
	if !ok {
		return fmt.Errorf("engine %s does not run as workers of a cluster", job.Engine)
	}
	conn, err := jetstream.Connect(job.NATSURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	src, err := jetstream.OpenSource(ctx, conn, job.Stream, jetstream.SourceOptions{})
	if err != nil {
		return err
	}
	defer src.Close()
	var run func(context.Context, engines.Source, engines.Sink, core.Placement) error
	if iw, ok := eng.(inputWorker); ok {
		run = func(ctx context.Context, src engines.Source, sink engines.Sink, pl core.Placement) error {
			in := engines.LogInput(src)
			if job.Coordination != "" {
				kv, err := jetstream.OpenKV(ctx, conn, job.Coordination)
				if err != nil {
					return err
				}
				in.Coordination = kv
			}
			return iw.RunWorkerInput(ctx, in, sink, pl, job.Seed^ws.Incarnation)
		}
	} else {
		run = func(ctx context.Context, src engines.Source, sink engines.Sink, pl core.Placement) error {
			return cw.RunWorker(ctx, src, sink, pl, job.Seed^ws.Incarnation)
		}
	}

	id := fmt.Sprintf("worker-%d", ws.Worker)
	// Confirmed sends: a bolt acks its inputs once their outputs are in
	// the harness's queue, not merely written to a socket that a killed
	// worker takes down with it.
	sinkNode, err := transport.NewNode(transport.Config[engines.Output]{ID: id + "-sink", Token: ws.Token,
		Codec: transport.OutputCodec{}, Remote: map[int]string{0: job.SinkAddr}, Logger: log, Confirm: true})
	if err != nil {
		return err
	}
	defer sinkNode.Close()
	sink := &remoteSink{node: sinkNode, ctx: ctx}

	var tuples *transport.Node[core.Tuple]
	var mu sync.Mutex
	pl := core.Placement{Worker: ws.Worker, WorkerOf: ws.WorkerOf,
		Transport: func(codec core.WireCodec, local map[int]*engines.Queue[core.Tuple], remote map[int]int) (engines.Transport[core.Tuple], error) {
			addrs := make(map[int]string, len(remote))
			for task, w := range remote {
				a, ok := ws.Addrs[w]
				if !ok {
					return nil, fmt.Errorf("task %d runs on worker %d, which has no address in the assignment", task, w)
				}
				addrs[task] = a
			}
			n, err := transport.NewNode(transport.Config[core.Tuple]{ID: id, Token: ws.Token, Codec: codec,
				Local: local, Remote: addrs, Listener: ws.Listener, Logger: log})
			if err == nil {
				mu.Lock()
				tuples = n
				mu.Unlock()
			}
			return n, err
		}}

	if job.CPUProfile != "" {
		f, err := os.Create(fmt.Sprintf("%s.worker-%d", job.CPUProfile, ws.Worker))
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var reporter sync.WaitGroup
	reporter.Add(1)
	go func() {
		defer reporter.Done()
		nc := conn.NATS()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		var seq uint64
		for {
			select {
			case <-rctx.Done():
				return
			case <-tick.C:
			}
			st, err := cw.WorkerStatus()
			if err != nil {
				continue // not running yet
			}
			seq++
			b, _ := json.Marshal(workerProgress{Worker: ws.Worker, Node: ws.Node, Incarnation: ws.Incarnation, PID: os.Getpid(), Seq: seq, Status: st,
				Read: src.Read(), ReadOffsets: src.ReadOffsets(), Outputs: sink.sent.Load(), CPUSeconds: processCPUSeconds()})
			if err := nc.Publish(job.Progress, b); err != nil {
				log.Warn("progress report not sent", "error", err)
			}
			if ws.SetStatus != nil {
				ws.SetStatus(b)
			}
		}
	}()
	err = run(rctx, src, sink, pl)
	stop()
	reporter.Wait()
	mu.Lock()
	if tuples != nil {
		tuples.Close()
	}
	mu.Unlock()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // stopped by the cluster: the run is over, or the worker moved
	}
	return err
}

// remoteSink is a worker's engines.Sink: outputs go to the harness's sink
// over the cluster's transport, stamped there on arrival as in local mode.
type remoteSink struct {
	node *transport.Node[engines.Output]
	ctx  context.Context
	sent atomic.Int64
}

func (s *remoteSink) Write(outs []engines.Output) error {
	if len(outs) == 0 {
		return nil
	}
	if err := s.node.Send(s.ctx, 0, outs); err != nil {
		return fmt.Errorf("send %d outputs to the harness: %w", len(outs), err)
	}
	s.sent.Add(int64(len(outs)))
	return nil
}

// processCPUSeconds is the CPU time this process has used, user and
// system.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func init() {
	cluster.RegisterWorker("core", clusterWorker)
	cluster.RegisterWorker("trident", clusterWorker)
}

// clusterWorker is the worker function of a run's topology: what a worker
// process started by an agent runs, from its submission's payload and its
// assignment.
func clusterWorker(ctx context.Context, env *cluster.WorkerEnv) error {
	var job clusterJob
	if err := json.Unmarshal(env.Submission.Payload, &job); err != nil {
		return fmt.Errorf("topology %s: the submission's payload: %w", env.Submission.Topology, err)
	}
	workerOf := make([]int, len(env.Submission.Executors))
	for i := range workerOf {
		workerOf[i] = -1
	}
	for _, w := range env.Assignment.Workers {
		for _, id := range w.Executors {
			if id < 0 || id >= len(workerOf) {
				return fmt.Errorf("topology %s: the assignment places executor %d, which the submission does not have", env.Submission.Topology, id)
			}
			workerOf[id] = w.Worker
		}
	}
	for id, w := range workerOf {
		if w < 0 {
			return fmt.Errorf("topology %s: the assignment places no worker for executor %d", env.Submission.Topology, id)
		}
	}
	return runClusterWorker(ctx, workerSetup{Job: job, Worker: env.Self.Worker, Node: env.Self.Node, WorkerOf: workerOf,
		Addrs: env.Peers(), Listener: env.Listener, Token: env.Token, SetStatus: env.SetStatus, Logger: env.Logger,
		Incarnation: env.Incarnation})
}
