package clustertest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// TransportFunc makes a worker's transport: core.Placement's Transport.
type TransportFunc = func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error)

// TCPTransports returns, for each of n workers of a topology run in one
// test process, a transport factory that makes the cluster's TCP node on a
// listener opened here, so every worker knows every other's address before
// any starts, as an assignment gives them. Every tuple that crosses a
// worker goes through the topology's codec. The nodes close when the test
// ends.
func TCPTransports(t testing.TB, n int) []TransportFunc {
	t.Helper()
	lns := make([]net.Listener, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	var mu sync.Mutex
	var nodes []*transport.Node[core.Tuple]
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, nd := range nodes {
			nd.Close()
		}
	})
	out := make([]TransportFunc, n)
	for i := range out {
		out[i] = func(codec core.WireCodec, local map[int]*engines.Queue[core.Tuple], remote map[int]int) (engines.Transport[core.Tuple], error) {
			addrs := map[int]string{}
			for task, w := range remote {
				addrs[task] = lns[w].Addr().String()
			}
			nd, err := transport.NewNode(transport.Config[core.Tuple]{ID: fmt.Sprint("worker-", i), Token: "test", Codec: codec,
				Local: local, Remote: addrs, Listener: lns[i]})
			if err == nil {
				mu.Lock()
				nodes = append(nodes, nd)
				mu.Unlock()
			}
			return nd, err
		}
	}
	return out
}

// Router joins the workers of a topology inside one test process without
// encoding anything: each worker's transport registers its tasks' queues,
// and a send to a task of another worker waits until that worker has
// registered. It has the cluster transport's contract.
type Router struct {
	mu     sync.Mutex
	queues map[int]*engines.Queue[core.Tuple]
	joined chan struct{} // closed and replaced on every registration
}

// NewRouter returns a router no worker has joined.
func NewRouter() *Router {
	return &Router{queues: map[int]*engines.Queue[core.Tuple]{}, joined: make(chan struct{})}
}

// Transport is a TransportFunc: the transport of the worker whose tasks'
// queues are local.
func (r *Router) Transport(_ core.WireCodec, local map[int]*engines.Queue[core.Tuple], _ map[int]int) (engines.Transport[core.Tuple], error) {
	r.mu.Lock()
	for id, q := range local {
		r.queues[id] = q
	}
	close(r.joined)
	r.joined = make(chan struct{})
	r.mu.Unlock()
	return &routed{r: r, done: make(chan struct{})}, nil
}

type routed struct {
	r    *Router
	done chan struct{}
	once sync.Once
}

// queue returns dst's queue, waiting for its worker to join unless ctx is
// nil (then nil when it has not).
func (t *routed) queue(ctx context.Context, dst int) (*engines.Queue[core.Tuple], error) {
	for {
		t.r.mu.Lock()
		q, joined := t.r.queues[dst], t.r.joined
		t.r.mu.Unlock()
		if q != nil || ctx == nil {
			return q, nil
		}
		select {
		case <-joined:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.done:
			return nil, engines.ErrTransportClosed
		}
	}
}

func (t *routed) Send(ctx context.Context, dst int, batch []core.Tuple) error {
	q, err := t.queue(ctx, dst)
	if err != nil {
		return err
	}
	return engines.NewLocalTransport([]*engines.Queue[core.Tuple]{q}).Send(ctx, 0, batch)
}

func (t *routed) TrySend(dst int, batch []core.Tuple) (bool, error) {
	q, _ := t.queue(nil, dst)
	if q == nil {
		return false, nil
	}
	return engines.NewLocalTransport([]*engines.Queue[core.Tuple]{q}).TrySend(0, batch)
}

func (t *routed) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}
