package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// peer is the sending side of the connection to one other node. Its
// goroutine, started by the first send, dials, says Hello, reads the
// credits the peer grants, and dials again with backoff when the
// connection breaks.
type peer[M any] struct {
	n    *Node[M]
	addr string

	mu      sync.Mutex
	started bool
	conn    net.Conn       // nil until the peer is Ready, and after a break
	credits map[uint32]int // per task the peer runs: batches it has room for
	// written and returned count, per task, the batches written to conn
	// and the credits conn has returned since its Ready: batch k of a
	// task is in the peer's queue once returned reaches k (Confirm).
	written  map[uint32]uint64
	returned map[uint32]uint64
	changed  chan struct{} // closed (and replaced) when conn or credits change
	dialing  bool          // a connection attempt is under way
	refused  error         // the peer's last Reject, until a Hello succeeds
	wmu      sync.Mutex    // serialises frame writes on conn
}

func newPeer[M any](n *Node[M], addr string) *peer[M] {
	return &peer[M]{n: n, addr: addr, changed: make(chan struct{})}
}

// notify wakes the senders waiting for a change; p.mu is held.
func (p *peer[M]) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// send encodes batch for task dst and writes it once the peer has credit
// for dst, waiting for credit and connections if wait is set.
func (p *peer[M]) send(ctx context.Context, dst int, batch []M, wait bool) (bool, error) {
	n := p.n
	bp := n.getBuf()
	defer n.putBuf(bp)
	frame, start := beginFrame(*bp, KindBatch, uint32(dst))
	if cc, ok := n.cfg.Codec.(CheckedCodec[M]); ok {
		var err error
		if frame, err = cc.AppendBatchErr(frame, batch); err != nil {
			return false, fmt.Errorf("send %d messages to task %d: %w", len(batch), dst, err)
		}
	} else {
		frame = n.cfg.Codec.AppendBatch(frame, batch)
	}
	endFrame(frame, start)
	*bp = frame
	if len(frame)-4 > n.cfg.MaxFrameSize {
		return false, fmt.Errorf("send %d messages to task %d: %w: %d bytes, limit %d (send smaller batches)",
			len(batch), dst, ErrFrameTooLarge, len(frame)-4, n.cfg.MaxFrameSize)
	}

	for {
		p.mu.Lock()
		if !p.started {
			p.started, p.dialing = true, true
			n.wg.Add(1)
			go p.run()
		}
		if n.ctx.Err() != nil {
			p.mu.Unlock()
			return false, engines.ErrTransportClosed
		}
		if conn := p.conn; conn != nil {
			c, runs := p.credits[uint32(dst)]
			if !runs {
				p.mu.Unlock()
				return false, fmt.Errorf("send to task %d: peer %s does not run it: %w", dst, p.addr, engines.ErrUnknownTask)
			}
			if c > 0 {
				p.credits[uint32(dst)] = c - 1
				p.mu.Unlock()
				p.wmu.Lock()
				// The batch's number on conn, taken in the order of the
				// writes, which is the order the credits come back in.
				p.mu.Lock()
				seq := p.written[uint32(dst)] + 1
				if p.conn == conn {
					p.written[uint32(dst)] = seq
				}
				p.mu.Unlock()
				err := n.writeFrame(conn, frame)
				p.wmu.Unlock()
				if err == nil && (!n.cfg.Confirm || !wait) {
					return true, nil
				}
				if err == nil {
					if p.confirmed(ctx, conn, dst, seq) {
						return true, nil
					}
					if err := ctx.Err(); err != nil {
						return false, err
					}
					if n.ctx.Err() != nil {
						return false, engines.ErrTransportClosed
					}
					// The connection broke before the peer had the batch
					// in its queue: send it again on the next one.
					continue
				}
				// Not written whole: the receiver drops the cut frame with
				// the connection, so sending it again cannot duplicate it.
				p.broken(conn, err)
				if !wait {
					return false, nil
				}
				continue
			}
		} else if p.refused != nil {
			err := p.refused
			p.mu.Unlock()
			return false, fmt.Errorf("send to task %d: %w", dst, err)
		}
		changed := p.changed
		// TrySend waits for an attempt to connect that is under way (the
		// first one, or one after the backoff), so that false means what
		// it means locally: no room until the receiver drains. Between
		// attempts to reach a peer that is down, it returns false at once.
		connecting := p.conn == nil && p.dialing
		p.mu.Unlock()
		if !wait && !connecting {
			return false, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false, ctx.Err()
		case <-n.ctx.Done():
			return false, engines.ErrTransportClosed
		}
	}
}

// confirmed waits until batch seq of task dst written to conn is in the
// peer's queue (true), or conn breaks or ctx or the node ends (false).
func (p *peer[M]) confirmed(ctx context.Context, conn net.Conn, dst int, seq uint64) bool {
	for {
		p.mu.Lock()
		if p.conn != conn {
			p.mu.Unlock()
			return false
		}
		if p.returned[uint32(dst)] >= seq {
			p.mu.Unlock()
			return true
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-p.n.ctx.Done():
			return false
		}
	}
}

// broken retires conn after a failure; the peer's goroutine dials again.
func (p *peer[M]) broken(conn net.Conn, err error) {
	p.mu.Lock()
	if p.conn == conn {
		p.conn, p.credits = nil, nil
		p.notify()
		if p.n.ctx.Err() == nil {
			p.n.log.Warn("connection to peer lost", "peer", p.addr, "reason", err)
		}
	}
	p.mu.Unlock()
	conn.Close()
}

// run keeps a connection to the peer until the node closes.
func (p *peer[M]) run() {
	n := p.n
	defer n.wg.Done()
	backoff := n.cfg.MinBackoff
	for n.ctx.Err() == nil {
		p.mu.Lock()
		p.dialing = true
		p.mu.Unlock()
		conn, br, credits, err := p.connect()
		if err != nil {
			p.mu.Lock()
			p.dialing = false
			p.notify()
			if errors.Is(err, ErrRejected) {
				p.refused = err
			}
			p.mu.Unlock()
			if n.ctx.Err() != nil {
				return
			}
			n.log.Debug("cannot connect to peer", "peer", p.addr, "reason", err, "retry_in", backoff)
			if !n.wait(backoff) {
				return
			}
			backoff = min(2*backoff, n.cfg.MaxBackoff)
			continue
		}
		backoff = n.cfg.MinBackoff
		p.mu.Lock()
		p.conn, p.credits, p.refused, p.dialing = conn, credits, nil, false
		p.written, p.returned = map[uint32]uint64{}, map[uint32]uint64{}
		p.notify()
		p.mu.Unlock()
		stop := context.AfterFunc(n.ctx, func() { conn.Close() })
		err = p.readCredits(conn, br)
		stop()
		p.broken(conn, err)
	}
}

// connect dials the peer and exchanges Hello and Ready.
func (p *peer[M]) connect() (net.Conn, *bufio.Reader, map[uint32]int, error) {
	n := p.n
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.HandshakeTimeout)
	defer cancel()
	conn, err := n.cfg.Dial(ctx, p.addr)
	if err != nil {
		return nil, nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fail := func(err error) (net.Conn, *bufio.Reader, map[uint32]int, error) {
		conn.Close()
		return nil, nil, nil, err
	}
	conn.SetDeadline(time.Now().Add(n.cfg.HandshakeTimeout))
	var h []byte
	h, start := beginFrame(h, KindHello, 0)
	h = appendHello(h, hello{Token: n.cfg.Token, ID: n.cfg.ID, Codec: n.cfg.Codec.Name()})
	endFrame(h, start)
	if _, err := conn.Write(h); err != nil {
		return fail(fmt.Errorf("write hello: %w", err))
	}
	br := bufio.NewReader(conn)
	credits := map[uint32]int{}
	var buf []byte
	for {
		var f Frame
		f, buf, err = ReadFrame(br, min(n.cfg.MaxFrameSize, 64<<10), buf)
		if err != nil {
			return fail(fmt.Errorf("read ready: %w", err))
		}
		switch f.Kind {
		case KindCredit:
			c, err := decodeCredit(f.Payload)
			if err != nil {
				return fail(err)
			}
			credits[f.Task] += c
		case KindReady:
			if !stop() {
				return fail(ctx.Err())
			}
			conn.SetDeadline(time.Time{})
			return conn, br, credits, nil
		case KindReject:
			return fail(fmt.Errorf("%w: %s", ErrRejected, f.Payload))
		default:
			return fail(fmt.Errorf("%w: %s frame in the handshake", ErrMalformedFrame, f.Kind))
		}
	}
}

// readCredits adds the credits the peer returns until the connection fails.
func (p *peer[M]) readCredits(conn net.Conn, r io.Reader) error {
	var buf []byte
	for {
		f, b, err := ReadFrame(r, 64<<10, buf)
		buf = b
		if err != nil {
			return err
		}
		if f.Kind != KindCredit {
			return fmt.Errorf("%w: %s frame from a receiver", ErrMalformedFrame, f.Kind)
		}
		c, err := decodeCredit(f.Payload)
		if err != nil {
			return err
		}
		p.mu.Lock()
		if p.conn == conn {
			p.credits[f.Task] += c
			p.returned[f.Task] += uint64(c)
			p.notify()
		}
		p.mu.Unlock()
	}
}
