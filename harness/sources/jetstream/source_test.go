package jetstream

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

func TestSourceConformance(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, FileStore)
	enginetest.TestSource(t, func(partitions int) enginetest.Log {
		name := streamName("conformance")
		// Small batches, so the suite's offsets fall inside messages and
		// across their boundaries.
		l := newTestLog(t, c, LogConfig{Stream: name, Partitions: partitions, BatchRecords: 3})
		s := openTestSource(t, c, name, SourceOptions{Retain: 64})
		ctx := testContext(t)
		return enginetest.Log{
			Source: s,
			// The suite fetches right after publishing: wait until the
			// source has the records, as the harness's driver would not.
			Publish: func(p int, n int64) {
				if err := l.Publish(p, n, func(o int64) int64 { return o }); err != nil {
					t.Error(err)
					return
				}
				if err := l.Flush(ctx); err != nil {
					t.Error(err)
					return
				}
				if err := s.Wait(ctx, p, n-1); err != nil {
					t.Error(err)
				}
			},
			Close: func() {
				if err := l.Close(ctx); err != nil {
					t.Error(err)
					return
				}
				for p, end := range l.Published() {
					if err := s.Wait(ctx, p, end); err != nil {
						t.Error(err)
					}
				}
			},
		}
	})
}

// publishClosed publishes records [0, n) of every partition and closes the
// log.
func publishClosed(t *testing.T, l *Log, n int64) {
	t.Helper()
	for p := range l.Partitions() {
		if err := l.Publish(p, n, intendedAt); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

// fetchAt waits for offset and fetches from it.
func fetchAt(t *testing.T, s *Source, p int, offset int64, buf []engines.Record) (int, error) {
	t.Helper()
	if err := s.Wait(testContext(t), p, offset); err != nil {
		t.Fatalf("Wait(%d, %d): %v", p, offset, err)
	}
	return s.Fetch(p, offset, buf)
}

// Offsets are exact from anywhere: inside a message, at its boundaries, in
// the window, and long evicted from it (reread by sequence).
func TestSourceReplaysAnyOffset(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, FileStore)
	name := streamName("replay")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 2, BatchRecords: 10})
	publishClosed(t, l, 1000)
	// A tiny window, so most offsets have left it once the partition is read.
	s := openTestSource(t, c, name, SourceOptions{Prefetch: 16, Retain: 8, PullMessages: 2})
	if n := readAll(t, s, 1); n != 1000 {
		t.Fatalf("read %d records, want 1000", n)
	}
	for _, tc := range []struct {
		name   string
		offset int64
		buf    int
		want   int
	}{
		{"first record", 0, 4, 4},
		{"inside a message", 5, 3, 3},
		{"up to a message's end", 7, 10, 3},
		{"a message's start", 10, 10, 10},
		{"a message's last record", 559, 5, 1},
		{"in the window", 995, 10, 5},
		{"last record", 999, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]engines.Record, tc.buf)
			n, err := fetchAt(t, s, 1, tc.offset, buf)
			if err != nil || n != tc.want {
				t.Fatalf("Fetch(1, %d) = %d, %v; want %d records", tc.offset, n, err, tc.want)
			}
			for i, r := range buf[:n] {
				wantRecord(t, r, 1, tc.offset+int64(i))
			}
		})
	}
	if got := s.ReadOffsets(); !slices.Equal(got, []int64{0, 1000}) {
		t.Errorf("ReadOffsets() = %v, want [0 1000]", got)
	}
	if got := s.Read(); got != 1000 {
		t.Errorf("Read() = %d, want 1000", got)
	}
	buf := make([]engines.Record, 4)
	for _, tc := range []struct {
		offset int64
		want   error
	}{{1000, io.EOF}, {1001, engines.ErrOffsetOutOfRange}, {-1, engines.ErrOffsetOutOfRange}} {
		if _, err := s.Fetch(1, tc.offset, buf); !errors.Is(err, tc.want) {
			t.Errorf("Fetch(1, %d): %v, want %v", tc.offset, err, tc.want)
		}
	}
}

// Every partition replays from the start at once, all of it reread by
// sequence, with Progress signalled on the way.
func TestSourceConcurrentReplays(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("replays")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 4, BatchRecords: 7})
	publishClosed(t, l, 500)
	s := openTestSource(t, c, name, SourceOptions{Prefetch: 8, Retain: 1})
	for round := range 2 { // the first reads, the second replays
		done := make(chan int64, 4)
		for p := range 4 {
			go func() { done <- readAll(t, s, p) }()
		}
		for range 4 {
			if n := <-done; n != 500 {
				t.Errorf("round %d: a partition read %d records, want 500", round, n)
			}
		}
	}
	select {
	case <-s.Progress():
	default:
		t.Error("no progress signalled after reading 2000 records")
	}
}

// A consumer resuming far ahead (from a checkpoint) is not held up by the
// reader's bounded prefetch.
func TestSourceWaitFarAhead(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("ahead")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 1, BatchRecords: 10})
	publishClosed(t, l, 2000)
	s := openTestSource(t, c, name, SourceOptions{Prefetch: 16, Retain: 8})
	buf := make([]engines.Record, 5)
	n, err := fetchAt(t, s, 0, 1500, buf)
	if err != nil || n != 5 {
		t.Fatalf("Fetch at 1500 = %d, %v", n, err)
	}
	wantRecord(t, buf[0], 0, 1500)
	// The records passed over are reread when asked for.
	if n, err := fetchAt(t, s, 0, 3, buf); err != nil || n != 5 {
		t.Fatalf("Fetch at 3 = %d, %v", n, err)
	}
	wantRecord(t, buf[0], 0, 3)
}

// Another process opens the stream by name: here, another connection.
func TestSourceOnAnotherConnection(t *testing.T) {
	checkGoroutines(t)
	srv, c := startServer(t, FileStore)
	name := streamName("shared")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 3})
	other, err := Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	s := openTestSource(t, other, name, SourceOptions{})
	// Opened before anything is published, read while it is.
	done := make(chan int64, 3)
	for p := range 3 {
		go func() { done <- readAll(t, s, p) }()
	}
	publishClosed(t, l, 5000)
	for range 3 {
		if n := <-done; n != 5000 {
			t.Errorf("a partition read %d records, want 5000", n)
		}
	}
}

func TestOpenSourceErrors(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for i, subjects := range [][]string{{"%s.*"}, {"%s.0", "%s.2"}, {"%s.0", "bar%[1]s.1"}, {"%s.00"}, {"%s"}} {
		name := streamName("foreign")
		for j := range subjects {
			subjects[j] = fmt.Sprintf(subjects[j], fmt.Sprint("s", i))
		}
		if _, err := c.js.CreateStream(testContext(t), js.StreamConfig{Name: name, Subjects: subjects, Storage: js.MemoryStorage}); err != nil {
			t.Fatal(err)
		}
		_, err := OpenSource(testContext(t), c, name, SourceOptions{})
		if !errors.Is(err, ErrNotALog) || !strings.Contains(err.Error(), name) {
			t.Errorf("OpenSource on a stream with subjects %v: %v, want ErrNotALog naming the stream", subjects, err)
		}
	}
	_, err := OpenSource(testContext(t), c, "missing", SourceOptions{})
	if !errors.Is(err, js.ErrStreamNotFound) || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("OpenSource on a missing stream: %v", err)
	}
}

// Bytes this package did not write are an error naming their sequence,
// whether the reader meets them or OpenSource finds them last.
func TestSourceRefusesForeignMessages(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for _, tc := range []struct {
		name    string
		payload []byte
		mention string
	}{
		{"foreign bytes", []byte(`{"not":"a batch"}`), "version byte"},
		{"another partition's batch", EncodeBatch(1, 20, false, records(1, 20, "x")), "partition 1"},
		{"a gap in the offsets", EncodeBatch(0, 25, false, records(0, 25, "x")), "starts at offset 25, want 20"},
		{"a repeated offset", EncodeBatch(0, 10, false, records(0, 10, "x")), "starts at offset 10, want 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := streamName("foreign")
			l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 2, BatchRecords: 10})
			if err := l.Publish(0, 20, intendedAt); err != nil {
				t.Fatal(err)
			}
			if err := l.Flush(testContext(t)); err != nil {
				t.Fatal(err)
			}
			ack, err := c.js.Publish(testContext(t), name+".0", tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			wantErr := func(err error) {
				t.Helper()
				if !errors.Is(err, ErrCorruptBatch) || !strings.Contains(err.Error(), fmt.Sprintf("sequence %d", ack.Sequence)) || !strings.Contains(err.Error(), tc.mention) {
					t.Errorf("error %v, want ErrCorruptBatch naming sequence %d and %q", err, ack.Sequence, tc.mention)
				}
			}
			if tc.name == "foreign bytes" {
				_, err := OpenSource(testContext(t), c, name, SourceOptions{})
				wantErr(err)
				return
			}
			s := openTestSource(t, c, name, SourceOptions{})
			buf := make([]engines.Record, 32)
			n, err := fetchAt(t, s, 0, 0, buf)
			if err != nil {
				t.Fatalf("records before the foreign message: %d, %v", n, err)
			}
			for n < 20 {
				m, err := fetchAt(t, s, 0, int64(n), buf)
				if err != nil {
					t.Fatalf("records before the foreign message: %v", err)
				}
				n += m
			}
			_, err = fetchAt(t, s, 0, 20, buf)
			wantErr(err)
		})
	}
}

// Offsets whose messages the stream no longer holds are out of range.
func TestSourceOffsetsLeftRetention(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("purged")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 1, BatchRecords: 10})
	publishClosed(t, l, 100)
	s := openTestSource(t, c, name, SourceOptions{Prefetch: 10, Retain: 10})
	if n := readAll(t, s, 0); n != 100 {
		t.Fatalf("read %d", n)
	}
	st, err := c.js.Stream(testContext(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(testContext(t), js.WithPurgeSequence(5)); err != nil {
		t.Fatal(err)
	}
	buf := make([]engines.Record, 4)
	if _, err := fetchAt(t, s, 0, 15, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) || !strings.Contains(err.Error(), "retention") {
		t.Errorf("Fetch of a purged offset: %v, want ErrOffsetOutOfRange", err)
	}
	if n, err := fetchAt(t, s, 0, 45, buf); n != 4 || err != nil {
		t.Errorf("Fetch of a kept offset: %d, %v", n, err)
	}
}

func TestSourceClose(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("closing")
	newTestLog(t, c, LogConfig{Stream: name, Partitions: 1})
	s, err := OpenSource(testContext(t), c, name, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	woke := make(chan error, 1)
	go func() { woke <- s.Wait(testContext(t), 0, 0) }()
	s.Close()
	if err := <-woke; !errors.Is(err, ErrSourceClosed) {
		t.Errorf("Wait during Close: %v, want ErrSourceClosed", err)
	}
	if _, err := s.Fetch(0, 0, make([]engines.Record, 1)); !errors.Is(err, ErrSourceClosed) {
		t.Errorf("Fetch after Close: %v, want ErrSourceClosed", err)
	}
}
