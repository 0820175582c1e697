package jetstream

import (
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/sources/jetstream/jetstreamtest"

	"github.com/streambench/streambench/engines"
)

// startExternal runs Debian's nats-server for the test and connects to it.
func startExternal(t *testing.T) *Conn {
	t.Helper()
	c, err := Connect(jetstreamtest.StartExternal(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	t.Logf("nats-server %s", c.nc.ConnectedServerVersion())
	return c
}

// TestExternalServer runs the log, source, queue and feed against Debian's
// nats-server (2.9 at the time of writing), so nothing here relies on a
// newer server than the one a deployment may bring.
func TestExternalServer(t *testing.T) {
	checkGoroutines(t)
	c := startExternal(t)
	name := streamName("external")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 4, BatchRecords: 64})
	s := openTestSource(t, c, name, SourceOptions{Prefetch: 256, Retain: 64})

	var wg sync.WaitGroup
	got := make([]int64, 4)
	for p := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); got[p] = readAll(t, s, p) }()
	}
	for end := int64(1000); end <= 10000; end += 1000 {
		for p := range 4 {
			if err := l.Publish(p, end, intendedAt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Close(testContext(t)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for p, n := range got {
		if n != 10000 {
			t.Errorf("partition %d: read %d records, want 10000", p, n)
		}
	}

	t.Run("replay by sequence", func(t *testing.T) {
		buf := make([]engines.Record, 10)
		n, err := fetchAt(t, s, 2, 130, buf)
		if err != nil || n != 10 {
			t.Fatalf("Fetch(2, 130) = %d, %v", n, err)
		}
		wantRecord(t, buf[0], 2, 130)
	})
	t.Run("queue", func(t *testing.T) {
		q, err := OpenQueue(testContext(t), c, name, QueueConfig{Durable: "external", AckWait: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		var records int
		for {
			d := nextDelivery(t, q, 3)
			records += len(d.Records)
			if err := d.Ack(); err != nil {
				t.Fatal(err)
			}
			if d.Closed {
				break
			}
		}
		if records != 10000 {
			t.Errorf("the queue delivered %d records, want 10000", records)
		}
	})
	t.Run("feed", func(t *testing.T) {
		sub, err := SubscribeFeed(c, name+"feed", 1, FeedOptions{}, func([]engines.Record) {})
		if err != nil {
			t.Fatal(err)
		}
		f := NewFeed(c, name+"feed", 1, 0, fillValue)
		if err := f.Publish(0, 500, intendedAt); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(testContext(t)); err != nil {
			t.Fatal(err)
		}
		if err := sub.WaitClosed(testContext(t)); err != nil {
			t.Fatal(err)
		}
		if got := sub.Received()[0]; got != 500 {
			t.Errorf("feed received %d of 500", got)
		}
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
