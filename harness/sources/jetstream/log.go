package jetstream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/streambench/streambench/engines"
)

// Defaults of LogConfig.
const (
	// DefaultBatchRecords makes messages of a few KiB for values of tens of
	// bytes: JetStream's cost is per message (tens of microseconds on two
	// cores, research notes C), so batching is what lifts a stream from
	// ~60k to millions of records per second, as Kafka's record batches do.
	DefaultBatchRecords = 256
	// DefaultMaxPending bounds the messages awaiting their acks. With 256
	// records a message it is ~64k records in flight: enough to keep the
	// server busy, few enough to bound the producer's memory.
	DefaultMaxPending = 256
	// DefaultAckTimeout fails a publish whose ack does not come.
	DefaultAckTimeout = 30 * time.Second
)

var (
	// ErrLogClosed is returned by Publish after Close.
	ErrLogClosed = errors.New("log closed")
	// ErrRecordTooLarge is returned (wrapped) by Publish for a record that
	// does not fit in one message under the server's max_payload.
	ErrRecordTooLarge = errors.New("record too large")
)

// LogConfig configures a Log and its stream.
type LogConfig struct {
	// Stream names the run's stream (letters, digits, - and _).
	Stream string
	// Partitions is the number of partitions, one subject each.
	Partitions int
	// Subjects is the subjects' prefix: partition p is Subjects.p. It
	// defaults to Stream.
	Subjects string
	// Store defaults to the Conn's (the embedded server's, or FileStore).
	Store Store
	// MaxAge is the stream's retention; 0 keeps everything.
	MaxAge time.Duration
	// BatchRecords is the most records a message carries
	// (DefaultBatchRecords when 0).
	BatchRecords int
	// MaxPending is the most messages published and not yet acked
	// (DefaultMaxPending when 0); a Publish that would exceed it blocks.
	MaxPending int
	// AckTimeout fails a publish not acked in time (DefaultAckTimeout when 0).
	AckTimeout time.Duration
}

// Log is the producer side of a run's stream: what the harness's driver
// publishes into, as it does into the in-process GeneratorSource. Records
// are made by the workload's fill function from their address and intended
// emit time, cut into batches of consecutive offsets and published
// asynchronously, with a bounded number of messages awaiting acks.
//
// Publish, Flush and Close are called by one goroutine (the driver);
// Published is safe for concurrent use.
type Log struct {
	conn   *Conn
	js     js.JetStream
	stream string
	fill   func(*engines.Record)
	batch  int
	limit  int // most bytes of one message

	parts []logPartition
	enc   batchEncoder
	free  chan []byte // message buffers back from acked publishes

	mu     sync.Mutex
	failed error // the first failed publish
	closed bool
}

type logPartition struct {
	subject string
	next    int64        // offsets below next are handed to the server
	acked   atomic.Int64 // offsets below acked are stored
	ahead   map[int64]int64
	marked  bool // the closing marker is acked
}

// CreateLog creates the run's stream, empty, and returns its producer;
// fill sets each record's Value and EventTime from its Partition and
// Offset. A stream of that name that exists with another configuration, or
// holds messages, is an ErrStreamExists error naming the way out.
func CreateLog(ctx context.Context, c *Conn, cfg LogConfig, fill func(*engines.Record)) (*Log, error) {
	if cfg.Partitions <= 0 {
		return nil, fmt.Errorf("log %q: %d partitions, want at least 1", cfg.Stream, cfg.Partitions)
	}
	if cfg.Subjects == "" {
		cfg.Subjects = cfg.Stream
	}
	if cfg.Store == "" {
		cfg.Store = c.store
	}
	storage, err := cfg.Store.storage()
	if err != nil {
		return nil, fmt.Errorf("log %q: %w", cfg.Stream, err)
	}
	if cfg.BatchRecords <= 0 {
		cfg.BatchRecords = DefaultBatchRecords
	}
	cfg.BatchRecords = min(cfg.BatchRecords, MaxBatchRecords)
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	_, err = createStream(ctx, c, js.StreamConfig{
		Name:      cfg.Stream,
		Subjects:  partitionSubjects(cfg.Subjects, cfg.Partitions),
		Storage:   storage,
		Retention: js.LimitsPolicy,
		Discard:   js.DiscardOld,
		MaxAge:    cfg.MaxAge,
		Replicas:  1,
	})
	if err != nil {
		return nil, err
	}
	l := &Log{
		conn:   c,
		stream: cfg.Stream,
		fill:   fill,
		batch:  cfg.BatchRecords,
		// Leave room for the header and the protocol's own framing.
		limit: int(c.nc.MaxPayload()) - 64,
		parts: make([]logPartition, cfg.Partitions),
		free:  make(chan []byte, cfg.MaxPending+1),
	}
	for p := range l.parts {
		l.parts[p].subject = subject(cfg.Subjects, p)
		l.parts[p].ahead = map[int64]int64{}
	}
	l.js, err = js.New(c.nc,
		js.WithPublishAsyncMaxPending(cfg.MaxPending),
		js.WithPublishAsyncTimeout(cfg.AckTimeout),
		js.WithPublishAsyncAckHandler(l.acked),
		js.WithPublishAsyncErrHandler(l.failedPublish),
	)
	if err != nil {
		return nil, fmt.Errorf("log %q: %w", cfg.Stream, err)
	}
	return l, nil
}

// Partitions returns the number of partitions.
func (l *Log) Partitions() int { return len(l.parts) }

// Stream returns the stream's name.
func (l *Log) Stream() string { return l.stream }

// Publish appends the records of partition p up to end, with intended emit
// times from intended(offset), in messages of at most BatchRecords records.
// It returns once they are handed to the connection, not when they are
// acked; it blocks while MaxPending messages await acks, which the driver
// counts as send delay. It returns the first failed publish's error.
func (l *Log) Publish(p int, end int64, intended func(offset int64) int64) error {
	if err := l.err(); err != nil {
		return err
	}
	lp := &l.parts[p]
	var r engines.Record
	for lp.next < end {
		l.enc.reset()
		first := lp.next
		for o := first; o < end && l.enc.count < l.batch; o++ {
			r = engines.Record{Partition: int32(p), Offset: o, Intended: intended(o)}
			l.fill(&r)
			// A record takes at most three 10-byte varints besides its value.
			if l.enc.size()+30+len(r.Value) > l.limit {
				if l.enc.count == 0 {
					return l.fail(fmt.Errorf("%w: record %d/%d has a value of %d bytes, more than the server's max_payload %d allows: raise max_payload or shrink the value",
						ErrRecordTooLarge, p, o, len(r.Value), l.conn.nc.MaxPayload()))
				}
				break
			}
			l.enc.add(&r)
		}
		var buf []byte
		select {
		case buf = <-l.free:
		default:
		}
		buf = l.enc.appendTo(buf[:0], int32(p), first)
		if err := l.publish(lp.subject, buf); err != nil {
			return l.fail(fmt.Errorf("publish %s offsets %d-%d: %w", lp.subject, first, first+int64(l.enc.count)-1, err))
		}
		lp.next = first + int64(l.enc.count)
	}
	return nil
}

// publish hands one message to PublishAsync, waiting for room in the window
// of unacked messages for as long as it takes.
func (l *Log) publish(subj string, data []byte) error {
	m := &nats.Msg{Subject: subj, Data: data}
	for {
		_, err := l.js.PublishMsgAsync(m)
		if !errors.Is(err, js.ErrTooManyStalledMsgs) {
			return err
		}
		// The window stayed full for the library's stall wait: a slow
		// server, or one that stopped acking (then AckTimeout fails the
		// oldest publish and err says so).
		if err := l.err(); err != nil {
			return err
		}
	}
}

// acked runs on the library's ack goroutine for every stored message.
func (l *Log) acked(_ js.JetStream, m *nats.Msg, _ *js.PubAck) {
	h, _, err := decodeHeader(m.Data)
	if err != nil || int(h.partition) >= len(l.parts) {
		l.fail(fmt.Errorf("ack for a message this log did not write on %s", m.Subject))
		return
	}
	l.mu.Lock()
	lp := &l.parts[h.partition]
	if h.closed {
		lp.marked = true
	} else {
		// Acks come in order on one connection; the map keeps the count
		// exact should they not.
		acked := lp.acked.Load()
		if h.first == acked {
			acked = h.end()
			for e, ok := lp.ahead[acked]; ok; e, ok = lp.ahead[acked] {
				delete(lp.ahead, acked)
				acked = e
			}
			lp.acked.Store(acked)
		} else {
			lp.ahead[h.first] = h.end()
		}
	}
	l.mu.Unlock()
	select {
	case l.free <- m.Data:
	default:
	}
}

// failedPublish runs for a publish the server refused or did not ack.
func (l *Log) failedPublish(_ js.JetStream, m *nats.Msg, err error) {
	h, _, herr := decodeHeader(m.Data)
	if herr != nil {
		l.fail(fmt.Errorf("publish to %s of stream %q: %w", m.Subject, l.stream, err))
		return
	}
	l.fail(fmt.Errorf("publish to %s of stream %q (offsets %d-%d): %w", m.Subject, l.stream, h.first, h.end()-1, err))
}

// fail records err as the log's failure, unless one came first, and
// returns the log's failure: a log with a gap in its offsets stays broken.
func (l *Log) fail(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = err
	}
	return l.failed
}

func (l *Log) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed != nil {
		return l.failed
	}
	if l.closed {
		return ErrLogClosed
	}
	return nil
}

// Flush waits until every published message is acked, or ctx is done, and
// returns the first failed publish's error.
func (l *Log) Flush(ctx context.Context) error {
	select {
	case <-l.js.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("flush stream %q: %d messages not acked: %w", l.stream, l.js.PublishAsyncPending(), ctx.Err())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// Close publishes every partition's closing marker, so consumers see the
// partition's end (io.EOF), and waits for every ack. It returns the first
// failed publish's error; later Publish calls return ErrLogClosed. The
// stream stays on the server for consumers to read.
func (l *Log) Close(ctx context.Context) error {
	err := l.err()
	if errors.Is(err, ErrLogClosed) {
		return nil
	}
	defer func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		// Unsubscribes from the acks; anything still pending fails.
		l.js.CleanupPublisher()
	}()
	if err != nil {
		return err
	}
	for p := range l.parts {
		lp := &l.parts[p]
		if err := l.publish(lp.subject, closedMarker(int32(p), lp.next)); err != nil {
			return l.fail(fmt.Errorf("close %s at offset %d: %w", lp.subject, lp.next, err))
		}
	}
	return l.Flush(ctx)
}

// Published returns each partition's acked records: offsets below
// Published()[p] are stored on the server.
func (l *Log) Published() []int64 {
	out := make([]int64, len(l.parts))
	for p := range l.parts {
		out[p] = l.parts[p].acked.Load()
	}
	return out
}
