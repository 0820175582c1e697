// Package cluster runs a topology's workers as processes on several nodes,
// with the roles of Storm's daemons, coordinated through NATS JetStream
// key-value buckets (package coord) the way Storm coordinates through
// ZooKeeper:
//
//   - the master (RunMaster, Storm's Nimbus) watches the submissions and the
//     agents' heartbeats, assigns a new topology with the even scheduler
//     (package schedule) once enough slots are live, and, every
//     nimbus.monitor.freq.secs and on every change, moves the workers of an
//     agent silent for nimbus.supervisor.timeout.secs to live nodes;
//   - a node agent (RunAgent, Storm's Supervisor) binds its slots, heartbeats,
//     and runs one process per worker the assignments put on its node,
//     restarting one that exits or stops heartbeating, and stopping one
//     whose assignment goes away;
//   - a worker process (RunWorker) heartbeats and runs the engine's
//     WorkerFunc for its executors, restarting it on each new version of
//     the assignment, as Storm's worker restarts on reassignment.
//
// Each role is stateless: everything it decides is in the buckets, so a
// master or agent may be killed and started again. Every process an agent
// or the local launcher starts holds a lifeline pipe to its parent and
// stops when the parent dies, so nothing outlives a killed agent.
//
// An engine plugs in by registering its worker function:
//
//	func init() {
//		cluster.RegisterWorker("core", func(ctx context.Context, env *cluster.WorkerEnv) error {
//			node, err := transport.NewNode(transport.Config[core.Tuple]{
//				ID: env.Self.Addr, Token: env.Token, Listener: env.Listener,
//				Local: queuesFor(env.Executors()), Remote: remoteOf(env.TaskAddrs()), ...})
//			...
//			for ctx.Err() == nil { env.SetStatus(progress()) ... }
//			return node.Close()
//		})
//	}
//
// and a run on one machine starts the control plane, submits and waits:
//
//	l, err := cluster.StartLocal(ctx, cluster.LocalOptions{Nodes: 3, NATSURL: url, Token: tok, Timing: coord.FastTiming()})
//	defer l.Stop()
//	err = l.Store().Submit(ctx, &coord.Submission{Topology: "wordcount", Engine: "core", Workers: 3, Executors: execs, Payload: spec})
//	pids, err := l.WorkerPIDs(ctx, "wordcount") // the fault injector's targets
package cluster
