package trident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// DRPC errors.
var (
	// ErrDRPCTimeout is returned when no result came within the request
	// timeout (Storm's drpc.request.timeout.secs, 600 s by default).
	ErrDRPCTimeout = errors.New("drpc request timed out")
	// ErrDRPCShutdown is returned by a LocalDRPC that was shut down.
	ErrDRPCShutdown = errors.New("drpc server shut down")
)

// DefaultDRPCRequestTimeout is Storm's drpc.request.timeout.secs.
const DefaultDRPCRequestTimeout = 600 * time.Second

// LocalDRPC is an in-process DRPC server, as Storm's LocalDRPC: Execute
// queues a request for a function and blocks until a topology that serves
// the function (NewDRPCStream) returns its result. It is safe for
// concurrent use.
type LocalDRPC struct {
	// Timeout bounds how long Execute waits; DefaultDRPCRequestTimeout if 0.
	Timeout time.Duration

	mu       sync.Mutex
	nextID   int64
	queues   map[string][]*drpcRequest
	shutdown bool
	done     chan struct{}
}

type drpcRequest struct {
	id     int64
	args   string
	result chan string
}

// NewLocalDRPC returns a server with no requests.
func NewLocalDRPC() *LocalDRPC {
	return &LocalDRPC{queues: make(map[string][]*drpcRequest), done: make(chan struct{})}
}

// Execute runs function on args through the topology serving it and
// returns the result: the JSON list of the tuples the DRPC stream ended
// with, such as [[5]].
func (d *LocalDRPC) Execute(function, args string) (string, error) {
	return d.ExecuteContext(context.Background(), function, args)
}

// ExecuteContext is Execute that also gives up when ctx is done.
func (d *LocalDRPC) ExecuteContext(ctx context.Context, function, args string) (string, error) {
	d.mu.Lock()
	if d.shutdown {
		d.mu.Unlock()
		return "", ErrDRPCShutdown
	}
	d.nextID++
	req := &drpcRequest{id: d.nextID, args: args, result: make(chan string, 1)}
	d.queues[function] = append(d.queues[function], req)
	d.mu.Unlock()
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultDRPCRequestTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-req.result:
		return r, nil
	case <-timer.C:
		d.forget(function, req)
		return "", fmt.Errorf("%w: %s(%q) got no result within %v (is a topology serving %q running?)", ErrDRPCTimeout, function, args, timeout, function)
	case <-ctx.Done():
		d.forget(function, req)
		return "", ctx.Err()
	case <-d.done:
		return "", ErrDRPCShutdown
	}
}

func (d *LocalDRPC) forget(function string, req *drpcRequest) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[function]
	for i, r := range q {
		if r == req {
			d.queues[function] = append(q[:i:i], q[i+1:]...)
			return
		}
	}
}

// next takes the oldest waiting request for function, or nil.
func (d *LocalDRPC) next(function string) *drpcRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[function]
	if len(q) == 0 {
		return nil
	}
	d.queues[function] = q[1:]
	return q[0]
}

// Shutdown fails every waiting and later request.
func (d *LocalDRPC) Shutdown() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.shutdown {
		d.shutdown = true
		close(d.done)
	}
}

// drpcStream is one NewDRPCStream: its spout takes requests, one per
// batch, and its return node answers the request of each batch.
type drpcStream struct {
	function string
	drpc     *LocalDRPC
	node     *node // the spout node
	returned bool

	mu    sync.Mutex
	bound map[int64]*drpcRequest // txid -> request of the batch
}

// NewDRPCStream returns a stream of the requests for function on drpc, as
// Storm's newDRPCStream: each request is one batch of one tuple with the
// field "args", and the tuples the stream ends with (after its last
// operation) are the request's result, as a JSON list of their values.
func (t *TridentTopology) NewDRPCStream(function string, drpc *LocalDRPC) *Stream {
	if drpc == nil {
		t.errorf("NewDRPCStream(%q): nil DRPC server", function)
		drpc = NewLocalDRPC()
	}
	ds := &drpcStream{function: function, drpc: drpc, bound: make(map[int64]*drpcRequest)}
	s := t.NewStream("$drpc-"+function, spout.NewBatchSpoutExecutor(&drpcSpout{ds: ds}))
	ds.node = s.node
	t.drpcs = append(t.drpcs, ds)
	return s
}

// addDRPCReturns ends every DRPC stream with a global repartition and the
// node that returns each batch's tuples to its request.
func (t *TridentTopology) addDRPCReturns() {
	for _, ds := range t.drpcs {
		if ds.returned {
			continue
		}
		ds.returned = true
		var leaves []*node
		for _, n := range t.nodes {
			if n.id < ds.node.id || !descends(n, ds.node) {
				continue
			}
			leaf := true
			for _, m := range t.nodes {
				for _, p := range m.parents {
					if p == n {
						leaf = false
					}
				}
			}
			if leaf {
				leaves = append(leaves, n)
			}
		}
		if len(leaves) != 1 {
			t.errorf("DRPC stream %q must end in exactly one stream, it ends in %d", ds.function, len(leaves))
			continue
		}
		s := (&Stream{topo: t, node: leaves[0]}).Global()
		s.op("drpc-return", s.node.schema, func() processor { return &returnProc{ds: ds} })
	}
}

func descends(n, from *node) bool {
	if n == from {
		return true
	}
	for _, p := range n.parents {
		if descends(p, from) {
			return true
		}
	}
	return false
}

// drpcSpout is the non-transactional batch spout of a DRPC stream: batch
// txid carries at most one request, which a replay of txid repeats.
type drpcSpout struct {
	ds *drpcStream
}

var drpcFields = tuple.NewFields("args")

func (s *drpcSpout) Open(map[string]any, spout.Context) error { return nil }
func (s *drpcSpout) OutputFields() tuple.Fields               { return drpcFields }
func (s *drpcSpout) Close() error                             { return nil }

func (s *drpcSpout) EmitBatch(txid int64, c operation.TridentCollector) error {
	s.ds.mu.Lock()
	req, ok := s.ds.bound[txid]
	if !ok {
		if req = s.ds.drpc.next(s.ds.function); req != nil {
			s.ds.bound[txid] = req
		}
	}
	s.ds.mu.Unlock()
	if req != nil {
		c.Emit(tuple.Values{req.args})
	}
	return nil
}

// Ready implements spout.Readier: a DRPC batch waits for a request.
func (s *drpcSpout) Ready(int64) bool {
	s.ds.drpc.mu.Lock()
	defer s.ds.drpc.mu.Unlock()
	return len(s.ds.drpc.queues[s.ds.function]) > 0
}

func (s *drpcSpout) Ack(txid int64) {
	s.ds.mu.Lock()
	delete(s.ds.bound, txid)
	s.ds.mu.Unlock()
}

// returnProc collects a DRPC batch's final tuples and answers its request.
type returnProc struct {
	baseProc
	ds *drpcStream
}

func (p *returnProc) startBatch(b *batch) { b.slots[p.pc.slot] = [][]any(nil) }
func (p *returnProc) execute(b *batch, _ int, t tuple.Tuple) {
	b.slots[p.pc.slot] = append(b.slots[p.pc.slot].([][]any), []any(t.Values()))
}

func (p *returnProc) finishBatch(b *batch) error {
	p.ds.mu.Lock()
	req := p.ds.bound[b.tx.Txid]
	p.ds.mu.Unlock()
	if req == nil {
		return nil
	}
	rows := b.slots[p.pc.slot].([][]any)
	if rows == nil {
		rows = [][]any{}
	}
	out, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("drpc result of %s(%q): %w", p.ds.function, req.args, err)
	}
	select {
	case req.result <- string(out):
	default: // answered by an earlier attempt
	}
	return nil
}
