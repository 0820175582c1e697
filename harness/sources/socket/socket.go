package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/streambench/streambench/engines"
)

// DefaultBufferRecords bounds the records queued per partition for a
// client that has not taken them yet.
const DefaultBufferRecords = 1 << 14

// Options configures a Log.
type Options struct {
	// BufferRecords bounds the records per partition queued for the
	// client (DefaultBufferRecords when 0). What does not fit is dropped.
	BufferRecords int
	// Listen opens partition p's listener (net.Listen("tcp",
	// "127.0.0.1:0") when nil): tests pass their own.
	Listen func(p int) (net.Listener, error)
}

// Log is a text socket per partition that the driver publishes into and the
// engine connects to, as a netcat server feeds Spark's socketTextStream.
// Each partition has its own listener; one client at a time is served (a
// new connection replaces the old one, which is closed).
//
// Publish, Close and Published are called by one goroutine (the driver);
// the rest are safe for concurrent use.
type Log struct {
	fill     func(*engines.Record)
	bound    int64
	parts    []*partition
	progress chan struct{}
	wg       sync.WaitGroup
	shut     sync.Once
}

type partition struct {
	p  int
	ln net.Listener

	mu      sync.Mutex
	cond    *sync.Cond
	conn    net.Conn      // the client, nil when none is connected
	queue   []segment     // published, waiting for the writer
	queued  int64         // records in queue and being written
	ended   bool          // Close asked for the end line
	closed  bool          // Shutdown
	clients int           // connections accepted
	first   chan struct{} // closed at the first connection

	published atomic.Int64 // records published (the next offset)
	written   atomic.Int64 // records written to a client in full
	dropped   atomic.Int64 // records dropped
	buf       []byte       // Publish's scratch
}

// segment is the lines of one Publish.
type segment struct {
	data []byte
	n    int64
}

// Listen opens a listener per partition and starts serving them; fill
// makes a record's value and event time from its address when it is
// published.
func Listen(partitions int, fill func(*engines.Record), opts Options) (*Log, error) {
	if partitions < 1 {
		return nil, fmt.Errorf("socket source: %d partitions; want at least 1", partitions)
	}
	if opts.BufferRecords <= 0 {
		opts.BufferRecords = DefaultBufferRecords
	}
	if opts.Listen == nil {
		opts.Listen = func(int) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
	}
	l := &Log{fill: fill, bound: int64(opts.BufferRecords), progress: make(chan struct{}, 1)}
	for p := range partitions {
		ln, err := opts.Listen(p)
		if err != nil {
			for _, sp := range l.parts {
				sp.ln.Close()
			}
			return nil, fmt.Errorf("socket source: listen for partition %d: %w", p, err)
		}
		sp := &partition{p: p, ln: ln, first: make(chan struct{})}
		sp.cond = sync.NewCond(&sp.mu)
		l.parts = append(l.parts, sp)
	}
	for _, sp := range l.parts {
		l.wg.Go(func() { l.accept(sp) })
		l.wg.Go(func() { l.write(sp) })
	}
	return l, nil
}

// Addrs returns each partition's listening address, host:port.
func (l *Log) Addrs() []string {
	out := make([]string, len(l.parts))
	for i, sp := range l.parts {
		out[i] = sp.ln.Addr().String()
	}
	return out
}

// Partitions returns the number of partitions.
func (l *Log) Partitions() int { return len(l.parts) }

// Input returns the sockets as the engine reads them: the addresses to
// dial.
func (l *Log) Input() engines.Input {
	return engines.Input{Kind: engines.KindSocket, Addrs: l.Addrs()}
}

// Publish queues the lines of partition p's records up to offset end for
// its client. It never blocks: records published while no client is
// connected, or that do not fit in the bounded buffer because the client is
// slow, are dropped and counted (Dropped), as a server writing to a socket
// it cannot wait for does.
func (l *Log) Publish(p int, end int64, intended func(offset int64) int64) error {
	sp := l.parts[p]
	from := sp.published.Load()
	if end <= from {
		return nil
	}
	sp.mu.Lock()
	room := int64(0)
	if sp.conn != nil && !sp.closed {
		room = max(0, l.bound-sp.queued)
	}
	k := min(room, end-from)
	sp.queued += k // reserved, so the lines can be made outside the lock
	sp.published.Store(end)
	sp.dropped.Add(end - from - k)
	sp.mu.Unlock()
	if k == 0 {
		return nil
	}
	buf := sp.buf[:0]
	var r engines.Record
	for o := from; o < from+k; o++ {
		r = engines.Record{Partition: int32(p), Offset: o, Intended: intended(o)}
		l.fill(&r)
		buf = engines.AppendLine(buf, &r)
	}
	data := make([]byte, len(buf))
	copy(data, buf)
	sp.buf = buf
	sp.mu.Lock()
	if sp.conn == nil || sp.closed {
		// The client went away while the lines were being made.
		sp.queued -= k
		sp.mu.Unlock()
		sp.dropped.Add(k)
		return nil
	}
	sp.queue = append(sp.queue, segment{data: data, n: k})
	sp.cond.Broadcast()
	sp.mu.Unlock()
	return nil
}

// Close queues every partition's end line, after its records; it does not
// wait for slow clients. A client that connects later gets the end line at
// once.
func (l *Log) Close() error {
	for _, sp := range l.parts {
		sp.mu.Lock()
		sp.ended = true
		sp.cond.Broadcast()
		sp.mu.Unlock()
	}
	return nil
}

// Published returns the records published per partition, dropped ones
// included: what the oracle is asked about, so that a dropped record
// shows as lost.
func (l *Log) Published() []int64 {
	out := make([]int64, len(l.parts))
	for i, sp := range l.parts {
		out[i] = sp.published.Load()
	}
	return out
}

// ReadOffsets returns per partition the published records the socket is
// done with, written to the client or dropped, so that the driver's
// backlog is the records still queued for the client. (Counting only
// written records would hold the driver back for records that are gone.)
func (l *Log) ReadOffsets() []int64 {
	out := make([]int64, len(l.parts))
	for i, sp := range l.parts {
		sp.mu.Lock()
		out[i] = sp.published.Load() - sp.queued
		sp.mu.Unlock()
	}
	return out
}

// Read returns how many records were written to clients in full: what the
// engine received.
func (l *Log) Read() int64 {
	var n int64
	for _, sp := range l.parts {
		n += sp.written.Load()
	}
	return n
}

// Dropped returns how many published records never went to a client: no
// client was connected, the buffer was full, or the connection failed while
// they were being written (some of those may have reached the client).
func (l *Log) Dropped() int64 {
	var n int64
	for _, sp := range l.parts {
		n += sp.dropped.Load()
	}
	return n
}

// Clients returns how many connections partition p has accepted.
func (l *Log) Clients(p int) int {
	sp := l.parts[p]
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.clients
}

// Connected reports whether every partition has a client.
func (l *Log) Connected() bool {
	for _, sp := range l.parts {
		sp.mu.Lock()
		c := sp.conn != nil
		sp.mu.Unlock()
		if !c {
			return false
		}
	}
	return true
}

// WaitConnected returns once every partition has had a client, or ctx.Err()
// when ctx ends first. The driver waits for it before its first publish,
// as nc -lk holds its input until a client connects: an engine that starts
// slowly then sees send delay and latency, not loss. From then on, records
// published while no client is connected are dropped.
func (l *Log) WaitConnected(ctx context.Context) error {
	for _, sp := range l.parts {
		select {
		case <-sp.first:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Progress receives a value when records are written to a client.
func (l *Log) Progress() <-chan struct{} { return l.progress }

// Disconnect closes partition p's client connection, as a network fault or
// a restarted server would; what was queued for it is dropped. The
// listener stays open, so the client can connect again.
func (l *Log) Disconnect(p int) {
	sp := l.parts[p]
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.conn != nil {
		sp.conn.Close()
		sp.conn = nil
		sp.dropQueue()
	}
}

// Shutdown closes the listeners and connections and waits for the
// goroutines serving them. Records still queued are dropped.
func (l *Log) Shutdown() {
	l.shut.Do(func() {
		for _, sp := range l.parts {
			sp.ln.Close()
			sp.mu.Lock()
			sp.closed = true
			if sp.conn != nil {
				sp.conn.Close()
				sp.conn = nil
			}
			sp.dropQueue()
			sp.cond.Broadcast()
			sp.mu.Unlock()
		}
		l.wg.Wait()
	})
}

// dropQueue drops the queued segments; sp.mu is held. Segments the writer
// has taken are its to count.
func (sp *partition) dropQueue() {
	for _, s := range sp.queue {
		sp.dropped.Add(s.n)
		sp.queued -= s.n
	}
	sp.queue = nil
}

// accept takes connections until the listener closes; a new one replaces
// the client.
func (l *Log) accept(sp *partition) {
	for {
		c, err := sp.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// A transient accept error ends serving this partition;
				// the engine sees its socket refuse and the run fails.
				sp.ln.Close()
			}
			return
		}
		sp.mu.Lock()
		if sp.closed {
			sp.mu.Unlock()
			c.Close()
			return
		}
		if sp.conn != nil {
			sp.conn.Close()
		}
		sp.conn = c
		if sp.clients++; sp.clients == 1 {
			close(sp.first)
		}
		sp.cond.Broadcast()
		sp.mu.Unlock()
	}
}

// write writes queued segments to the client, and the end line once the
// input is over.
func (l *Log) write(sp *partition) {
	for {
		sp.mu.Lock()
		for !sp.closed && (sp.conn == nil || len(sp.queue) == 0 && !sp.ended) {
			sp.cond.Wait()
		}
		if sp.closed {
			sp.mu.Unlock()
			return
		}
		c := sp.conn
		if len(sp.queue) == 0 { // ended, and everything before it written
			sp.conn = nil
			sp.mu.Unlock()
			c.Write(engines.AppendEndLine(nil, sp.p, sp.published.Load()))
			c.Close()
			continue
		}
		segs := sp.queue
		sp.queue = nil
		sp.mu.Unlock()

		bufs := make(net.Buffers, len(segs))
		for i, s := range segs {
			bufs[i] = s.data
		}
		n, err := bufs.WriteTo(c)
		var done, lost int64
		for _, s := range segs {
			if n >= int64(len(s.data)) {
				n -= int64(len(s.data))
				done += s.n
			} else {
				lost += s.n
			}
		}
		sp.written.Add(done)
		sp.dropped.Add(lost)
		sp.mu.Lock()
		sp.queued -= done + lost
		if err != nil && sp.conn == c {
			c.Close()
			sp.conn = nil
			sp.dropQueue()
		}
		sp.mu.Unlock()
		select {
		case l.progress <- struct{}{}:
		default:
		}
	}
}
