package jetstream

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// checkGoroutines fails the test if it leaves goroutines behind: call it
// first, so its cleanup runs after every other. Goroutines end
// asynchronously after a Close, so it polls against a deadline.
func checkGoroutines(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines before the test, %d after:\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// startServer starts an embedded server and connects to it, closing both
// at the end of the test.
func startServer(t testing.TB, store Store) (*Server, *Conn) {
	t.Helper()
	srv, err := StartEmbedded(ServerOptions{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	c, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return srv, c
}

var streamSeq atomic.Int64

// streamName returns a stream name no other test uses.
func streamName(prefix string) string {
	return prefix + "-" + strconv.FormatInt(streamSeq.Add(1), 10)
}

// fillValue is a workload's generator in miniature: every field follows
// from the record's address.
func fillValue(r *engines.Record) {
	r.Value = fmt.Sprintf("%d/%d", r.Partition, r.Offset)
	r.EventTime = 1_700_000_000_000_000_000 + r.Offset*1_000_000
}

// intendedAt is a plan's intended emit times in miniature.
func intendedAt(o int64) int64 { return 1_700_000_000_000_000_000 + o*1000 }

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTestLog(t testing.TB, c *Conn, cfg LogConfig) *Log {
	t.Helper()
	l, err := CreateLog(testContext(t), c, cfg, fillValue)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func openTestSource(t testing.TB, c *Conn, stream string, opts SourceOptions) *Source {
	t.Helper()
	s, err := OpenSource(testContext(t), c, stream, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// recordMismatch says how r differs from the record fillValue and
// intendedAt make at p/o, or returns nil.
func recordMismatch(r engines.Record, p int32, o int64) error {
	want := engines.Record{Partition: p, Offset: o, Intended: intendedAt(o)}
	fillValue(&want)
	if r != want {
		return fmt.Errorf("record at %d/%d = %+v, want %+v", p, o, r, want)
	}
	return nil
}

// wantRecord fails the test unless r is the record at p/o; call it from
// the test's goroutine.
func wantRecord(t testing.TB, r engines.Record, p int32, o int64) {
	t.Helper()
	if err := recordMismatch(r, p, o); err != nil {
		t.Fatal(err)
	}
}

// readAll reads partition p of s from offset 0 until it is closed and
// checks every record; it returns how many there were. It may run on any
// goroutine.
func readAll(t testing.TB, s *Source, p int) int64 {
	t.Helper()
	var next int64
	buf := make([]engines.Record, 100)
	err := engines.ReadPartition(testContext(t), s, p, 0, buf, func(b []engines.Record) error {
		for _, r := range b {
			if err := recordMismatch(r, int32(p), next); err != nil {
				return err
			}
			next++
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	return next
}
