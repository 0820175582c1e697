package engines

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ErrSocketClosed is wrapped by the error of a socket partition whose
// connection ended before its end line: the rest of its records are gone.
var ErrSocketClosed = errors.New("the socket closed before its end line")

// DefaultSocketBuffer is how many received records a ForwardSource holds
// per partition before it stops reading the socket (and TCP's flow control
// pushes back on the sender).
const DefaultSocketBuffer = 1 << 16

// ForwardSource reads a push source, a text socket per partition
// (Input.Addrs, one record a line, AppendLine; DialSockets) or a queue or a
// feed (ReceiveForward), as a Source, for engines whose consumers fetch:
// the shape of a Storm spout over a push source (storm-starter's
// TwitterSampleSpout), where a reader goroutine fills a bounded queue and
// NextTuple polls it without blocking.
//
// A socket keeps nothing to replay. A partition's offsets here count the
// records received from its socket (the records keep the offsets the
// lines carry); Fetch at an offset discards what came before it, and a
// fetch behind that, a replay, is ErrOffsetOutOfRange. So a ForwardSource
// serves consumers that only move forward: an unreliable spout, a
// non-transactional batch spout, a hand-written loop.
//
// A connection that closes before its end line, or a line that is not in
// the line format, ends the partition with an error naming the address,
// which Fetch returns once the records before it are fetched. Close stops
// the readers. Methods are safe for concurrent use.
type ForwardSource struct {
	parts  []*socketPartition
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ Source = (*ForwardSource)(nil)

type socketPartition struct {
	p     int
	addr  string
	name  string // "socket <addr>", "queue", "feed": for messages
	noun  string // "a socket", ...
	bound int

	mu     sync.Mutex
	base   int64    // the position of recs[0] among the records received
	recs   []Record // received and not yet discarded
	ended  bool     // the end line arrived
	err    error    // the partition ended with this error
	notify chan struct{}
	room   chan struct{}
}

// DialSockets connects to every address, partition p to addrs[p], and
// starts reading them; buffer bounds the records held per partition
// (DefaultSocketBuffer when 0). A connection refused is an error naming the
// address, and nothing is left open.
func DialSockets(ctx context.Context, addrs []string, buffer int) (*ForwardSource, error) {
	if buffer <= 0 {
		buffer = DefaultSocketBuffer
	}
	conns := make([]net.Conn, len(addrs))
	d := net.Dialer{Timeout: 10 * time.Second}
	for p, addr := range addrs {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			for _, c := range conns[:p] {
				c.Close()
			}
			return nil, fmt.Errorf("socket partition %d: connect to %s: %w", p, addr, err)
		}
		conns[p] = c
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &ForwardSource{cancel: cancel}
	for p, c := range conns {
		sp := &socketPartition{p: p, addr: addrs[p], name: "socket " + addrs[p], noun: "a socket", bound: buffer, notify: make(chan struct{}), room: make(chan struct{}, 1)}
		s.parts = append(s.parts, sp)
		stop := context.AfterFunc(rctx, func() { c.Close() })
		s.wg.Go(func() {
			defer stop()
			defer c.Close()
			sp.finish(sp.read(rctx, c))
		})
	}
	return s, nil
}

// Close stops reading and closes the connections; it returns once every
// reader has stopped.
func (s *ForwardSource) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Partitions implements Source.
func (s *ForwardSource) Partitions() int { return len(s.parts) }

// Fetch implements Source: it copies the records received at offset and
// after, discarding those before offset.
func (s *ForwardSource) Fetch(p int, offset int64, buf []Record) (int, error) {
	sp := s.parts[p]
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if offset < sp.base {
		if sp.err != nil {
			// A consumer retrying after the partition failed: name the
			// cause, not only the retry.
			return 0, fmt.Errorf("%w; and offset %d, fetched before, cannot be fetched again: %w", sp.err, offset, ErrOffsetOutOfRange)
		}
		return 0, fmt.Errorf("%s (partition %d): offset %d was fetched before, and %s keeps nothing to replay: %w",
			sp.name, p, offset, sp.noun, ErrOffsetOutOfRange)
	}
	if offset > sp.base+int64(len(sp.recs)) {
		return 0, fmt.Errorf("%s (partition %d): offset %d is past the %d records received: %w",
			sp.name, p, offset, sp.base+int64(len(sp.recs)), ErrOffsetOutOfRange)
	}
	if k := int(offset - sp.base); k > 0 {
		clear(sp.recs[:k]) // let go of the values
		sp.recs = sp.recs[k:]
		sp.base = offset
		select {
		case sp.room <- struct{}{}:
		default:
		}
	}
	n := copy(buf, sp.recs)
	if n > 0 || len(buf) == 0 && len(sp.recs) > 0 {
		return n, nil
	}
	switch {
	case sp.err != nil:
		return 0, sp.err
	case sp.ended:
		return 0, io.EOF
	}
	return 0, nil
}

// Wait implements Source.
func (s *ForwardSource) Wait(ctx context.Context, p int, offset int64) error {
	sp := s.parts[p]
	for {
		sp.mu.Lock()
		ready := offset < sp.base+int64(len(sp.recs)) || sp.ended || sp.err != nil
		ch := sp.notify
		sp.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// read reads lines until the end line, an error or ctx's end.
func (sp *socketPartition) read(ctx context.Context, c net.Conn) error {
	br := bufio.NewReaderSize(c, 64<<10)
	var (
		batch  []Record
		lineNo int64
		long   []byte
	)
	for {
		frag, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(frag) > MaxLineBytes {
				return fmt.Errorf("socket %s (partition %d), line %d: %w: longer than %d bytes", sp.addr, sp.p, lineNo+1, ErrBadLine, MaxLineBytes)
			}
			long = append(long, frag...)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if perr := sp.push(ctx, batch); perr != nil {
				return perr
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("socket %s (partition %d): %w, after %d lines", sp.addr, sp.p, ErrSocketClosed, lineNo)
			}
			return fmt.Errorf("socket %s (partition %d): %w", sp.addr, sp.p, err)
		}
		line := frag
		if long != nil {
			line = append(long, frag...)
			long = nil
		}
		lineNo++
		l, err := ParseLine(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'}))
		if err == nil && int(l.Record.Partition) != sp.p {
			err = fmt.Errorf("%w: a record of partition %d on the socket of partition %d", ErrBadLine, l.Record.Partition, sp.p)
		}
		if err != nil {
			sp.push(ctx, batch)
			return fmt.Errorf("socket %s (partition %d), line %d: %w", sp.addr, sp.p, lineNo, err)
		}
		if l.End {
			if err := sp.push(ctx, batch); err != nil {
				return err
			}
			return nil
		}
		batch = append(batch, l.Record)
		if len(batch) >= 256 || br.Buffered() == 0 {
			if err := sp.push(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0:0]
		}
	}
}

// push appends recs, waiting while the partition holds its bound.
func (sp *socketPartition) push(ctx context.Context, recs []Record) error {
	for len(recs) > 0 {
		sp.mu.Lock()
		n := min(len(recs), sp.bound-len(sp.recs))
		if n > 0 {
			sp.recs = append(sp.recs, recs[:n]...)
			recs = recs[n:]
			close(sp.notify)
			sp.notify = make(chan struct{})
		}
		sp.mu.Unlock()
		if len(recs) == 0 {
			return nil
		}
		select {
		case <-sp.room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// finish ends the partition: with its end line (err nil) or an error.
func (sp *socketPartition) finish(err error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if err == nil {
		sp.ended = true
	} else if !errors.Is(err, context.Canceled) {
		sp.err = err
	} else {
		sp.err = fmt.Errorf("%s (partition %d): closed by the reader: %w", sp.name, sp.p, err)
	}
	close(sp.notify)
	sp.notify = make(chan struct{})
}
