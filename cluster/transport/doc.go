// Package transport is the cluster-mode engines.Transport: batches of
// messages move between worker processes as length-prefixed frames over
// TCP, behind the same Send/TrySend/Close seam as the in-process
// engines.LocalTransport, so an engine's executors run unchanged in both
// deployments (DESIGN.md, contract 4).
//
// Each worker process runs one Node. A Node holds the receive queues of
// the tasks its executors run and a routing table from every other task to
// the address of the worker that runs it. A batch for a local task goes
// straight into its queue; a batch for a remote task is encoded by the
// node's Codec into one frame and written on the connection to that
// worker. Connections are dialled on first use, one per pair of workers
// and direction (Storm's Netty client per remote worker), open with a
// Hello that carries the cluster's token, and are dialled again with
// exponential backoff when they break.
//
// Flow control is by credit, so that a slow remote executor holds back its
// producers instead of filling the receiver's memory: a receiver grants
// each connection Window batches per task, and gives the credit of a batch
// back once the batch has entered the task's queue (in groups of half the
// window, one frame for several batches). A sender without credit waits in
// Send, and TrySend returns false, as they do on a full local queue.
//
// Usage, in each worker:
//
//	queues := map[int]*engines.Queue[engines.Record]{0: engines.NewQueue[engines.Record](64)}
//	node, err := transport.NewNode(transport.Config[engines.Record]{
//		ID:     "worker-1",
//		Token:  clusterToken,
//		Codec:  transport.RecordCodec{},
//		Local:  queues,                                // tasks this worker runs
//		Remote: map[int]string{1: "10.0.0.2:6700"},    // tasks other workers run
//		ListenAddr: "10.0.0.1:6700",                   // default 127.0.0.1, port picked
//	})
//	if err != nil { ... }
//	defer node.Close()
//	err = node.Send(ctx, 1, batch) // to worker 2's task 1; the batch is free again on return
//
// # Frames
//
// Every frame is
//
//	uint32 length   big endian: the byte count of everything after it, at most MaxFrameSize
//	uint8  version  Version (1)
//	uint8  kind     hello, ready, reject, batch or credit
//	uint32 task     big endian: the destination task, 0 when unused
//	payload         length-6 bytes
//
// The dialling node sends hello (token, sender id and codec name, each a
// uvarint length and its bytes), then batch frames (the codec's encoding of
// one batch). The accepting node answers with one credit frame per task it
// runs (the count as a uvarint) and ready, or with reject (the reason as
// text); later it sends a credit frame as every half window of batches
// reaches its queue.
//
// A receiver closes a connection, and logs why, on a frame over the size
// limit, of another version or of an unknown kind, a first frame that is
// not a valid hello with the cluster's token and codec, a batch for a task
// it does not run, a batch the codec cannot decode, or a batch beyond the
// sender's credit. It keeps serving its other connections.
package transport
