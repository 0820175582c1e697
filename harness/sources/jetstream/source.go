package jetstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/streambench/streambench/engines"
)

// Defaults of SourceOptions.
const (
	DefaultPrefetch     = 1 << 16
	DefaultRetain       = 1 << 14
	DefaultPullMessages = 64
	replayCacheBatches  = 8
)

// ErrSourceClosed is returned by Fetch and Wait after Close.
var ErrSourceClosed = errors.New("source closed")

// SourceOptions tune a Source's buffers; the zero value is the defaults.
type SourceOptions struct {
	// Prefetch is how many records per partition the reader decodes ahead
	// of the furthest offset asked for (DefaultPrefetch when 0).
	Prefetch int64
	// Retain is how many records per partition stay decoded behind it
	// (DefaultRetain when 0), so that a replay of recent offsets is served
	// from memory. Older offsets are read again from the stream by sequence.
	Retain int64
	// PullMessages is how many messages a reader asks the server for at a
	// time (DefaultPullMessages when 0).
	PullMessages int
}

// Source is the consumer side of a run's stream: an engines.Source that can
// be opened by name in any process that reaches the server. Per partition a
// reader (an ordered consumer on the partition's subject) decodes messages
// into a bounded window of records and keeps an index from each message's
// first offset to its stream sequence, so Fetch never waits on the network:
// records in the window are copied out; an older offset is reread with one
// GetMsg in the background while Fetch says (0, nil) and Wait waits for it.
//
// Fetch, Wait, Read and ReadOffsets are safe for concurrent use.
type Source struct {
	name   string
	stream js.Stream
	opts   SourceOptions
	parts  []*srcPartition

	// Replays waiting for the loader: a queue, not a bounded channel, so a
	// request is never dropped while its Wait sleeps on its partition.
	loadMu    sync.Mutex
	loadQueue []loadRequest
	loadKick  chan struct{}
	progress  chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	its    []js.MessagesContext
}

var _ engines.Source = (*Source)(nil)

// srcBatch is one decoded message: offsets [first, last).
type srcBatch struct {
	first, last int64
	seq         uint64
	recs        []engines.Record
	err         error // for a replay that could not reread the message
}

func (b *srcBatch) end() int64 { return b.last }

type seqAt struct {
	first int64
	seq   uint64
}

type loadRequest struct {
	sp  *srcPartition
	at  seqAt
	end int64 // the message's end, as the index says
}

type srcPartition struct {
	p       int
	subject string
	read    atomic.Int64  // highest offset fetched + 1
	kick    chan struct{} // wakes a reader waiting for consumers to advance

	mu       sync.Mutex
	window   []*srcBatch // decoded messages, consecutive
	end      int64       // offsets below end are decoded (or were)
	want     int64       // the furthest offset asked for
	final    bool        // the partition is closed at finalEnd
	finalEnd int64
	knownEnd int64 // the end when the source was opened
	caughtUp bool  // the reader had nothing pending at its last message
	err      error // the reader stopped on this at end
	index    []seqAt
	replays  []*srcBatch
	loading  map[uint64]bool
	spare    [][]engines.Record
	notify   chan struct{} // closed and replaced on every change
	closed   bool
}

// OpenSource opens the named stream, made by CreateLog here or in another
// process, and starts its partitions' readers from offset 0.
func OpenSource(ctx context.Context, c *Conn, stream string, opts SourceOptions) (*Source, error) {
	if opts.Prefetch <= 0 {
		opts.Prefetch = DefaultPrefetch
	}
	if opts.Retain <= 0 {
		opts.Retain = DefaultRetain
	}
	if opts.PullMessages <= 0 {
		opts.PullMessages = DefaultPullMessages
	}
	st, prefix, n, err := openStream(ctx, c, stream)
	if err != nil {
		return nil, err
	}
	s := &Source{name: stream, stream: st, opts: opts, loadKick: make(chan struct{}, 1), progress: make(chan struct{}, 1)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for p := range n {
		sp := &srcPartition{
			p:       p,
			subject: subject(prefix, p),
			kick:    make(chan struct{}, 1),
			loading: map[uint64]bool{},
			notify:  make(chan struct{}),
		}
		if err := s.openEnd(ctx, sp); err != nil {
			s.Close()
			return nil, err
		}
		s.parts = append(s.parts, sp)
	}
	for _, sp := range s.parts {
		cons, err := st.OrderedConsumer(ctx, js.OrderedConsumerConfig{
			FilterSubjects:    []string{sp.subject},
			DeliverPolicy:     js.DeliverAllPolicy,
			InactiveThreshold: time.Minute,
		})
		if err == nil {
			var it js.MessagesContext
			it, err = cons.Messages(js.PullMaxMessages(opts.PullMessages))
			if err == nil {
				s.its = append(s.its, it)
				s.wg.Add(1)
				go s.readPartition(sp, it)
				continue
			}
		}
		s.Close()
		return nil, fmt.Errorf("stream %q: consumer on %s: %w", stream, sp.subject, err)
	}
	s.wg.Add(1)
	go s.loadReplays()
	return s, nil
}

// openEnd learns the partition's end from its last message, so that an
// offset past it is out of range before the reader gets there.
func (s *Source) openEnd(ctx context.Context, sp *srcPartition) error {
	m, err := s.stream.GetLastMsgForSubject(ctx, sp.subject)
	if errors.Is(err, js.ErrMsgNotFound) {
		sp.caughtUp = true // empty: nothing to catch up with
		return nil
	}
	if err != nil {
		return fmt.Errorf("stream %q: last message of %s: %w", s.name, sp.subject, err)
	}
	h, _, err := decodeHeader(m.Data)
	if err != nil {
		return s.foreign(sp, m.Sequence, err)
	}
	sp.knownEnd = h.end()
	if h.closed {
		sp.final, sp.finalEnd = true, h.first
	}
	return nil
}

func (s *Source) foreign(sp *srcPartition, seq uint64, err error) error {
	return fmt.Errorf("stream %q sequence %d on %s: %w: only a Log may publish to a log's subjects; use another stream", s.name, seq, sp.subject, err)
}

// readPartition is partition sp's reader.
func (s *Source) readPartition(sp *srcPartition, it js.MessagesContext) {
	defer s.wg.Done()
	for {
		m, err := it.Next()
		if err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, js.ErrMsgIteratorClosed) {
				sp.stop(fmt.Errorf("stream %q: reading %s: %w", s.name, sp.subject, err))
			}
			return
		}
		meta, err := m.Metadata()
		if err != nil {
			sp.stop(fmt.Errorf("stream %q: reading %s: %w", s.name, sp.subject, err))
			return
		}
		seq := meta.Sequence.Stream
		sp.mu.Lock()
		var recs []engines.Record
		if n := len(sp.spare); n > 0 {
			recs, sp.spare = sp.spare[n-1], sp.spare[:n-1]
		}
		sp.mu.Unlock()
		recs, p, first, closed, err := DecodeBatch(m.Data(), recs)
		if err == nil && int(p) != sp.p {
			err = fmt.Errorf("%w: a batch of partition %d", ErrCorruptBatch, p)
		}
		if err != nil {
			sp.stop(s.foreign(sp, seq, err))
			return
		}

		sp.mu.Lock()
		if first != sp.end {
			sp.err = fmt.Errorf("stream %q sequence %d on %s: %w: the batch starts at offset %d, want %d (did two producers write the partition?)",
				s.name, seq, sp.subject, ErrCorruptBatch, first, sp.end)
			sp.wake()
			sp.mu.Unlock()
			return
		}
		if closed {
			sp.final, sp.finalEnd = true, first
		} else if len(recs) > 0 {
			sp.window = append(sp.window, &srcBatch{first: first, last: first + int64(len(recs)), seq: seq, recs: recs})
			sp.index = append(sp.index, seqAt{first, seq})
			sp.end += int64(len(recs))
		}
		sp.caughtUp = meta.NumPending == 0
		sp.evict(s.opts.Retain)
		sp.wake()
		sp.mu.Unlock()
		if closed {
			return // nothing follows a closing marker
		}
		// Read ahead of the consumers by at most Prefetch records.
		for {
			sp.mu.Lock()
			ahead := sp.end - max(sp.read.Load(), sp.want)
			sp.mu.Unlock()
			if ahead <= s.opts.Prefetch {
				break
			}
			select {
			case <-sp.kick:
			case <-s.ctx.Done():
				return
			}
		}
	}
}

// stop records why the reader stopped; Fetch returns it at the end.
func (sp *srcPartition) stop(err error) {
	sp.mu.Lock()
	sp.err = err
	sp.wake()
	sp.mu.Unlock()
}

// evict drops the window's batches more than retain records behind the
// furthest offset asked for. sp.mu is held.
func (sp *srcPartition) evict(retain int64) {
	floor := max(sp.read.Load(), sp.want) - retain
	for len(sp.window) > 1 && sp.window[0].end() <= floor {
		b := sp.window[0]
		sp.window[0] = nil
		sp.window = sp.window[1:]
		if len(sp.spare) < 4 {
			sp.spare = append(sp.spare, b.recs[:0])
		}
	}
}

// wake tells waiters something changed. sp.mu is held.
func (sp *srcPartition) wake() {
	close(sp.notify)
	sp.notify = make(chan struct{})
}

// advance records that a consumer asked for offset, and lets a reader
// waiting for room go on. sp.mu is held.
func (sp *srcPartition) advance(offset int64) {
	if offset > sp.want {
		sp.want = offset
		select {
		case sp.kick <- struct{}{}:
		default:
		}
	}
}

// Partitions implements engines.Source.
func (s *Source) Partitions() int { return len(s.parts) }

// Stream returns the stream's name.
func (s *Source) Stream() string { return s.name }

// Fetch implements engines.Source.
func (s *Source) Fetch(p int, offset int64, buf []engines.Record) (int, error) {
	sp := s.parts[p]
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.closed {
		return 0, ErrSourceClosed
	}
	if offset < 0 {
		return 0, engines.ErrOffsetOutOfRange
	}
	if offset >= sp.end {
		switch {
		case sp.final && offset == sp.finalEnd:
			return 0, io.EOF
		case sp.final && offset > sp.finalEnd:
			return 0, engines.ErrOffsetOutOfRange
		case sp.err != nil:
			return 0, sp.err
		case sp.caughtUp && offset > max(sp.end, sp.knownEnd):
			return 0, engines.ErrOffsetOutOfRange
		}
		sp.advance(offset)
		return 0, nil
	}
	n := 0
	if len(sp.window) > 0 && offset >= sp.window[0].first {
		i := sort.Search(len(sp.window), func(i int) bool { return sp.window[i].end() > offset })
		for o := offset; i < len(sp.window) && n < len(buf); i++ {
			b := sp.window[i]
			c := copy(buf[n:], b.recs[o-b.first:])
			n += c
			o += int64(c)
		}
	} else {
		b := sp.replayed(offset)
		if b == nil {
			s.requestLoad(sp, offset)
			return 0, nil
		}
		if b.err != nil {
			return 0, b.err
		}
		n = copy(buf, b.recs[offset-b.first:])
	}
	for {
		read := sp.read.Load()
		if offset+int64(n) <= read {
			break
		}
		if sp.read.CompareAndSwap(read, offset+int64(n)) {
			select {
			case s.progress <- struct{}{}:
			default:
			}
			break
		}
	}
	sp.advance(offset + int64(n))
	return n, nil
}

// Wait implements engines.Source. It returns once Fetch at offset has
// records, an error or io.EOF to give.
func (s *Source) Wait(ctx context.Context, p int, offset int64) error {
	sp := s.parts[p]
	for {
		sp.mu.Lock()
		ch := sp.notify
		ready := s.ready(sp, offset)
		closed := sp.closed
		sp.mu.Unlock()
		if closed {
			return ErrSourceClosed
		}
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

// ready reports whether Fetch at offset would return something other than
// (0, nil), starting what makes it so. sp.mu is held.
func (s *Source) ready(sp *srcPartition, offset int64) bool {
	switch {
	case offset < 0 || sp.err != nil || (sp.final && offset >= sp.finalEnd):
		return true
	case offset >= sp.end:
		sp.advance(offset)
		return false
	case len(sp.window) > 0 && offset >= sp.window[0].first:
		return true
	case sp.replayed(offset) != nil:
		return true
	}
	s.requestLoad(sp, offset)
	return false
}

// replayed returns the cached replay batch holding offset, or nil. sp.mu is
// held.
func (sp *srcPartition) replayed(offset int64) *srcBatch {
	for _, b := range sp.replays {
		if b.first <= offset && offset < b.last {
			return b
		}
	}
	return nil
}

// requestLoad asks the loader for the message holding offset (below the
// window, so the index has it). sp.mu is held.
func (s *Source) requestLoad(sp *srcPartition, offset int64) {
	i := sort.Search(len(sp.index), func(i int) bool { return sp.index[i].first > offset }) - 1
	if i < 0 {
		return // cannot happen: every offset below end was indexed
	}
	at := sp.index[i]
	if sp.loading[at.seq] {
		return
	}
	end := sp.end
	if i+1 < len(sp.index) {
		end = sp.index[i+1].first
	}
	sp.loading[at.seq] = true
	s.loadMu.Lock()
	s.loadQueue = append(s.loadQueue, loadRequest{sp: sp, at: at, end: end})
	s.loadMu.Unlock()
	select {
	case s.loadKick <- struct{}{}:
	default:
	}
}

// loadReplays rereads messages by stream sequence for replays older than
// the windows.
func (s *Source) loadReplays() {
	defer s.wg.Done()
	for {
		s.loadMu.Lock()
		var req loadRequest
		queued := len(s.loadQueue) > 0
		if queued {
			req = s.loadQueue[0]
			s.loadQueue = s.loadQueue[1:]
		}
		s.loadMu.Unlock()
		if !queued {
			select {
			case <-s.loadKick:
			case <-s.ctx.Done():
				return
			}
			continue
		}
		b := &srcBatch{first: req.at.first, last: req.end, seq: req.at.seq}
		m, err := s.stream.GetMsg(s.ctx, req.at.seq)
		switch {
		case s.ctx.Err() != nil:
			return
		case errors.Is(err, js.ErrMsgNotFound):
			// Retention (MaxAge) or a purge removed it.
			b.err = fmt.Errorf("%w: offset %d of %s left the stream's retention (sequence %d is gone)", engines.ErrOffsetOutOfRange, req.at.first, req.sp.subject, req.at.seq)
		case err != nil:
			b.err = fmt.Errorf("stream %q: reread sequence %d of %s: %w", s.name, req.at.seq, req.sp.subject, err)
		default:
			var p int32
			var first int64
			b.recs, p, first, _, err = DecodeBatch(m.Data, nil)
			if got := first + int64(len(b.recs)); err == nil && (int(p) != req.sp.p || first != req.at.first || got != req.end) {
				err = fmt.Errorf("%w: reread gave partition %d offsets [%d, %d), the index says [%d, %d)", ErrCorruptBatch, p, first, got, req.at.first, req.end)
			}
			if err != nil {
				b.recs, b.err = nil, s.foreign(req.sp, req.at.seq, err)
			}
		}
		sp := req.sp
		sp.mu.Lock()
		delete(sp.loading, req.at.seq)
		if len(sp.replays) >= replayCacheBatches {
			copy(sp.replays, sp.replays[1:])
			sp.replays = sp.replays[:len(sp.replays)-1]
		}
		sp.replays = append(sp.replays, b)
		sp.wake()
		sp.mu.Unlock()
	}
}

// ReadOffsets returns, per partition, the highest offset fetched + 1: what
// the harness subtracts from Published to get the backlog.
func (s *Source) ReadOffsets() []int64 {
	out := make([]int64, len(s.parts))
	for p, sp := range s.parts {
		out[p] = sp.read.Load()
	}
	return out
}

// Progress returns a channel that receives (without blocking the sender)
// when a consumer fetches past its partition's furthest offset: a driver
// holding back for a full backlog waits on it, as it does on the
// GeneratorSource's.
func (s *Source) Progress() <-chan struct{} { return s.progress }

// Read returns how many distinct records have been fetched, over every
// partition (a replayed record counts once).
func (s *Source) Read() int64 {
	var n int64
	for _, sp := range s.parts {
		n += sp.read.Load()
	}
	return n
}

// Close stops the readers; Fetch and Wait then return ErrSourceClosed. It
// leaves the stream on the server.
func (s *Source) Close() error {
	s.cancel()
	for _, it := range s.its {
		it.Stop()
	}
	s.wg.Wait()
	for _, sp := range s.parts {
		sp.mu.Lock()
		sp.closed = true
		sp.wake()
		sp.mu.Unlock()
	}
	return nil
}
