package engines

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLocalTransportRoutesByTask(t *testing.T) {
	a, b := NewQueue[int](4), NewQueue[int](4)
	// Tasks 0 and 2 share executor a's queue; task 1 is b's; task 3 is unowned.
	tr := NewLocalTransport([]*Queue[int]{a, b, a, nil})
	defer tr.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		dst     int
		want    *Queue[int]
		wantErr error
	}{
		{0, a, nil},
		{1, b, nil},
		{2, a, nil},
		{3, nil, ErrUnknownTask},
		{-1, nil, ErrUnknownTask},
		{9, nil, ErrUnknownTask},
	} {
		err := tr.Send(ctx, tc.dst, []int{tc.dst})
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("Send(%d) = %v, want %v", tc.dst, err, tc.wantErr)
		}
		if tc.want == nil {
			continue
		}
		got := <-tc.want.C()
		if len(got) != 1 || got[0] != tc.dst {
			t.Fatalf("Send(%d) delivered %v", tc.dst, got)
		}
	}
}

func TestLocalTransportBackpressure(t *testing.T) {
	q := NewQueue[int](2)
	tr := NewLocalTransport([]*Queue[int]{q})
	defer tr.Close()
	for i := range 2 {
		if ok, err := tr.TrySend(0, []int{i}); !ok || err != nil {
			t.Fatalf("TrySend %d = %v, %v", i, ok, err)
		}
	}
	if ok, err := tr.TrySend(0, []int{2}); ok || err != nil {
		t.Fatalf("TrySend to a full queue = %v, %v; want false, nil", ok, err)
	}
	if q.Len() != 2 || q.Cap() != 2 {
		t.Fatalf("queue len %d cap %d", q.Len(), q.Cap())
	}

	// A blocked Send completes once the receiver makes room, and nothing is dropped.
	sent := make(chan error, 1)
	go func() { sent <- tr.Send(context.Background(), 0, []int{2}) }()
	waitBlockedSend(t)
	select {
	case err := <-sent:
		t.Fatalf("Send to a full queue returned %v before room was made", err)
	default:
	}
	var got []int
	for len(got) < 3 {
		b := <-q.C()
		got = append(got, b...)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("received %v, want 0 1 2 in order", got)
		}
	}

	// A blocked Send gives up when its context ends.
	tr.Send(context.Background(), 0, []int{0})
	tr.Send(context.Background(), 0, []int{1})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { sent <- tr.Send(ctx, 0, []int{2}) }()
	waitBlockedSend(t)
	cancel()
	if err := <-sent; !errors.Is(err, context.Canceled) {
		t.Fatalf("Send after cancel = %v", err)
	}
}

func TestLocalTransportClose(t *testing.T) {
	q := NewQueue[int](1)
	tr := NewLocalTransport([]*Queue[int]{q})
	tr.Send(context.Background(), 0, []int{1})
	sent := make(chan error, 1)
	go func() { sent <- tr.Send(context.Background(), 0, []int{2}) }()
	waitBlockedSend(t)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; !errors.Is(err, ErrTransportClosed) {
		t.Fatalf("blocked Send after Close = %v", err)
	}
	if _, err := tr.TrySend(0, []int{3}); !errors.Is(err, ErrTransportClosed) {
		t.Fatalf("TrySend after Close = %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func BenchmarkLocalTransport(b *testing.B) {
	q := NewQueue[int](1024)
	tr := NewLocalTransport([]*Queue[int]{q})
	defer tr.Close()
	batch := make([]int, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range q.ch {
			if b == nil {
				return
			}
		}
	}()
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		tr.Send(ctx, 0, batch)
		n += len(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	q.ch <- nil
	<-done
}

// waitBlockedSend waits until a goroutine is blocked in LocalTransport.Send
// (parked in its select), so what the test does next happens to a blocked
// Send, not to one that has not started.
func waitBlockedSend(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "[select") && strings.Contains(g, ".(*LocalTransport[...]).Send(") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no Send blocked")
		}
	}
}
