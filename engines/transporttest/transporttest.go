// Package transporttest is the conformance suite of the engines.Transport
// seam: every implementation (the in-process queues of local mode, framed
// batches over TCP in cluster mode) runs the same tests, so that an engine
// behaves alike on both.
package transporttest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// Factory makes a transport for the tasks 0..tasks-1, each received by its
// own executor whose queue holds capacity batches, and returns it with each
// task's receive channel. The suite closes the transport; the factory
// registers any other cleanup with t.
type Factory func(t *testing.T, tasks, capacity int) (engines.Transport[int], func(task int) <-chan []int)

// Run runs the conformance suite against the transports newTransport makes.
func Run(t *testing.T, newTransport Factory) {
	t.Run("routes by task", func(t *testing.T) { routes(t, newTransport) })
	t.Run("unknown task", func(t *testing.T) { unknownTask(t, newTransport) })
	t.Run("backpressure without loss", func(t *testing.T) { backpressure(t, newTransport) })
	t.Run("concurrent senders keep per-sender order", func(t *testing.T) { concurrent(t, newTransport) })
	t.Run("context ends a blocked send", func(t *testing.T) { cancelled(t, newTransport) })
	t.Run("close", func(t *testing.T) { closing(t, newTransport) })
}

func recv(t *testing.T, ch <-chan []int) []int {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no batch arrived within 10s")
		return nil
	}
}

func routes(t *testing.T, f Factory) {
	tr, inbox := f(t, 3, 4)
	defer tr.Close()
	for dst := range 3 {
		if err := tr.Send(context.Background(), dst, []int{dst, dst * 10}); err != nil {
			t.Fatalf("Send to %d: %v", dst, err)
		}
	}
	for dst := range 3 {
		b := recv(t, inbox(dst))
		if len(b) != 2 || b[0] != dst || b[1] != dst*10 {
			t.Fatalf("task %d received %v", dst, b)
		}
	}
}

func unknownTask(t *testing.T, f Factory) {
	tr, _ := f(t, 2, 1)
	defer tr.Close()
	for _, dst := range []int{-1, 2, 100} {
		if err := tr.Send(context.Background(), dst, []int{1}); !errors.Is(err, engines.ErrUnknownTask) {
			t.Fatalf("Send to task %d: %v, want ErrUnknownTask", dst, err)
		}
		if _, err := tr.TrySend(dst, []int{1}); !errors.Is(err, engines.ErrUnknownTask) {
			t.Fatalf("TrySend to task %d: %v, want ErrUnknownTask", dst, err)
		}
	}
}

// backpressure fills a queue, checks that TrySend reports it and that a
// blocked Send completes once the receiver drains, with nothing dropped.
func backpressure(t *testing.T, f Factory) {
	tr, inbox := f(t, 1, 2)
	defer tr.Close()
	sent := 0
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := tr.TrySend(0, []int{sent})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		sent++
		if time.Now().After(deadline) {
			t.Fatal("TrySend never reported a full queue")
		}
	}
	done := make(chan error, 1)
	go func() { done <- tr.Send(context.Background(), 0, []int{sent}) }()
	var got []int
	for len(got) <= sent {
		got = append(got, recv(t, inbox(0))...)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("received %v, want 0..%d in order", got, sent)
		}
	}
}

// senders is how many goroutines send at once in the concurrency test.
const senders = 4

// concurrent has several senders write batches to two tasks at once.
func concurrent(t *testing.T, f Factory) {
	const batches = 200
	tr, inbox := f(t, 2, 3)
	defer tr.Close()
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			for i := range batches {
				if err := tr.Send(context.Background(), i%2, []int{s, i}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	last := [2][senders]int{}
	for dst := range 2 {
		for s := range senders {
			last[dst][s] = -1
		}
	}
	for n := 0; n < senders*batches; {
		select {
		case b := <-inbox(0):
			check(t, 0, b, &last[0])
		case b := <-inbox(1):
			check(t, 1, b, &last[1])
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d batches arrived", n, senders*batches)
		}
		n++
	}
	wg.Wait()
}

func check(t *testing.T, dst int, b []int, last *[senders]int) {
	t.Helper()
	s, i := b[0], b[1]
	if i%2 != dst {
		t.Fatalf("batch %d of sender %d reached task %d", i, s, dst)
	}
	if i <= last[s] {
		t.Fatalf("task %d got batch %d of sender %d after %d", dst, i, s, last[s])
	}
	last[s] = i
}

func cancelled(t *testing.T, f Factory) {
	tr, _ := f(t, 1, 1)
	defer tr.Close()
	for {
		ok, err := tr.TrySend(0, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Send(ctx, 0, []int{1}) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled Send did not return")
	}
}

func closing(t *testing.T, f Factory) {
	tr, _ := f(t, 1, 1)
	for {
		ok, err := tr.TrySend(0, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	done := make(chan error, 1)
	go func() { done <- tr.Send(context.Background(), 0, []int{1}) }()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, engines.ErrTransportClosed) {
			t.Fatalf("blocked Send after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a blocked Send")
	}
	if err := tr.Send(context.Background(), 0, []int{2}); !errors.Is(err, engines.ErrTransportClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if _, err := tr.TrySend(0, []int{2}); !errors.Is(err, engines.ErrTransportClosed) {
		t.Fatalf("TrySend after Close: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
