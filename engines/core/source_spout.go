package core

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/streambench/streambench/engines"
)

// RecordField is the field of a SourceSpout's tuples that holds the
// *engines.Record.
const RecordField = "record"

// spoutFetchSize is how many records a spout task fetches from a partition at
// once.
const spoutFetchSize = 256

// spoutSlabSize is how many tuple values a spout task allocates at once: the
// Values of consecutive tuples are cut from one slab.
const spoutSlabSize = 1024

// SourceSpout reads the run's source with the connector of its kind: a
// log the way storm-kafka-client's KafkaSpout reads a topic (below), a
// queue the way a RabbitMQ or JMS spout does (acking a message once every
// tuple tree it produced completes; Source is then engines.InputSource of
// the run's Input), and a feed or a socket forward only, through an
// engines.ForwardSource.
//
// Each task owns the partitions p with p mod tasks equal to its index and
// emits one tuple per record, ("record") holding the *engines.Record. Over
// a log it fetches from its partitions round-robin without blocking, with
// the record as the tuple's message id.
//
// A failed record is emitted again from memory, before any new record, and
// failed records are replayed in (partition, offset) order, as the Kafka
// spout seeks back to the earliest failed offset and re-emits from there:
// a bolt that keeps per-key state sees a key's replays in the order the
// source had them.
//
// With KeyField and Key set, each tuple carries a key before the record,
// (KeyField, "record"), as a KafkaSpout's RecordTranslator adds fields: a
// bolt subscribed with a FieldsGrouping on KeyField then receives every
// record of a key from the one spout task that owns its partition, in
// offset order, with no shuffle in between. A record Key refuses is
// reported as the task's error, which ends a Job's run, and not emitted.
//
// Over a log the task commits its offsets to the topology's coordination
// store (TopologyContext.Coordination), as the Kafka spout commits to its
// consumer group, and a task opened again (a restarted worker) starts each
// partition at its committed offset. The commit follows the guarantee, as
// storm-kafka-client's processing guarantees do: with acking off
// (at-most-once) a fetch's offsets are committed before any of its records
// is emitted, so a restart skips what was fetched and not processed but
// never emits a record twice; with acking on (at-least-once) the task
// commits every CommitPeriod the offset below which every record has been
// acked, so a restart emits again what was acked after the last commit and
// loses nothing.
type SourceSpout struct {
	BaseRichSpout
	Source   engines.Source
	KeyField string
	Key      func(r *engines.Record) (string, error)
	// CommitPeriod is how often an at-least-once task commits its acked
	// offsets: KafkaSpoutConfig's offset.commit.period.ms, 30 s when zero.
	CommitPeriod time.Duration

	collector *SpoutOutputCollector
	parts     []int
	offsets   []int64
	done      []bool
	next      int
	buf       []engines.Record
	replay    []*engines.Record
	unsorted  bool // a failed record was queued since replay was sorted
	slab      []any
	conn      spoutConnector // reads a queue; nil for a log

	// Offset commits, over a log.
	store      engines.KV
	keys       []string        // each partition's key in store
	atMostOnce bool            // commit on fetch, before emitting
	acked      []offsetTracker // at-least-once: what has been acked
	committed  []int64
	lastCommit time.Time
	partIndex  []int // by partition: its index in parts, -1 if not owned
}

// DefaultCommitPeriod is KafkaSpoutConfig's default offset.commit.period.ms.
const DefaultCommitPeriod = 30 * time.Second

var _ FiniteSpout = (*SourceSpout)(nil)

// errKeyWithoutField is returned by Open when only one of KeyField and Key
// is set.
var errKeyWithoutField = errors.New("source spout: KeyField and Key must be set together")

// Open assigns the task its partitions and, over a log, starts each at its
// committed offset.
func (s *SourceSpout) Open(conf Config, ctx *TopologyContext, c *SpoutOutputCollector) error {
	if (s.KeyField == "") != (s.Key == nil) {
		return errKeyWithoutField
	}
	s.collector = c
	tasks := len(ctx.ComponentTasks(ctx.ThisComponentID()))
	for p := ctx.ThisTaskIndex(); p < s.Source.Partitions(); p += tasks {
		s.parts = append(s.parts, p)
	}
	s.offsets = make([]int64, len(s.parts))
	s.done = make([]bool, len(s.parts))
	if in := engines.InputOf(s.Source); in.Kind != engines.KindLog {
		conn, err := connectorFor(in, s.parts, c.ReportError)
		if err != nil {
			return err
		}
		s.conn = conn
		return nil
	}
	return s.openOffsets(conf, ctx)
}

// openOffsets reads the owned partitions' committed offsets.
func (s *SourceSpout) openOffsets(conf Config, ctx *TopologyContext) error {
	s.store = ctx.Coordination()
	if s.store == nil {
		return nil
	}
	ackers, set := conf.Int(TopologyAckerExecutors)
	s.atMostOnce = set && ackers == 0
	s.keys = make([]string, len(s.parts))
	s.committed = make([]int64, len(s.parts))
	s.acked = make([]offsetTracker, len(s.parts))
	s.partIndex = make([]int, s.Source.Partitions())
	for p := range s.partIndex {
		s.partIndex[p] = -1
	}
	octx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	for i, p := range s.parts {
		s.partIndex[p] = i
		s.keys[i] = offsetKey(ctx.TopologyName(), ctx.ThisComponentID(), p)
		v, ok, err := s.store.Get(octx, s.keys[i])
		if err != nil {
			return fmt.Errorf("source spout: read the committed offset of partition %d: %w", p, err)
		}
		if ok {
			off, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || off < 0 {
				return fmt.Errorf("source spout: the committed offset of partition %d is %q, not an offset; delete key %s of the coordination store to start the partition from the beginning", p, v, s.keys[i])
			}
			s.offsets[i] = off
		}
		s.committed[i] = s.offsets[i]
		s.acked[i].base = s.offsets[i]
	}
	s.lastCommit = time.Now()
	return nil
}

// kvTimeout bounds one read or write of the coordination store.
const kvTimeout = 10 * time.Second

// offsetKey is the coordination-store key of a spout's committed offset
// of partition p: the Kafka consumer group's offset of the topic-partition.
func offsetKey(topology, component string, p int) string {
	return "spout-offsets." + keySafe(topology) + "." + keySafe(component) + "." + strconv.Itoa(p)
}

// keySafe maps s to the characters a store key may hold.
func keySafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '=') {
			return r
		}
		return '_'
	}, s)
}

// commit writes partition i's offset to the store if it moved.
func (s *SourceSpout) commit(i int, off int64) {
	if off <= s.committed[i] {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	if err := s.store.Put(ctx, s.keys[i], strconv.AppendInt(nil, off, 10)); err != nil {
		s.collector.ReportError(fmt.Errorf("commit offset %d of partition %d: %w", off, s.parts[i], err))
		return
	}
	s.committed[i] = off
}

// commitAcked commits, at least every CommitPeriod, the offsets below
// which every record has been acked.
func (s *SourceSpout) commitAcked(force bool) {
	if s.store == nil || s.atMostOnce {
		return
	}
	period := s.CommitPeriod
	if period <= 0 {
		period = DefaultCommitPeriod
	}
	if now := time.Now(); force || now.Sub(s.lastCommit) >= period {
		s.lastCommit = now
		for i := range s.parts {
			s.commit(i, s.acked[i].base)
		}
	}
}

// NextTuple emits the earliest record waiting for replay, or else the next
// fetched record, fetching a batch when none is left.
func (s *SourceSpout) NextTuple() {
	for {
		r, id := s.nextRecord()
		if r == nil {
			return
		}
		var key string
		if s.Key != nil {
			k, err := s.Key(r)
			if err != nil {
				s.collector.ReportError(fmt.Errorf("record %d/%d: %w", r.Partition, r.Offset, err))
				continue
			}
			key = k
		}
		width := 1
		if s.Key != nil {
			width = 2
		}
		if len(s.slab) < width {
			s.slab = make([]any, spoutSlabSize)
		}
		v := Values(s.slab[:width:width])
		s.slab = s.slab[width:]
		if s.Key != nil {
			v[0], v[1] = key, r
		} else {
			v[0] = r
		}
		s.collector.Emit(v, id)
		return
	}
}

// nextRecord returns the record to emit next and its message id, or nil
// when none is ready.
func (s *SourceSpout) nextRecord() (*engines.Record, any) {
	if s.conn != nil {
		return s.conn.next()
	}
	if len(s.replay) > 0 {
		if s.unsorted {
			slices.SortFunc(s.replay, func(a, b *engines.Record) int {
				return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
			})
			s.unsorted = false
		}
		r := s.replay[0]
		s.replay[0] = nil
		s.replay = s.replay[1:]
		return r, r
	}
	if len(s.buf) == 0 && !s.fetch() {
		return nil, nil
	}
	r := &s.buf[0]
	s.buf = s.buf[1:]
	return r, r
}

// fetch fills buf from the next partition that has records.
//
// It is also where an at-least-once task looks whether CommitPeriod has
// passed (once a fetch, not once a tuple), and while it has nothing left
// to fetch, once a NextTuple.
func (s *SourceSpout) fetch() bool {
	s.commitAcked(false)
	for range s.parts {
		i := s.next
		s.next = (s.next + 1) % len(s.parts)
		if s.done[i] {
			continue
		}
		// A fresh slice per fetch: emitted tuples point into it.
		buf := make([]engines.Record, spoutFetchSize)
		n, err := s.Source.Fetch(s.parts[i], s.offsets[i], buf)
		if n > 0 {
			s.offsets[i] += int64(n)
			if s.atMostOnce && s.store != nil {
				s.commit(i, s.offsets[i])
			}
			s.buf = buf[:n]
			return true
		}
		if errors.Is(err, io.EOF) {
			s.done[i] = true
		} else if err != nil {
			s.collector.ReportError(fmt.Errorf("fetch partition %d at offset %d: %w", s.parts[i], s.offsets[i], err))
		}
	}
	return false
}

// Ack settles a queue's delivery once its last tuple tree completes.
func (s *SourceSpout) Ack(msgID any) {
	if s.conn != nil {
		s.conn.ack(msgID)
		return
	}
	if s.acked != nil && !s.atMostOnce {
		r := msgID.(*engines.Record)
		if p := int(r.Partition); p >= 0 && p < len(s.partIndex) && s.partIndex[p] >= 0 {
			i := s.partIndex[p]
			s.acked[i].ack(r.Offset)
		}
	}
}

// Fail queues the record for replay from the log, or, for a queue, gives
// the delivery back once its last tuple tree completes.
func (s *SourceSpout) Fail(msgID any) {
	if s.conn != nil {
		s.conn.fail(msgID)
		return
	}
	s.replay = append(s.replay, msgID.(*engines.Record))
	s.unsorted = len(s.replay) > 1
}

// Exhausted reports whether every owned partition has ended and nothing
// is left to emit or replay.
func (s *SourceSpout) Exhausted() bool {
	if s.conn != nil {
		return s.conn.exhausted()
	}
	if len(s.replay) > 0 || len(s.buf) > 0 {
		return false
	}
	for _, d := range s.done {
		if !d {
			return false
		}
	}
	return true
}

// Close stops a connector's readers, or commits the acked offsets (a
// task killed with its worker commits nothing).
func (s *SourceSpout) Close() {
	if s.conn != nil {
		s.conn.close()
		return
	}
	s.commitAcked(true)
}

// offsetTracker follows which offsets of a partition have been acked, as
// the Kafka spout's OffsetManager does: base is the lowest offset not yet
// acked, and bit k of bits says whether base+k has been.
type offsetTracker struct {
	base int64
	bits []uint64
}

// ack marks off acked and moves base past every acked offset at it.
func (t *offsetTracker) ack(off int64) {
	k := off - t.base
	if k < 0 {
		return // acked before, or below the committed offset
	}
	w := int(k / 64)
	for len(t.bits) <= w {
		t.bits = append(t.bits, 0)
	}
	t.bits[w] |= 1 << (k % 64)
	if w > 0 || t.bits[0]&1 == 0 {
		return
	}
	full := 0
	for full < len(t.bits) && t.bits[full] == ^uint64(0) {
		full++
	}
	if full > 0 {
		t.base += int64(full) * 64
		t.bits = append(t.bits[:0], t.bits[full:]...)
	}
	if len(t.bits) > 0 {
		n := bits.TrailingZeros64(^t.bits[0])
		if n > 0 {
			t.base += int64(n)
			t.shift(n)
		}
	}
}

// shift drops the n lowest bits (n < 64).
func (t *offsetTracker) shift(n int) {
	for i := range t.bits {
		t.bits[i] >>= n
		if i+1 < len(t.bits) {
			t.bits[i] |= t.bits[i+1] << (64 - n)
		}
	}
	if last := len(t.bits) - 1; last >= 0 && t.bits[last] == 0 {
		t.bits = t.bits[:last]
	}
}

// DeclareOutputFields declares ("record"), or (KeyField, "record").
func (s *SourceSpout) DeclareOutputFields(d OutputFieldsDeclarer) {
	if s.KeyField != "" {
		d.Declare(NewFields(s.KeyField, RecordField))
		return
	}
	d.Declare(NewFields(RecordField))
}
