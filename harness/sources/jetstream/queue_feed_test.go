package jetstream

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

func nextDelivery(t *testing.T, q *Queue, p int) *Delivery {
	t.Helper()
	d, err := q.Next(testContext(t), p)
	if err != nil {
		t.Fatalf("Next(%d): %v", p, err)
	}
	return d
}

func TestQueue(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, FileStore)
	for _, tc := range []struct {
		name string
		// fail is what the consumer does with the first batch instead of
		// acking it.
		fail          func(t *testing.T, d *Delivery)
		ackWait       time.Duration
		wantAfterWait bool // the redelivery needs AckWait to pass
	}{
		{"unacked batch redelivered after AckWait", func(*testing.T, *Delivery) {}, 300 * time.Millisecond, true},
		{"naked batch redelivered at once", func(t *testing.T, d *Delivery) {
			if err := d.Nak(); err != nil {
				t.Fatal(err)
			}
		}, time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := streamName("queue")
			l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 2, BatchRecords: 10})
			publishClosed(t, l, 25)
			q, err := OpenQueue(testContext(t), c, name, QueueConfig{Durable: "spout", AckWait: tc.ackWait})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { q.Close() })

			first := nextDelivery(t, q, 1)
			start := time.Now()
			if first.First != 0 || len(first.Records) != 10 || first.NumDelivered != 1 || first.Closed {
				t.Fatalf("first delivery: offset %d, %d records, delivered %d times, closed %v", first.First, len(first.Records), first.NumDelivered, first.Closed)
			}
			for i, r := range first.Records {
				wantRecord(t, r, 1, int64(i))
			}
			tc.fail(t, first)
			// The rest and the first again, in an order the server picks
			// (batches the client holds come before the redelivery).
			var got []int64
			for len(got) < 4 {
				d := nextDelivery(t, q, 1)
				got = append(got, d.First)
				if d.First == 0 {
					if d.NumDelivered != 2 {
						t.Errorf("redelivery says NumDelivered %d, want 2", d.NumDelivered)
					}
					if tc.wantAfterWait && time.Since(start) < tc.ackWait {
						t.Errorf("redelivered after %v, before AckWait %v", time.Since(start), tc.ackWait)
					}
				}
				if d.Closed != (d.First == 25 && len(d.Records) == 0) {
					t.Errorf("delivery at %d: closed %v with %d records", d.First, d.Closed, len(d.Records))
				}
				if err := d.Ack(); err != nil {
					t.Fatal(err)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, []int64{0, 10, 20, 25}) {
				t.Errorf("after the first, batches at %v delivered, want 0 (again), 10, 20 and the marker at 25", got)
			}
			// Everything acked: nothing pending, nothing redelivered.
			deadline := time.Now().Add(10 * time.Second)
			for {
				pending, ackPending, err := q.Lag(testContext(t), 1)
				if err != nil {
					t.Fatal(err)
				}
				if pending == 0 && ackPending == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("lag stays at %d pending, %d unacked", pending, ackPending)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// MaxAckPending holds deliveries back until the caller acks.
func TestQueueMaxAckPending(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("pending")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 1, BatchRecords: 5})
	publishClosed(t, l, 20)
	q, err := OpenQueue(testContext(t), c, name, QueueConfig{Durable: "spout", MaxAckPending: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	d := nextDelivery(t, q, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if d2, err := q.Next(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next with one batch unacked and MaxAckPending 1 = %+v, %v; want it to wait", d2, err)
	}
	if err := d.Ack(); err != nil {
		t.Fatal(err)
	}
	if d := nextDelivery(t, q, 0); d.First != 5 {
		t.Errorf("after the ack, the batch at %d, want 5", d.First)
	}
}

func TestFeed(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for _, tc := range []struct {
		name    string
		pending int  // the subscriber's pending limit in messages
		stall   bool // the handler blocks until everything is sent
	}{
		{"a keeping-up subscriber gets everything", 0, false},
		{"a stalled subscriber loses what overflows", 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := streamName("feed")
			release := make(chan struct{})
			var once sync.Once
			sub, err := SubscribeFeed(c, prefix, 2, FeedOptions{PendingMessages: tc.pending}, func(recs []engines.Record) {
				if tc.stall {
					<-release
				}
				for _, r := range recs {
					if err := recordMismatch(r, r.Partition, r.Offset); err != nil {
						t.Error(err)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer once.Do(func() { close(release) })
			f := NewFeed(c, prefix, 2, 1, fillValue)
			for p := range 2 {
				if err := f.Publish(p, 200, intendedAt); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Close(testContext(t)); err != nil {
				t.Fatal(err)
			}
			if got := f.Published(); !slices.Equal(got, []int64{200, 200}) {
				t.Errorf("Published() = %v", got)
			}
			if !tc.stall {
				if err := sub.WaitClosed(testContext(t)); err != nil {
					t.Fatal(err)
				}
				if got := sub.Received(); !slices.Equal(got, []int64{200, 200}) {
					t.Errorf("Received() = %v, want everything", got)
				}
			} else {
				// Wait until every message is accounted for: received,
				// held or dropped (one record a message; 2 markers).
				deadline := time.Now().Add(10 * time.Second)
				for {
					slow, _ := sub.Dropped()
					if slow > 0 && int64(slow)+int64(tc.pending)+1 >= 402 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("dropped %d of 402 messages", slow)
					}
					time.Sleep(10 * time.Millisecond)
				}
				once.Do(func() { close(release) })
				for {
					rec := sub.Received()
					slow, _ := sub.Dropped()
					total := rec[0] + rec[1]
					if total+int64(slow) >= 400 {
						if total >= 400 || total == 0 {
							t.Errorf("received %d records of 400 with %d messages dropped", total, slow)
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("received %d records and dropped %d messages of 400", total, slow)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			if err := sub.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
