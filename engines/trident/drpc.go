package trident

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/core/drpc"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// DRPC errors, those of engines/core/drpc (a *drpc.RequestError wraps
// them).
var (
	// ErrDRPCTimeout is returned when no result came within the request
	// timeout (Storm's drpc.request.timeout.secs, 600 s by default).
	ErrDRPCTimeout = drpc.ErrTimeout
	// ErrDRPCShutdown is returned by a LocalDRPC that was shut down.
	ErrDRPCShutdown = drpc.ErrShutdown
)

// DefaultDRPCRequestTimeout is Storm's drpc.request.timeout.secs.
const DefaultDRPCRequestTimeout = drpc.DefaultRequestTimeout

// LocalDRPC is an in-process DRPC server, as Storm's LocalDRPC: Execute
// queues a request for a function and blocks until a topology that serves
// the function (NewDRPCStream) returns its result. It is engines/core/drpc's
// server, so the same server can also be served over HTTP.
type LocalDRPC = drpc.LocalDRPC

// NewLocalDRPC returns a server with no requests.
func NewLocalDRPC() *LocalDRPC { return drpc.NewLocalDRPC() }

// drpcStream is one NewDRPCStream: its spout takes requests, one per
// batch, and its return node answers the request of each batch.
type drpcStream struct {
	function string
	inv      drpc.Invocations
	node     *node // the spout node
	returned bool

	mu        sync.Mutex
	bound     map[int64]drpc.Request // txid -> request of the batch
	fetched   *drpc.Request          // fetched by Ready, not yet in a batch
	lastEmpty time.Time              // when a fetch last found nothing
}

// emptyFetchPause spaces the fetches that find no request, so that a
// topology on a remote server does not ask it in a busy loop.
const emptyFetchPause = time.Millisecond

// fetch takes a request for the stream's next batch, under ds.mu.
func (ds *drpcStream) fetch() (drpc.Request, bool) {
	if ds.fetched != nil {
		req := *ds.fetched
		ds.fetched = nil
		return req, true
	}
	if time.Since(ds.lastEmpty) < emptyFetchPause {
		return drpc.Request{}, false
	}
	req, ok, err := ds.inv.FetchRequest(ds.function)
	if err != nil || !ok {
		ds.lastEmpty = time.Now()
		return drpc.Request{}, false
	}
	return req, true
}

// NewDRPCStream returns a stream of the requests for function on a DRPC
// server, as Storm's newDRPCStream: each request is one batch of one tuple
// with the field "args", and the tuples the stream ends with (after its
// last operation) are the request's result, as a JSON list of their
// values. inv is a *LocalDRPC in local mode, or a
// *drpc.InvocationsClient of a `streambench drpc` server.
func (t *TridentTopology) NewDRPCStream(function string, inv drpc.Invocations) *Stream {
	if inv == nil {
		t.errorf("NewDRPCStream(%q): nil DRPC server", function)
		inv = NewLocalDRPC()
	}
	ds := &drpcStream{function: function, inv: inv, bound: make(map[int64]drpc.Request)}
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
		if req, ok = s.ds.fetch(); ok {
			s.ds.bound[txid] = req
		}
	}
	s.ds.mu.Unlock()
	if ok {
		c.Emit(tuple.Values{req.Args})
	}
	return nil
}

// Ready implements spout.Readier: a DRPC batch waits for a request.
func (s *drpcSpout) Ready(txid int64) bool {
	s.ds.mu.Lock()
	defer s.ds.mu.Unlock()
	if _, ok := s.ds.bound[txid]; ok || s.ds.fetched != nil {
		return true
	}
	req, ok := s.ds.fetch()
	if ok {
		s.ds.fetched = &req
	}
	return ok
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
	req, ok := p.ds.bound[b.tx.Txid]
	p.ds.mu.Unlock()
	if !ok {
		return nil
	}
	rows := b.slots[p.pc.slot].([][]any)
	if rows == nil {
		rows = [][]any{}
	}
	out, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("drpc result of %s(%q): %w", p.ds.function, req.Args, err)
	}
	if err := p.ds.inv.Result(req.ID, string(out)); err != nil && !errors.Is(err, drpc.ErrUnknownRequest) {
		// ErrUnknownRequest: answered by an earlier attempt, or timed out.
		return fmt.Errorf("drpc result of %s(%q): %w", p.ds.function, req.Args, err)
	}
	return nil
}
