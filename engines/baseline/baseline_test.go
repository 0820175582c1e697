package baseline

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

func TestAssign(t *testing.T) {
	seen := map[int]int{}
	for w := range 3 {
		for _, p := range Assign(8, w, 3) {
			seen[p]++
		}
	}
	for p := range 8 {
		if seen[p] != 1 {
			t.Errorf("partition %d read by %d workers", p, seen[p])
		}
	}
}

// TestExchange: every item reaches its receiver once, in each sender's
// order, with several senders and receivers and tiny channels.
func TestExchange(t *testing.T) {
	const senders, receivers, items = 3, 2, 5000
	x := NewExchange[[2]int](context.Background(), senders, receivers)
	got := make([][][2]int, receivers)
	var wg sync.WaitGroup
	for r := range receivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range x.Receive(r) {
				got[r] = append(got[r], b...)
				x.Recycle(r, b)
			}
		}()
	}
	var sg sync.WaitGroup
	for s := range senders {
		sg.Add(1)
		go func() {
			defer sg.Done()
			for i := range items {
				x.Send(s, i%receivers, [2]int{s, i})
			}
			x.Flush(s)
		}()
	}
	sg.Wait()
	x.Close()
	wg.Wait()
	for r, items := range got {
		last := map[int]int{0: -1, 1: -1, 2: -1}
		for _, it := range items {
			if it[1]%receivers != r || it[1] <= last[it[0]] {
				t.Fatalf("receiver %d got %v after %d from sender %d", r, it, last[it[0]], it[0])
			}
			last[it[0]] = it[1]
		}
		if len(items) != senders*5000/receivers {
			t.Errorf("receiver %d got %d items", r, len(items))
		}
	}
}

// TestExchangeCancel: a sender blocked on a receiver that stopped gives up
// when the context ends, and not before: on the item whose batch found the
// receiver's queue full.
func TestExchangeCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	x := NewExchange[int](ctx, 1, 1)
	gaveUp := make(chan int, 1)
	go func() {
		for i := 0; ; i++ {
			if !x.Send(0, 0, i) {
				gaveUp <- i
				return
			}
		}
	}()
	enginetest.WaitFor(t, "the receiver's queue full", func() bool { return len(x.out[0]) == cap(x.out[0]) })
	select {
	case i := <-gaveUp:
		t.Fatalf("the sender gave up at item %d before the cancel", i)
	default:
	}
	cancel()
	select {
	case i := <-gaveUp:
		if want := (cap(x.out[0])+1)*exchangeBatch - 1; i != want {
			t.Errorf("the sender gave up at item %d, want %d (the first batch that did not fit)", i, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked sender did not give up after the cancel")
	}
}

// TestReadAllStopsOnCancel: cancelled with records still to read, ReadAll
// stops within a fetch per partition rather than draining the backlog.
func TestReadAllStopsOnCancel(t *testing.T) {
	src := enginetest.NewMemSource(2)
	for i := range 10_000 {
		src.AppendValues(i%2, "v")
	}
	ctx, cancel := context.WithCancel(context.Background())
	read := 0
	err := ReadAll(ctx, src, []int{0, 1}, make([]engines.Record, 100), func(b []engines.Record) error {
		if read += len(b); read >= 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || read > 200 {
		t.Errorf("ReadAll = %v after %d records, want context.Canceled within a round of two fetches of 100", err, read)
	}
}

func TestReadAll(t *testing.T) {
	src := enginetest.NewMemSource(3)
	go func() {
		for i := range 100 {
			src.AppendValues(i%3, "v")
		}
		src.CloseAll()
	}()
	var offsets []int64
	buf := make([]engines.Record, 8)
	err := ReadAll(context.Background(), src, []int{0, 2}, buf, func(b []engines.Record) error {
		for _, r := range b {
			offsets = append(offsets, int64(r.Partition)*1000+r.Offset)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	if len(offsets) != 34+33 || offsets[0] != 0 || offsets[34] != 2000 {
		t.Errorf("read %d records: %v", len(offsets), offsets)
	}
	boom := errors.New("boom")
	src2 := enginetest.NewMemSource(1)
	src2.AppendValues(0, "a")
	if err := ReadAll(context.Background(), src2, []int{0}, buf, func([]engines.Record) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
}
