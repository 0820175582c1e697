package jetstream

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// TestFeedInputDropsWhatItCannotTake: a receiver that is busy while the
// feed publishes more than its buffer holds loses the overflow, and the
// counts say how much arrived; a receiver that keeps up gets everything
// and ends at the closing marker.
func TestFeedInputDropsWhatItCannotTake(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for _, tc := range []struct {
		name     string
		pending  int
		stall    bool
		wantLoss bool
	}{
		{"keeps up", 0, false, false},
		{"stalls with a small buffer", 4, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := streamName("feed")
			feed := NewFeed(c, prefix, 1, 10, fillValue)
			in := NewFeedInput(c, prefix, 1, tc.pending)
			release := make(chan struct{})
			got := make(chan int64, 1)
			errc := make(chan error, 1)
			ctx := testContext(t)
			go func() {
				var n int64
				first := true
				errc <- in.Receive(ctx, 0, func(recs []engines.Record) error {
					if first && tc.stall {
						<-release
					}
					first = false
					n += int64(len(recs))
					return nil
				})
				got <- n
			}()
			if err := in.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			if err := feed.Publish(0, 1000, intendedAt); err != nil {
				t.Fatal(err)
			}
			if err := c.nc.Flush(); err != nil {
				t.Fatal(err)
			}
			close(release)
			// The closing marker may be dropped too: send it until the
			// receiver ends.
			for done := false; !done; {
				if err := feed.Close(ctx); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-errc:
					if err != nil {
						t.Fatal(err)
					}
					done = true
				case <-time.After(50 * time.Millisecond):
				}
			}
			n := <-got
			if n != in.Read() || in.Received()[0] != n {
				t.Errorf("handler saw %d records, Read says %d, Received %v", n, in.Read(), in.Received())
			}
			if lost := n < 1000; lost != tc.wantLoss {
				t.Errorf("received %d of 1000 records, want loss %v", n, tc.wantLoss)
			}
		})
	}
}

// TestQueueInputEndsAfterRedeliveries: a partition whose closing marker
// has come still delivers what was naked, and ends (io.EOF) only once
// every batch is acked.
func TestQueueInputEndsAfterRedeliveries(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("queue-input")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 1, BatchRecords: 10})
	publishClosed(t, l, 30)
	q, err := OpenQueue(testContext(t), c, name, QueueConfig{Durable: "spout"})
	if err != nil {
		t.Fatal(err)
	}
	in := NewQueueInput(q)
	t.Cleanup(func() { in.Close() })
	ctx := testContext(t)
	naked := false
	seen := map[int64]int{}
	for {
		d, err := in.Next(ctx, 0)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		first := d.Records()[0].Offset
		seen[first]++
		if first == 10 && !naked {
			naked = true
			if err := d.Nak(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if d.Redelivered() != (first == 10) {
			t.Errorf("batch at %d: redelivered %v", first, d.Redelivered())
		}
		if err := d.Ack(); err != nil {
			t.Fatal(err)
		}
	}
	if seen[0] != 1 || seen[10] != 2 || seen[20] != 1 || in.Read() != 30 || in.ReadOffsets()[0] != 30 {
		t.Errorf("deliveries by first offset %v, read %d, offsets %v", seen, in.Read(), in.ReadOffsets())
	}
	if _, err := in.Next(context.Background(), 0); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end: %v, want io.EOF", err)
	}
}
