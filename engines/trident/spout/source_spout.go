package spout

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// SourceFields are the output fields of a source spout: the record's payload
// as a string, and the record itself (an *engines.Record, which carries its
// partition, offset and intended time).
var SourceFields = tuple.NewFields("value", "record")

// OffsetMeta is a source spout's batch metadata for one partition: the
// batch holds Count records from Offset.
type OffsetMeta struct {
	Offset int64
	Count  int64
}

// End returns the offset after the batch.
func (m OffsetMeta) End() int64 { return m.Offset + m.Count }

// Encode returns the metadata as bytes for the TransactionalState.
func (m OffsetMeta) Encode() []byte {
	b := binary.AppendVarint(nil, m.Offset)
	return binary.AppendVarint(b, m.Count)
}

// ErrBadMeta is returned for batch metadata that cannot be decoded.
var ErrBadMeta = errors.New("bad batch metadata")

// DecodeOffsetMeta decodes what Encode produced; nil decodes as the zero
// metadata (a partition's first batch starts at offset 0).
func DecodeOffsetMeta(b []byte) (OffsetMeta, error) {
	if b == nil {
		return OffsetMeta{}, nil
	}
	off, n := binary.Varint(b)
	if n <= 0 {
		return OffsetMeta{}, fmt.Errorf("%w: offset", ErrBadMeta)
	}
	cnt, m := binary.Varint(b[n:])
	if m <= 0 || n+m != len(b) {
		return OffsetMeta{}, fmt.Errorf("%w: count", ErrBadMeta)
	}
	if off < 0 || cnt < 0 {
		return OffsetMeta{}, fmt.Errorf("%w: negative offset %d or count %d", ErrBadMeta, off, cnt)
	}
	return OffsetMeta{Offset: off, Count: cnt}, nil
}

// NewSourceSpout exposes src as a Trident spout of the given kind, emitting
// at most batchSize records per batch, spread over the partitions (each
// partition gives at most ceil(batchSize/partitions)). It emits what is
// published when the batch is asked for, without waiting for more.
//
//   - Transactional: a partitioned spout; a replay re-fetches exactly the
//     recorded offsets.
//   - Opaque: an opaque partitioned spout; a replay fetches again from the
//     previous batch's end, and may find more records than the first try.
//   - NonTransactional: a batch spout that only moves forward; a replayed
//     batch carries new records and the failed one's are lost.
func NewSourceSpout(src engines.Source, kind Kind, batchSize int) (TridentSpout, error) {
	if src == nil {
		return nil, errors.New("source spout needs a source")
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("source spout batch size %d must be at least 1", batchSize)
	}
	if src.Partitions() < 1 {
		return nil, fmt.Errorf("source has %d partitions; a spout needs at least one", src.Partitions())
	}
	ss := &sourceSpout{src: src, perPart: (batchSize + src.Partitions() - 1) / src.Partitions(),
		ends: make([]atomic.Int64, src.Partitions())}
	switch kind {
	case Transactional:
		return NewPartitionedSpoutExecutor(ss), nil
	case Opaque:
		return NewOpaqueSpoutExecutor(ss), nil
	case NonTransactional:
		return NewBatchSpoutExecutor(&sourceBatchSpout{sourceEmitter: sourceEmitter{sourceSpout: ss}}), nil
	}
	return nil, fmt.Errorf("unknown spout kind %d (use Transactional, Opaque or NonTransactional)", int(kind))
}

type sourceSpout struct {
	src     engines.Source
	perPart int
	// ends holds, per partition, the furthest offset a batch has reached:
	// a new batch has something to emit when a record is published there
	// (or the partition closed, which its last batch must still see). The
	// emitters of this process move it; in a worker of a distributed
	// topology, a partition read on another worker stays at 0 here, so
	// Ready errs towards a batch that may turn out empty, never the other
	// way.
	ends []atomic.Int64
}

// Ready implements Readier: some partition has a record past the furthest
// batch, or has been closed.
func (s *sourceSpout) Ready(int64) bool {
	var probe [1]engines.Record
	for p := range s.ends {
		n, err := s.src.Fetch(p, s.ends[p].Load(), probe[:])
		if n > 0 || err != nil {
			return true
		}
	}
	return false
}

func (s *sourceSpout) reached(p int, end int64) {
	for {
		cur := s.ends[p].Load()
		if end <= cur || s.ends[p].CompareAndSwap(cur, end) {
			return
		}
	}
}

func (s *sourceSpout) OutputFields() tuple.Fields { return SourceFields }
func (s *sourceSpout) Partitions() int            { return s.src.Partitions() }

func (s *sourceSpout) NewPartitionedEmitter(ctx Context) (PartitionedEmitter, error) {
	return &sourceEmitter{sourceSpout: s, parts: ownedPartitions(s.src.Partitions(), ctx)}, nil
}

func (s *sourceSpout) NewOpaqueEmitter(ctx Context) (OpaqueEmitter, error) {
	return opaqueSourceEmitter{&sourceEmitter{sourceSpout: s, parts: ownedPartitions(s.src.Partitions(), ctx)}}, nil
}

// sourceEmitter emits batches of the partitions it owns and remembers, per
// txid, which partitions a batch left at their closed end.
type sourceEmitter struct {
	*sourceSpout
	parts []int

	mu  sync.Mutex
	eof map[int64]map[int]bool // txid -> partition -> batch ended at a closed end
}

// EmitPartitionBatchNew implements PartitionedEmitter.
func (e *sourceEmitter) EmitPartitionBatchNew(tx TransactionAttempt, c operation.TridentCollector, p int, lastMeta []byte) ([]byte, error) {
	return e.EmitPartitionBatchOpaque(tx, c, p, lastMeta)
}

// EmitPartitionBatch implements PartitionedEmitter: it re-emits exactly the
// records meta names.
func (e *sourceEmitter) EmitPartitionBatch(tx TransactionAttempt, c operation.TridentCollector, p int, meta []byte) error {
	m, err := DecodeOffsetMeta(meta)
	if err != nil {
		return fmt.Errorf("partition %d txid %d: %w", p, tx.Txid, err)
	}
	recs, eof, err := e.fetch(p, m.Offset, int(m.Count), true)
	if err != nil {
		return fmt.Errorf("replay partition %d txid %d: %w", p, tx.Txid, err)
	}
	e.reached(p, m.End())
	e.emit(c, recs)
	e.markEOF(tx.Txid, p, eof)
	return nil
}

// EmitPartitionBatchOpaque emits what is published after lastMeta, up to
// the per-partition batch size.
func (e *sourceEmitter) EmitPartitionBatchOpaque(tx TransactionAttempt, c operation.TridentCollector, p int, lastMeta []byte) ([]byte, error) {
	last, err := DecodeOffsetMeta(lastMeta)
	if err != nil {
		return nil, fmt.Errorf("partition %d txid %d: %w", p, tx.Txid, err)
	}
	recs, eof, err := e.fetch(p, last.End(), e.perPart, false)
	if err != nil {
		return nil, fmt.Errorf("partition %d txid %d: %w", p, tx.Txid, err)
	}
	e.reached(p, last.End()+int64(len(recs)))
	e.emit(c, recs)
	e.markEOF(tx.Txid, p, eof)
	return OffsetMeta{Offset: last.End(), Count: int64(len(recs))}.Encode(), nil
}

// emit emits one tuple per record; the tuples' values are carved from one
// slice per batch.
func (e *sourceEmitter) emit(c operation.TridentCollector, recs []engines.Record) {
	vals := make(tuple.Values, 2*len(recs))
	for i := range recs {
		v := vals[2*i : 2*i+2 : 2*i+2]
		v[0], v[1] = recs[i].Value, &recs[i]
		c.Emit(v)
	}
}

// fetch reads up to n records of p from offset. With exact it insists on n
// (a transactional replay: the records were published before). eof reports
// that the partition is closed and the records end at its end.
func (e *sourceEmitter) fetch(p int, offset int64, n int, exact bool) ([]engines.Record, bool, error) {
	if n == 0 {
		_, err := e.src.Fetch(p, offset, nil)
		return nil, errors.Is(err, io.EOF), ignoreEOF(err)
	}
	recs := make([]engines.Record, n)
	got := 0
	for got < n {
		k, err := e.src.Fetch(p, offset+int64(got), recs[got:])
		got += k
		if err != nil {
			if errors.Is(err, io.EOF) {
				if exact && got < n {
					return nil, false, fmt.Errorf("offset %d: partition closed %d records short of the recorded batch: %w", offset, n-got, engines.ErrOffsetOutOfRange)
				}
				return recs[:got], true, nil
			}
			return nil, false, fmt.Errorf("offset %d: %w", offset+int64(got), err)
		}
		if k == 0 {
			if exact {
				return nil, false, fmt.Errorf("offset %d: a recorded batch is no longer available: %w", offset+int64(got), engines.ErrOffsetOutOfRange)
			}
			break
		}
	}
	// Learn whether the batch ends at a closed partition's end.
	_, err := e.src.Fetch(p, offset+int64(got), nil)
	return recs[:got], errors.Is(err, io.EOF), ignoreEOF(err)
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func (e *sourceEmitter) markEOF(txid int64, p int, eof bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.eof == nil {
		e.eof = make(map[int64]map[int]bool)
	}
	if e.eof[txid] == nil {
		e.eof[txid] = make(map[int]bool)
	}
	e.eof[txid][p] = eof
	// Keep a bounded history: only recent txids are ever asked about.
	for t := range e.eof {
		if t < txid-1024 {
			delete(e.eof, t)
		}
	}
}

// Drained implements Drainer.
func (e *sourceEmitter) Drained(txid int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.eof[txid]
	for _, p := range e.parts {
		if !m[p] {
			return false
		}
	}
	return true
}

func (e *sourceEmitter) Close() error { return nil }

// opaque adapter: OpaqueEmitter's method has the same shape as
// EmitPartitionBatchOpaque.
type opaqueSourceEmitter struct{ *sourceEmitter }

func (o opaqueSourceEmitter) EmitPartitionBatch(tx TransactionAttempt, c operation.TridentCollector, p int, lastMeta []byte) ([]byte, error) {
	return o.EmitPartitionBatchOpaque(tx, c, p, lastMeta)
}

// sourceBatchSpout is the non-transactional view: one task, every
// partition, offsets kept in memory and never rewound.
type sourceBatchSpout struct {
	sourceEmitter
	next []int64
}

func (b *sourceBatchSpout) Open(_ map[string]any, _ Context) error {
	b.parts = ownedPartitions(b.src.Partitions(), Context{NumTasks: 1})
	b.next = make([]int64, b.src.Partitions())
	return nil
}

func (b *sourceBatchSpout) EmitBatch(batchID int64, c operation.TridentCollector) error {
	for _, p := range b.parts {
		recs, eof, err := b.fetch(p, b.next[p], b.perPart, false)
		if err != nil {
			return fmt.Errorf("partition %d: %w", p, err)
		}
		b.next[p] += int64(len(recs))
		b.reached(p, b.next[p])
		b.emit(c, recs)
		b.markEOF(batchID, p, eof)
	}
	return nil
}

func (b *sourceBatchSpout) Ack(int64) {}

// Ready implements Readier.
func (b *sourceBatchSpout) Ready(txid int64) bool { return b.sourceSpout.Ready(txid) }
