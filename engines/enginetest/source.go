package enginetest

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// Log is a Source under test with the producer side a test needs: Publish
// makes records [0, n) of partition p available; Close closes every partition.
type Log struct {
	engines.Source
	Publish func(p int, n int64)
	Close   func()
}

// TestSource is the conformance suite every engines.Source passes. newLog
// returns an empty log of the given partitions, retaining at least 64
// records per partition.
func TestSource(t *testing.T, newLog func(partitions int) Log) {
	t.Run("empty partition", func(t *testing.T) {
		l := newLog(2)
		buf := make([]engines.Record, 4)
		if n, err := l.Fetch(0, 0, buf); n != 0 || err != nil {
			t.Errorf("Fetch on an empty open partition = %d, %v; want 0, nil", n, err)
		}
		if _, err := l.Fetch(0, 5, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) {
			t.Errorf("Fetch past the end: %v, want ErrOffsetOutOfRange", err)
		}
		if l.Partitions() != 2 {
			t.Errorf("Partitions() = %d", l.Partitions())
		}
	})
	t.Run("addresses and replay", func(t *testing.T) {
		l := newLog(3)
		l.Publish(1, 10)
		buf := make([]engines.Record, 4)
		n, err := l.Fetch(1, 3, buf)
		if n != 4 || err != nil {
			t.Fatalf("Fetch = %d, %v", n, err)
		}
		for i, r := range buf[:n] {
			if r.Partition != 1 || r.Offset != int64(3+i) {
				t.Errorf("record %d is at %d/%d, want 1/%d", i, r.Partition, r.Offset, 3+i)
			}
		}
		again := make([]engines.Record, 4)
		if n2, _ := l.Fetch(1, 3, again); n2 != n || again[0] != buf[0] || again[3] != buf[3] {
			t.Errorf("fetching offset 3 again gave %+v, first time %+v", again[0], buf[0])
		}
		if n, _ := l.Fetch(1, 8, buf); n != 2 {
			t.Errorf("Fetch at 8 of 10 = %d records, want 2", n)
		}
	})
	t.Run("wait", func(t *testing.T) {
		l := newLog(1)
		woke := make(chan error, 1)
		go func() { woke <- l.Wait(context.Background(), 0, 0) }()
		select {
		case err := <-woke:
			t.Fatalf("Wait returned %v before anything was published", err)
		case <-time.After(20 * time.Millisecond):
		}
		l.Publish(0, 1)
		select {
		case err := <-woke:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Wait not woken by a publish")
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { woke <- l.Wait(ctx, 0, 1) }()
		cancel()
		if err := <-woke; !errors.Is(err, context.Canceled) {
			t.Errorf("Wait after cancel: %v", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		l := newLog(2)
		l.Publish(0, 2)
		woke := make(chan error, 1)
		go func() { woke <- l.Wait(context.Background(), 1, 0) }()
		l.Close()
		if err := <-woke; err != nil {
			t.Errorf("Wait on a closing partition: %v", err)
		}
		buf := make([]engines.Record, 4)
		if n, err := l.Fetch(0, 0, buf); n != 2 || err != nil {
			t.Errorf("records before the close: %d, %v", n, err)
		}
		if _, err := l.Fetch(0, 2, buf); !errors.Is(err, io.EOF) {
			t.Errorf("Fetch at the end of a closed partition: %v, want io.EOF", err)
		}
		if err := engines.ReadPartition(context.Background(), l, 1, 0, buf, func([]engines.Record) error { return nil }); err != nil {
			t.Errorf("ReadPartition of a closed empty partition: %v", err)
		}
	})
	t.Run("concurrent consumers", func(t *testing.T) {
		l := newLog(4)
		var wg sync.WaitGroup
		counts := make([]int64, 4)
		for p := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]engines.Record, 7)
				next := int64(0)
				err := engines.ReadPartition(context.Background(), l, p, 0, buf, func(b []engines.Record) error {
					for _, r := range b {
						if r.Offset != next || r.Partition != int32(p) {
							return errors.New("out of order")
						}
						next++
					}
					counts[p] += int64(len(b))
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		for n := int64(1); n <= 50; n++ {
			for p := range 4 {
				l.Publish(p, n)
			}
		}
		l.Close()
		wg.Wait()
		for p, c := range counts {
			if c != 50 {
				t.Errorf("partition %d: read %d records, want 50", p, c)
			}
		}
	})
}
