package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/transporttest"
)

// pairFactory runs the tasks for which onSender holds on the sending node
// and the others on a second node, reached over loopback.
func pairFactory(onSender func(task int) bool) transporttest.Factory {
	return func(t *testing.T, tasks, capacity int) (engines.Transport[int], func(int) <-chan []int) {
		enginetest.NoGoroutinesLeft(t)
		lnB := listen(t)
		queues := make([]*engines.Queue[int], tasks)
		localA, localB, remote := map[int]*engines.Queue[int]{}, map[int]*engines.Queue[int]{}, map[int]string{}
		for task := range tasks {
			queues[task] = engines.NewQueue[int](capacity)
			if onSender(task) {
				localA[task] = queues[task]
			} else {
				localB[task] = queues[task]
				remote[task] = lnB.Addr().String()
			}
		}
		newNode(t, Config[int]{ID: "b", Local: localB, Listener: lnB})
		a := newNode(t, Config[int]{ID: "a", Local: localA, Remote: remote})
		return a, func(task int) <-chan []int { return queues[task].C() }
	}
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name     string
		onSender func(int) bool
	}{
		{"every task remote", func(int) bool { return false }},
		{"even tasks local", func(task int) bool { return task%2 == 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) { transporttest.Run(t, pairFactory(tc.onSender)) })
	}
}

func TestNewNodeRefusesBadConfig(t *testing.T) {
	q := engines.NewQueue[int](1)
	for _, tc := range []struct {
		name string
		cfg  Config[int]
		want string
	}{
		{"no token", Config[int]{Codec: IntCodec{}}, "Token is empty"},
		{"no codec", Config[int]{Token: "t"}, "Codec is nil"},
		{"local and remote", Config[int]{Token: "t", Codec: IntCodec{},
			Local: map[int]*engines.Queue[int]{3: q}, Remote: map[int]string{3: "127.0.0.1:1"}}, "both local and remote"},
		{"negative task", Config[int]{Token: "t", Codec: IntCodec{}, Remote: map[int]string{-1: "127.0.0.1:1"}}, "bad remote task"},
		{"nil queue", Config[int]{Token: "t", Codec: IntCodec{}, Local: map[int]*engines.Queue[int]{0: nil}}, "bad local task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := NewNode(tc.cfg)
			if err == nil {
				n.Close()
				t.Fatal("NewNode accepted the config")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewNode: %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestRejectedHello(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sender Config[int]
		logged string
	}{
		{"wrong token", Config[int]{Token: "guess"}, "wrong token"},
		{"other codec", Config[int]{Codec: otherIntCodec{}}, "sends codec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			var log logBuffer
			q := engines.NewQueue[int](4)
			b := newNode(t, Config[int]{ID: "b", Local: map[int]*engines.Queue[int]{0: q}, Logger: log.logger()})
			cfg := tc.sender
			cfg.ID, cfg.Remote = "a", map[int]string{0: b.Addr().String()}
			a := newNode(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.Send(ctx, 0, []int{1}); !errors.Is(err, ErrRejected) {
				t.Fatalf("Send: %v, want ErrRejected", err)
			}
			if _, err := a.TrySend(0, []int{1}); !errors.Is(err, ErrRejected) {
				t.Fatalf("TrySend: %v, want ErrRejected", err)
			}
			if q.Len() != 0 {
				t.Fatalf("a rejected sender delivered %d batches", q.Len())
			}
			if !strings.Contains(log.String(), tc.logged) {
				t.Fatalf("receiver's log does not say %q:\n%s", tc.logged, log.String())
			}
		})
	}
}

// otherIntCodec is IntCodec under another name.
type otherIntCodec struct{ IntCodec }

func (otherIntCodec) Name() string { return "int/0" }

func rawHello(token string) []byte {
	b, start := beginFrame(nil, KindHello, 0)
	b = appendHello(b, hello{Token: token, ID: "raw", Codec: IntCodec{}.Name()})
	endFrame(b, start)
	return b
}

func rawBatch(task uint32, batch ...int) []byte {
	b, start := beginFrame(nil, KindBatch, task)
	b = IntCodec{}.AppendBatch(b, batch)
	endFrame(b, start)
	return b
}

func join(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = append(b, f...)
	}
	return b
}

// TestBadFramesCloseTheConnection writes frames a receiver must refuse from
// a raw client, and checks that the receiver closes that connection with a
// logged reason and keeps serving another sender.
func TestBadFramesCloseTheConnection(t *testing.T) {
	header := func(length uint32, version byte, kind Kind) []byte {
		b := binary.BigEndian.AppendUint32(nil, length)
		return append(b, version, byte(kind), 0, 0, 0, 0)
	}
	cut := rawBatch(0, 1, 2, 3)
	cut = cut[:len(cut)-2]
	for _, tc := range []struct {
		name   string
		bytes  []byte
		logged string
	}{
		{"no hello", rawBatch(0, 1), "before hello"},
		{"cut in a frame", join(rawHello(testToken), cut), "unexpected EOF"},
		{"wrong token", rawHello("guess"), "wrong token"},
		{"garbled hello", AppendFrame(nil, Frame{Kind: KindHello, Payload: []byte{0xff}}), "malformed"},
		{"oversized", join(rawHello(testToken), header(1<<30, Version, KindBatch)), "size limit"},
		{"short length", join(rawHello(testToken), []byte{0, 0, 0, 2, Version, byte(KindBatch)}), "under the"},
		{"other version", join(rawHello(testToken), header(6, 9, KindBatch)), "version"},
		{"unknown kind", join(rawHello(testToken), header(6, Version, 77)), "unknown kind"},
		{"credit from a sender", join(rawHello(testToken), appendCredit(nil, 0, 1)), "unexpected credit"},
		{"task it does not run", join(rawHello(testToken), rawBatch(9, 1)), "does not run"},
		{"corrupt batch", join(rawHello(testToken), AppendFrame(nil, Frame{Kind: KindBatch, Payload: []byte{5, 1}})), "corrupt batch"},
		{"over the window", join(rawHello(testToken), rawBatch(1, 1), rawBatch(1, 2), rawBatch(1, 3)), "exceeded its window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			var log logBuffer
			q0, q1 := engines.NewQueue[int](4), engines.NewQueue[int](1)
			b := newNode(t, Config[int]{ID: "b", Window: 1, Logger: log.logger(),
				Local: map[int]*engines.Queue[int]{0: q0, 1: q1}})
			// Task 1's queue is full, so a sender over its window overflows.
			if ok, err := b.TrySend(1, []int{0}); !ok || err != nil {
				t.Fatalf("fill task 1: %v, %v", ok, err)
			}

			conn, err := net.Dial("tcp", b.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			conn.(*net.TCPConn).CloseWrite()
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.Copy(io.Discard, conn); err != nil {
				t.Fatalf("the receiver did not close the connection: %v", err)
			}
			enginetest.WaitFor(t, "the reason in the receiver's log", func() bool { return strings.Contains(log.String(), tc.logged) })

			a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: b.Addr().String()}})
			if err := a.Send(context.Background(), 0, []int{42}); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-q0.C():
				if len(got) != 1 || got[0] != 42 {
					t.Fatalf("task 0 received %v", got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the receiver stopped serving other senders")
			}
		})
	}
}

// TestReconnect restarts the receiver's listener on the same address and
// checks that the sender dials it again and delivers.
func TestReconnect(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	ln := listen(t)
	addr := ln.Addr().String()
	q := engines.NewQueue[int](4)
	b := newNode(t, Config[int]{ID: "b", Listener: ln, Local: map[int]*engines.Queue[int]{0: q}})
	a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: addr}, MaxBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Send(ctx, 0, []int{1}); err != nil {
		t.Fatal(err)
	}
	if got := <-q.C(); got[0] != 1 {
		t.Fatalf("received %v", got)
	}

	b.Close()
	enginetest.WaitFor(t, "the sender to see the peer gone", func() bool {
		ok, err := a.TrySend(0, []int{-1})
		if err != nil {
			t.Fatal(err)
		}
		return !ok
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	newNode(t, Config[int]{ID: "b2", Listener: ln, Local: map[int]*engines.Queue[int]{0: q}})
	if err := a.Send(ctx, 0, []int{2}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-q.C():
		if len(got) != 1 || got[0] != 2 {
			t.Fatalf("after the restart task 0 received %v, want [2]", got)
		}
	case <-ctx.Done():
		t.Fatal("nothing arrived after the restart")
	}
}

// TestSlowReceiverHoldsTheSender checks that a receiver that does not keep
// up bounds what its sender has in flight to Window + the queue's capacity,
// and that nothing is lost.
func TestSlowReceiverHoldsTheSender(t *testing.T) {
	const window, capacity = 2, 2
	for _, tc := range []struct {
		name    string
		batches int
	}{
		{"stalled", 0},
		{"slow", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			q := engines.NewQueue[int](capacity)
			b := newNode(t, Config[int]{ID: "b", Window: window, Local: map[int]*engines.Queue[int]{0: q}})
			a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: b.Addr().String()}})
			if tc.batches == 0 {
				stalled(t, a, q, window+capacity)
				return
			}
			var sent atomic.Int64
			errs := make(chan error, 1)
			go func() {
				for i := range tc.batches {
					if err := a.Send(context.Background(), 0, []int{i}); err != nil {
						errs <- err
						return
					}
					sent.Add(1)
				}
				close(errs)
			}()
			for i := 0; i < tc.batches; {
				var got []int
				select {
				case got = <-q.C():
				case err, ok := <-errs:
					if !ok {
						errs = nil // the sender is done; keep receiving
						continue
					}
					t.Fatalf("sender stopped after %d batches: %v", sent.Load(), err)
				case <-time.After(10 * time.Second):
					t.Fatalf("batch %d did not arrive", i)
				}
				if got[0] != i {
					t.Fatalf("received batch %d, want %d", got[0], i)
				}
				if ahead := sent.Load() - int64(i+1); ahead > window+capacity {
					t.Fatalf("the sender is %d batches ahead of the receiver, over %d", ahead, window+capacity)
				}
				i++
			}
			if errs != nil {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// stalled fills a receiver that reads nothing: exactly bound batches go in,
// then TrySend reports no room, and the batches all arrive once it reads.
func stalled(t *testing.T, a *Node[int], q *engines.Queue[int], bound int) {
	accepted := 0
	enginetest.WaitFor(t, "the queue full and the sender's window used", func() bool {
		ok, err := a.TrySend(0, []int{accepted})
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			accepted++
		}
		if accepted > bound {
			t.Fatalf("the sender put %d batches in flight, over %d", accepted, bound)
		}
		return accepted == bound && q.Len() == q.Cap()
	})
	for i := range 100 {
		if ok, err := a.TrySend(0, []int{-1}); ok || err != nil {
			t.Fatalf("TrySend %d to a stalled receiver = %v, %v", i, ok, err)
		}
	}
	for i := range bound {
		if got := <-q.C(); got[0] != i {
			t.Fatalf("received %v, want [%d]", got, i)
		}
	}
}

func TestCloseUnused(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	n, err := NewNode(Config[int]{Token: testToken, Codec: IntCodec{}, Remote: map[int]string{0: "127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Send(context.Background(), 0, []int{1}); !errors.Is(err, engines.ErrTransportClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}

func TestSendRefusesAnOversizedBatch(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	a := newNode(t, Config[int]{MaxFrameSize: 64, Remote: map[int]string{0: "127.0.0.1:1"}})
	if err := a.Send(context.Background(), 0, make([]int, 100)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("Send: %v, want ErrFrameTooLarge", err)
	}
}

func TestTaskThePeerDoesNotRun(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	b := newNode(t, Config[int]{ID: "b", Local: map[int]*engines.Queue[int]{0: engines.NewQueue[int](1)}})
	a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: b.Addr().String(), 5: b.Addr().String()}})
	if err := a.Send(context.Background(), 5, []int{1}); !errors.Is(err, engines.ErrUnknownTask) {
		t.Fatalf("Send to a task the peer does not run: %v, want ErrUnknownTask", err)
	}
	if _, err := a.TrySend(5, []int{1}); !errors.Is(err, engines.ErrUnknownTask) {
		t.Fatalf("TrySend to a task the peer does not run: %v, want ErrUnknownTask", err)
	}
}

// cuttingConn writes half of the first batch frame it is given, then fails
// and closes, as a connection that breaks in the middle of a write.
type cuttingConn struct {
	net.Conn
	armed *atomic.Bool
}

func (c cuttingConn) Write(p []byte) (int, error) {
	if len(p) > 5 && Kind(p[5]) == KindBatch && c.armed.CompareAndSwap(true, false) {
		n, _ := c.Conn.Write(p[:len(p)/2])
		c.Conn.Close()
		return n, errors.New("injected: connection broke during a write")
	}
	return c.Conn.Write(p)
}

// TestCutWriteIsSentAgain breaks the connection in the middle of a batch
// frame: Send writes it again on a new connection and the receiver, which
// drops the cut frame, gets it exactly once.
func TestCutWriteIsSentAgain(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	var log logBuffer
	q := engines.NewQueue[int](4)
	b := newNode(t, Config[int]{ID: "b", Logger: log.logger(), Local: map[int]*engines.Queue[int]{0: q}})
	var armed atomic.Bool
	armed.Store(true)
	var d net.Dialer
	a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: b.Addr().String()},
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			return cuttingConn{conn, &armed}, nil
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if err := a.Send(ctx, 0, []int{i, i}); err != nil {
			t.Fatal(err)
		}
	}
	if armed.Load() {
		t.Fatal("no write was cut")
	}
	for i := range 3 {
		if got := <-q.C(); len(got) != 2 || got[0] != i {
			t.Fatalf("received %v, want [%d %d]", got, i, i)
		}
	}
	enginetest.WaitFor(t, "the receiver to drop the cut connection", func() bool {
		return strings.Contains(log.String(), "unexpected EOF")
	})
	if q.Len() != 0 {
		t.Fatalf("%d more batches arrived, a duplicate", q.Len())
	}
}

// TestBadReceiverAnswers has a fake receiver answer the Hello with frames
// a sender must refuse: the sender drops the connection, dials again, and
// its Send waits without crashing until its context ends.
func TestBadReceiverAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer []byte
		// written: the sender may write its batch before it reads the bad frame.
		written bool
	}{
		{"other version", []byte{0, 0, 0, 6, Version + 1, byte(KindReady), 0, 0, 0, 0}, false},
		{"batch in the handshake", rawBatch(0, 1), false},
		{"zero credit", join(AppendFrame(nil, Frame{Kind: KindCredit, Payload: []byte{0}}), AppendFrame(nil, Frame{Kind: KindReady})), false},
		{"batch after ready", join(appendCredit(nil, 0, 1), AppendFrame(nil, Frame{Kind: KindReady}), rawBatch(0, 1)), true},
		{"oversized", []byte{0x7f, 0xff, 0xff, 0xff, Version, byte(KindCredit)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			ln := listen(t)
			var accepted atomic.Int32
			served := make(chan struct{})
			go func() {
				defer close(served)
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					accepted.Add(1)
					if _, _, err := ReadFrame(conn, 1<<10, nil); err == nil {
						conn.Write(tc.answer)
					}
					io.Copy(io.Discard, conn)
					conn.Close()
				}
			}()
			t.Cleanup(func() { ln.Close(); <-served })
			a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: ln.Addr().String()},
				MaxBackoff: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithCancel(context.Background())
			sent := make(chan error, 1)
			go func() { sent <- a.Send(ctx, 0, []int{1}) }()
			enginetest.WaitFor(t, "the sender to dial again", func() bool { return accepted.Load() >= 3 })
			cancel()
			if err := <-sent; !errors.Is(err, context.Canceled) && (err != nil || !tc.written) {
				t.Fatalf("Send: %v, want context.Canceled", err)
			}
		})
	}
}

// TestConfirm checks Config.Confirm: Send returns only once the batch is
// in the receiver's queue, and a batch whose receiver went away before it
// was queued is sent again to the receiver that takes its place.
func TestConfirm(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	ln := listen(t)
	addr := ln.Addr().String()
	q := engines.NewQueue[int](1)
	b := newNode(t, Config[int]{ID: "b", Listener: ln, Local: map[int]*engines.Queue[int]{0: q}})
	a := newNode(t, Config[int]{ID: "a", Remote: map[int]string{0: addr}, Confirm: true, MaxBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sendAsync := func(v int) <-chan error {
		done := make(chan error, 1)
		go func() { done <- a.Send(ctx, 0, []int{v}) }()
		return done
	}

	// Queued when Send returns.
	if err := <-sendAsync(1); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-q.C():
		if got[0] != 1 {
			t.Fatalf("received %v", got)
		}
	default:
		t.Fatal("Send returned before its batch was in the queue")
	}

	// The queue is full: the next batch waits in the receiver's staging,
	// and its Send with it.
	if err := <-sendAsync(2); err != nil {
		t.Fatal(err)
	}
	done := sendAsync(3)
	enginetest.WaitFor(t, "batch 3 staged at the receiver", func() bool {
		return q.Len() == 1 // batch 2 queued; 3 cannot be
	})
	// The receiver goes away with batch 3 staged and not queued; one on
	// the same address takes its place, and gets batch 3.
	b.Close()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	q2 := engines.NewQueue[int](4)
	newNode(t, Config[int]{ID: "b2", Listener: ln2, Local: map[int]*engines.Queue[int]{0: q2}})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-q2.C():
		if got[0] != 3 {
			t.Fatalf("the new receiver got %v, want [3]", got)
		}
	default:
		t.Fatal("Send of batch 3 returned before the new receiver had it")
	}
}
