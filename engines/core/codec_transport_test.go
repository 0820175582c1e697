package core

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/transporttest"
)

// The tuple codec over cluster/transport's Node, the TCP transport between
// worker processes.

var _ transport.CheckedCodec[Tuple] = (*TupleCodec)(nil)

func tupleNode(t *testing.T, c *TupleCodec, id string, local map[int]*engines.Queue[Tuple], remote map[int]string) *transport.Node[Tuple] {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := transport.NewNode(transport.Config[Tuple]{ID: id, Token: "t", Codec: c, Local: local, Remote: remote, Listener: ln,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// intsOverTuples is a Transport[int] that sends each int as the value of a
// tuple on the test topology's default stream, through a Transport[Tuple],
// so that transporttest's suite exercises the tuple codec over TCP.
type intsOverTuples struct {
	tr   engines.Transport[Tuple]
	meta *streamMeta
}

func (a intsOverTuples) tuples(dst int, batch []int) []Tuple {
	out := make([]Tuple, len(batch))
	for i, v := range batch {
		out[i] = Tuple{meta: a.meta, srcTask: 1, dstTask: int32(dst), root: uint64(v) + 1, edge: 7, values: Values{"n", v}}
	}
	return out
}

func (a intsOverTuples) Send(ctx context.Context, dst int, batch []int) error {
	return a.tr.Send(ctx, dst, a.tuples(dst, batch))
}

func (a intsOverTuples) TrySend(dst int, batch []int) (bool, error) {
	return a.tr.TrySend(dst, a.tuples(dst, batch))
}

func (a intsOverTuples) Close() error { return a.tr.Close() }

// receivedInts turns a task's received tuple batches back into ints, checking each
// tuple on the way.
func receivedInts(t *testing.T, q *engines.Queue[Tuple], task int, done <-chan struct{}) <-chan []int {
	out := make(chan []int)
	go func() {
		for {
			select {
			case b := <-q.C():
				vs := make([]int, len(b))
				for i := range b {
					v := b[i].GetInt(1)
					if b[i].dstTask != int32(task) || b[i].root != uint64(v)+1 || b[i].SourceStreamID() != DefaultStreamID {
						t.Errorf("task %d received %v", task, &b[i])
					}
					vs[i] = v
				}
				select {
				case out <- vs:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return out
}

func TestTupleCodecTransportConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, tasks, capacity int) (engines.Transport[int], func(int) <-chan []int) {
		enginetest.NoGoroutinesLeft(t)
		c, p := testCodec(t, nil)
		done := make(chan struct{})
		t.Cleanup(func() { close(done) })
		queues := make([]*engines.Queue[Tuple], tasks)
		local := map[int]*engines.Queue[Tuple]{}
		for task := range tasks {
			queues[task] = engines.NewQueue[Tuple](capacity)
			local[task] = queues[task]
		}
		b := tupleNode(t, c, "b", local, nil)
		remote := map[int]string{}
		for task := range tasks {
			remote[task] = b.Addr().String()
		}
		a := tupleNode(t, c, "a", nil, remote)
		inboxes := make([]<-chan []int, tasks)
		for task := range tasks {
			inboxes[task] = receivedInts(t, queues[task], task, done)
		}
		return intsOverTuples{tr: a, meta: p.byID["spout"].defStream}, func(task int) <-chan []int { return inboxes[task] }
	})
}

func TestTupleCodecOverTCP(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	c, p := testCodec(t, nil)
	q := engines.NewQueue[Tuple](4)
	b := tupleNode(t, c, "b", map[int]*engines.Queue[Tuple]{3: q}, nil)
	a := tupleNode(t, c, "a", nil, map[int]string{3: b.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	def := p.byID["spout"].defStream

	// A value of an unregistered type fails the send, naming the type.
	err := a.Send(ctx, 3, []Tuple{{meta: def, dstTask: 3, values: Values{"w", unregistered{}}}})
	var se *SerializationError
	if !errors.As(err, &se) || se.Type != "core.unregistered" {
		t.Fatalf("Send of an unregistered type: %v", err)
	}

	more := []anchor{{root: 3, edge: 4}}
	sent := []Tuple{
		{meta: def, srcTask: 1, dstTask: 3, root: 1, edge: 2, more: &more, values: Values{"w", 1}},
		{meta: ackAckMeta, root: 5, edge: 6, srcTask: 2, dstTask: 3},
		{meta: tickMeta, srcTask: -1, dstTask: 3, values: Values{30}},
	}
	if err := a.Send(ctx, 3, sent); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-q.C():
		for i := range sent {
			if d := sameTuple(&sent[i], &got[i]); d != "" || got[i].meta != sent[i].meta {
				t.Fatalf("tuple %d: %s differs", i, d)
			}
		}
	case <-ctx.Done():
		t.Fatal("the batch did not arrive")
	}

	// A worker of another topology is refused at the hello.
	other, err := NewTupleCodec("codec", nil, nil, codecTopology("extra"))
	if err != nil {
		t.Fatal(err)
	}
	stranger := tupleNode(t, other, "stranger", nil, map[int]string{3: b.Addr().String()})
	if err := stranger.Send(ctx, 3, []Tuple{{meta: tickMeta, dstTask: 3}}); !errors.Is(err, transport.ErrRejected) {
		t.Fatalf("Send from another topology: %v, want ErrRejected", err)
	}
}
