package core

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

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
type SourceSpout struct {
	BaseRichSpout
	Source   engines.Source
	KeyField string
	Key      func(r *engines.Record) (string, error)

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
}

var _ FiniteSpout = (*SourceSpout)(nil)

// errKeyWithoutField is returned by Open when only one of KeyField and Key
// is set.
var errKeyWithoutField = errors.New("source spout: KeyField and Key must be set together")

// Open assigns the task its partitions.
func (s *SourceSpout) Open(_ Config, ctx *TopologyContext, c *SpoutOutputCollector) error {
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
	}
	return nil
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
func (s *SourceSpout) fetch() bool {
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

// Close stops a connector's readers.
func (s *SourceSpout) Close() {
	if s.conn != nil {
		s.conn.close()
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
