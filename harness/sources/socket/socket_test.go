package socket

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

func fill(r *engines.Record) {
	r.EventTime = 1000 + r.Offset
	r.Value = fmt.Sprintf("v%d-%d", r.Partition, r.Offset)
}

func intended(o int64) int64 { return 5000 + o }

// client is a test engine's connection to one partition: it reads lines in
// the background, so that a test can wait for what it has received.
type client struct {
	conn  net.Conn
	lines chan string
	done  chan error
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl := &client{conn: c, lines: make(chan string, 1<<16), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			cl.lines <- sc.Text()
		}
		cl.done <- sc.Err()
		close(cl.lines)
	}()
	t.Cleanup(func() { c.Close() })
	return cl
}

// readAll returns the client's lines until the server closes.
func (cl *client) readAll() []string {
	var out []string
	for l := range cl.lines {
		out = append(out, l)
	}
	return out
}

// parse checks lines are partition p's records from offset from on, with
// an end line last when end >= 0, and returns how many records they hold.
func parse(t *testing.T, p int, lines []string, from int64, end int64) int64 {
	t.Helper()
	var n int64
	for i, s := range lines {
		l, err := engines.ParseLine([]byte(s))
		if err != nil {
			t.Fatalf("line %d %q: %v", i, s, err)
		}
		if l.End {
			if i != len(lines)-1 || end < 0 || l.Records != end || int(l.Record.Partition) != p {
				t.Fatalf("end line %q at %d of %d, want the last, with %d records", s, i, len(lines), end)
			}
			continue
		}
		want := engines.Record{Partition: int32(p), Offset: from + n, Intended: intended(from + n)}
		fill(&want)
		if l.Record != want {
			t.Fatalf("line %d: %+v, want %+v", i, l.Record, want)
		}
		n++
	}
	if end >= 0 && (len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "end ")) {
		t.Fatalf("no end line after %d lines", len(lines))
	}
	return n
}

func TestPublishToClients(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	l, err := Listen(3, fill, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown()
	if in := l.Input(); in.Kind != engines.KindSocket || len(in.Addrs) != 3 || !strings.HasPrefix(in.Addrs[0], "127.0.0.1:") {
		t.Fatalf("input %+v", in)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.WaitConnected(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitConnected with no client: %v", err)
	}
	clients := make([]*client, 3)
	for p, a := range l.Addrs() {
		clients[p] = dial(t, a)
	}
	if err := l.WaitConnected(context.Background()); err != nil {
		t.Fatal(err)
	}
	enginetest.WaitFor(t, "every partition connected", l.Connected)
	for end := int64(100); end <= 1000; end += 100 {
		for p := range 3 {
			if err := l.Publish(p, end, intended); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for p, cl := range clients {
		if n := parse(t, p, cl.readAll(), 0, 1000); n != 1000 {
			t.Errorf("partition %d: %d records, want 1000", p, n)
		}
	}
	if l.Read() != 3000 || l.Dropped() != 0 {
		t.Errorf("read %d, dropped %d; want 3000 and 0", l.Read(), l.Dropped())
	}
	for p, o := range l.ReadOffsets() {
		if o != 1000 || l.Published()[p] != 1000 {
			t.Errorf("partition %d: read offset %d, published %d", p, o, l.Published()[p])
		}
	}
	select {
	case <-l.Progress():
	default:
		t.Error("no progress signalled")
	}
}

// TestDrops: records published with no client connected, or beyond the
// buffer of a client that does not read, are dropped and counted, and never
// hold the driver back (ReadOffsets keep up with Published).
func TestDrops(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	for _, tc := range []struct {
		name      string
		connected bool
	}{
		{"no client", false},
		{"client not reading", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Small kernel buffers, so a client that does not read stops
			// taking data soon.
			l, err := Listen(1, func(r *engines.Record) { r.Value = strings.Repeat("x", 1024) }, Options{BufferRecords: 50,
				Listen: func(int) (net.Listener, error) {
					ln, err := net.Listen("tcp", "127.0.0.1:0")
					return smallBuffers{ln}, err
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Shutdown()
			var c net.Conn
			if tc.connected {
				if c, err = net.Dial("tcp", l.Addrs()[0]); err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.(*net.TCPConn).SetReadBuffer(4096)
				enginetest.WaitFor(t, "connected", l.Connected)
			}
			var end int64
			for end < 5000 {
				end += 50
				l.Publish(0, end, intended)
				if o := l.ReadOffsets()[0]; end-o > 50 {
					t.Fatalf("backlog %d past the buffer's 50 records", end-o)
				}
			}
			if !tc.connected {
				if l.Dropped() != 5000 || l.Read() != 0 || l.ReadOffsets()[0] != 5000 {
					t.Fatalf("dropped %d, read %d, read offset %d; want 5000, 0, 5000", l.Dropped(), l.Read(), l.ReadOffsets()[0])
				}
				return
			}
			enginetest.WaitFor(t, "the writer blocked, the rest dropped", func() bool { return l.Dropped() > 0 })
			if got := l.Read() + l.Dropped() + (end - l.ReadOffsets()[0]); got != 5000 {
				t.Errorf("read %d + dropped %d + queued %d = %d, want 5000", l.Read(), l.Dropped(), end-l.ReadOffsets()[0], got)
			}
			// Reading now gives every record written, then the end line.
			l.Close()
			data, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if got, want := int64(len(lines)-1), l.Read(); got != want {
				t.Errorf("client got %d records, Read says %d", got, want)
			}
			if got := l.Read() + l.Dropped(); got != 5000 {
				t.Errorf("read %d + dropped %d = %d, want 5000", l.Read(), l.Dropped(), got)
			}
			if last := lines[len(lines)-1]; last != "end 0 5000" {
				t.Errorf("last line %q", last)
			}
		})
	}
}

type smallBuffers struct{ net.Listener }

func (s smallBuffers) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err == nil {
		c.(*net.TCPConn).SetWriteBuffer(4096)
	}
	return c, err
}

// TestReconnect: a client cut off (Disconnect) sees its connection end
// without an end line; what is published until it connects again is
// dropped; the new connection gets what follows and the end line. A
// client that connects after Close gets the end line at once.
func TestReconnect(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	l, err := Listen(1, fill, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown()
	first := dial(t, l.Addrs()[0])
	enginetest.WaitFor(t, "connected", l.Connected)
	l.Publish(0, 100, intended)
	enginetest.WaitFor(t, "100 written", func() bool { return l.Read() == 100 })
	l.Disconnect(0)
	if n := parse(t, 0, first.readAll(), 0, -1); n != 100 {
		t.Fatalf("first connection: %d records, want 100", n)
	}
	l.Publish(0, 150, intended) // nobody connected: dropped
	second := dial(t, l.Addrs()[0])
	enginetest.WaitFor(t, "connected again", func() bool { return l.Clients(0) == 2 && l.Connected() })
	l.Publish(0, 300, intended)
	l.Close()
	if n := parse(t, 0, second.readAll(), 150, 300); n != 150 {
		t.Fatalf("second connection: %d records, want 150", n)
	}
	if l.Dropped() != 50 || l.Read() != 250 {
		t.Errorf("dropped %d, read %d; want 50, 250", l.Dropped(), l.Read())
	}
	late := dial(t, l.Addrs()[0])
	if lines := late.readAll(); len(lines) != 1 || lines[0] != "end 0 300" {
		t.Errorf("late client got %q", lines)
	}
}

// TestShutdown: Shutdown closes the listeners and every connection, even
// one the writer is blocked on, and waits for its goroutines.
func TestShutdown(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	l, err := Listen(2, func(r *engines.Record) { r.Value = strings.Repeat("y", 1024) }, Options{
		Listen: func(int) (net.Listener, error) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			return smallBuffers{ln}, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", l.Addrs()[0]) // and never read
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	enginetest.WaitFor(t, "connected", func() bool { return l.Clients(0) == 1 })
	l.Publish(0, 500, intended) // more than the kernel holds: the writer blocks
	addrs := l.Addrs()
	l.Shutdown()
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Errorf("the connection did not end cleanly: %v", err)
	}
	if _, err := net.Dial("tcp", addrs[1]); err == nil {
		t.Error("a listener is still open after Shutdown")
	}
}
