package engines_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

// serve listens on loopback and writes text to the first connection, then
// closes it.
func serve(t *testing.T, text string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.WriteString(c, text)
		c.Close()
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func lines(p int, from, to int64) string {
	var b []byte
	for o := from; o < to; o++ {
		b = engines.AppendLine(b, &engines.Record{Partition: int32(p), Offset: o, EventTime: o, Intended: o, Value: "v"})
	}
	return string(b)
}

// readAll reads partition p to its end the way a spout does: Fetch, and
// Wait when there is nothing.
func readAll(ctx context.Context, src engines.Source, p int) ([]engines.Record, error) {
	var out []engines.Record
	buf := make([]engines.Record, 7)
	err := engines.ReadPartition(ctx, src, p, 0, buf, func(rs []engines.Record) error {
		out = append(out, rs...)
		return nil
	})
	return out, err
}

func TestSocketSource(t *testing.T) {
	for _, tc := range []struct {
		name    string
		text    string
		records int
		err     error  // wrapped by the partition's error; nil: io.EOF
		msg     string // in the error
	}{
		{"records then end", lines(0, 0, 100) + "end 0 100\n", 100, nil, ""},
		{"crlf", strings.ReplaceAll(lines(0, 0, 3)+"end 0 3\n", "\n", "\r\n"), 3, nil, ""},
		{"closed before the end line", lines(0, 0, 10), 10, engines.ErrSocketClosed, "after 10 lines"},
		{"bad line", lines(0, 0, 5) + "hello\n", 5, engines.ErrBadLine, "line 6"},
		{"another partition's record", lines(1, 0, 1), 0, engines.ErrBadLine, "a record of partition 1 on the socket of partition 0"},
		{"line too long", strings.Repeat("x", engines.MaxLineBytes+10) + "\n", 0, engines.ErrBadLine, "than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			addr := serve(t, tc.text)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			src, err := engines.DialSockets(ctx, []string{addr}, 16)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			recs, err := readAll(ctx, src, 0)
			if len(recs) != tc.records {
				t.Errorf("%d records, want %d", len(recs), tc.records)
			}
			for i, r := range recs {
				if r.Offset != int64(i) || r.Value != "v" {
					t.Fatalf("record %d: %+v", i, r)
				}
			}
			if tc.err == nil {
				if err != nil {
					t.Fatalf("error %v, want the end", err)
				}
				return
			}
			// A consumer that retries from the start (a failed batch)
			// hears the cause too.
			if _, rerr := src.Fetch(0, 0, make([]engines.Record, 1)); len(recs) > 0 && (!errors.Is(rerr, tc.err) || !errors.Is(rerr, engines.ErrOffsetOutOfRange)) {
				t.Errorf("a retry from offset 0: %v, want %v and %v", rerr, tc.err, engines.ErrOffsetOutOfRange)
			}
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %v naming %s and %q", err, tc.err, addr, tc.msg)
			}
		})
	}
}

// TestSocketSourceForwardOnly: a fetch behind what was fetched is a replay,
// which a socket cannot give; a probe (an empty buffer) takes nothing.
func TestSocketSourceForwardOnly(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	addr := serve(t, lines(0, 0, 10)+"end 0 10\n")
	ctx := context.Background()
	src, err := engines.DialSockets(ctx, []string{addr}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Wait(ctx, 0, 10); err != nil { // the end line is in too
		t.Fatal(err)
	}
	var probe [1]engines.Record
	for range 2 {
		if n, err := src.Fetch(0, 0, probe[:]); n != 1 || err != nil || probe[0].Offset != 0 {
			t.Fatalf("probe: %d, %v, %+v", n, err, probe[0])
		}
	}
	buf := make([]engines.Record, 4)
	if n, err := src.Fetch(0, 4, buf); n != 4 || err != nil || buf[0].Offset != 4 {
		t.Fatalf("fetch at 4: %d, %v", n, err)
	}
	if _, err := src.Fetch(0, 2, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) || !strings.Contains(err.Error(), "nothing to replay") {
		t.Fatalf("fetch behind: %v", err)
	}
	if _, err := src.Fetch(0, 11, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) {
		t.Fatalf("fetch past the end: %v", err)
	}
	if n, err := src.Fetch(0, 8, buf); n != 2 || err != nil {
		t.Fatalf("fetch at 8: %d, %v", n, err)
	}
	if n, err := src.Fetch(0, 10, buf); n != 0 || err != io.EOF {
		t.Fatalf("fetch at the end: %d, %v", n, err)
	}
}

func TestDialSocketsRefused(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	good := serve(t, "end 0 0\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bad := ln.Addr().String()
	ln.Close()
	_, err = engines.DialSockets(context.Background(), []string{good, bad}, 0)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "partition 1") {
		t.Fatalf("error %v, want one naming partition 1 and %s", err, bad)
	}
}

// TestSocketSourceBounded: a reader holds at most its bound, and Close
// stops one blocked on a full buffer.
func TestSocketSourceBounded(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	addr := serve(t, lines(0, 0, 1000)+"end 0 1000\n")
	ctx := context.Background()
	src, err := engines.DialSockets(ctx, []string{addr}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Wait(ctx, 0, 9); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := src.Wait(short, 0, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("record 10 arrived past a bound of 10: %v", err)
	}
	buf := make([]engines.Record, 1)
	src.Fetch(0, 5, buf) // discards 0..4: room for five more
	if err := src.Wait(ctx, 0, 14); err != nil {
		t.Fatal(err)
	}
	src.Close() // the reader is blocked on the full buffer again
}
