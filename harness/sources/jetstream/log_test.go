package jetstream

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestLogBatches(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for _, tc := range []struct {
		name       string
		batch      int
		maxPending int
		publishes  []int64 // successive ends of partition 0
		wantMsgs   uint64  // data messages, without the closing markers
	}{
		{"one full batch", 256, 2, []int64{256}, 1},
		{"cut at the batch size", 256, 2, []int64{1000}, 4},
		{"every publish sends what it has", 256, 2, []int64{1, 2, 3, 10}, 4},
		{"one record a message", 1, 2, []int64{5}, 5},
		{"nothing new", 16, 2, []int64{10, 10, 10}, 1},
		{"a window of one message waits for every ack", 1, 1, []int64{300}, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := streamName("batches")
			l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 2, BatchRecords: tc.batch, MaxPending: tc.maxPending})
			for _, end := range tc.publishes {
				if err := l.Publish(0, end, intendedAt); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(testContext(t)); err != nil {
				t.Fatal(err)
			}
			end := tc.publishes[len(tc.publishes)-1]
			if got := l.Published(); !slices.Equal(got, []int64{end, 0}) {
				t.Errorf("Published() = %v, want [%d 0]", got, end)
			}
			info, err := c.js.Stream(testContext(t), name)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.CachedInfo().State.Msgs; got != tc.wantMsgs+2 {
				t.Errorf("stream holds %d messages, want %d and 2 closing markers", got, tc.wantMsgs)
			}
			s := openTestSource(t, c, name, SourceOptions{})
			if n := readAll(t, s, 0); n != end {
				t.Errorf("read back %d records, want %d", n, end)
			}
			if err := l.Publish(0, end+1, intendedAt); !errors.Is(err, ErrLogClosed) {
				t.Errorf("Publish after Close: %v, want ErrLogClosed", err)
			}
		})
	}
}

func TestCreateLogOnATakenName(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	name := streamName("taken")
	l := newTestLog(t, c, LogConfig{Stream: name, Partitions: 2})
	for _, tc := range []struct {
		name     string
		cfg      LogConfig
		mentions []string
	}{
		{"another configuration", LogConfig{Stream: name, Partitions: 3}, []string{name, "another configuration", "another stream name", "delete"}},
		{"another store", LogConfig{Stream: name, Partitions: 2, Store: FileStore}, []string{name, "another stream name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CreateLog(testContext(t), c, tc.cfg, fillValue)
			if !errors.Is(err, ErrStreamExists) {
				t.Fatalf("CreateLog = %v, want ErrStreamExists", err)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	t.Run("same configuration, empty", func(t *testing.T) {
		if _, err := CreateLog(testContext(t), c, LogConfig{Stream: name, Partitions: 2}, fillValue); err != nil {
			t.Errorf("CreateLog on an identical empty stream: %v", err)
		}
	})
	t.Run("same configuration, with messages", func(t *testing.T) {
		if err := l.Publish(0, 5, intendedAt); err != nil {
			t.Fatal(err)
		}
		if err := l.Flush(testContext(t)); err != nil {
			t.Fatal(err)
		}
		_, err := CreateLog(testContext(t), c, LogConfig{Stream: name, Partitions: 2}, fillValue)
		if !errors.Is(err, ErrStreamExists) || !strings.Contains(err.Error(), "holds 1 messages") {
			t.Errorf("CreateLog on a used stream: %v, want ErrStreamExists saying it holds 1 messages", err)
		}
	})
	t.Run("deleted, then free", func(t *testing.T) {
		if err := c.DeleteStream(testContext(t), name); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteStream(testContext(t), name); err != nil {
			t.Errorf("deleting a deleted stream: %v", err)
		}
		if _, err := CreateLog(testContext(t), c, LogConfig{Stream: name, Partitions: 3}, fillValue); err != nil {
			t.Errorf("CreateLog after DeleteStream: %v", err)
		}
	})
}

// A publish the server refuses is an error from Publish or Flush, never
// silence.
func TestLogReturnsPublishErrors(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	for _, tc := range []struct {
		name   string
		break_ func(t *testing.T, name string)
		fill   func(*engines.Record)
		want   error
	}{
		{
			name:   "stream deleted under the log",
			break_: func(t *testing.T, name string) { _ = c.DeleteStream(testContext(t), name) },
			fill:   fillValue,
		},
		{
			name:   "record larger than max_payload",
			break_: func(*testing.T, string) {},
			fill:   func(r *engines.Record) { r.Value = strings.Repeat("x", 2<<20) },
			want:   ErrRecordTooLarge,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := streamName("failing")
			l, err := CreateLog(testContext(t), c, LogConfig{Stream: name, Partitions: 1}, tc.fill)
			if err != nil {
				t.Fatal(err)
			}
			tc.break_(t, name)
			err = l.Publish(0, 10, intendedAt)
			if err == nil {
				err = l.Flush(testContext(t))
			}
			if err == nil {
				t.Fatal("publishing into a broken log: no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), name) && !strings.Contains(err.Error(), "0/0") {
				t.Errorf("error %q names neither the stream nor the record", err)
			}
			if got := l.Published()[0]; got != 0 {
				t.Errorf("Published() = %d after a failed publish, want 0", got)
			}
			if err := l.Close(testContext(t)); err == nil {
				t.Error("Close after a failed publish: nil error")
			}
		})
	}
}
