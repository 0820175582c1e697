package jetstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/streambench/streambench/engines"
)

// The batch codec: one JetStream message carries a batch of consecutive
// records of one partition, the way a Kafka record batch carries a run of
// offsets behind one header. Its layout is
//
//	version  byte (batchVersion)
//	flags    byte (flagClosed: the partition ends at first; count is 0)
//	partition, first offset, count             uvarints
//	count times: intended, event time          zigzag varint deltas from the previous record
//	             value length                  uvarint
//	the values, concatenated
//
// Times are deltas because a batch's records are close in time, so most
// deltas take one to three bytes. The values come last and together, so a
// decoder makes one string of them all and slices each record's value out of
// it: one allocation per message, not one per record.
const (
	batchVersion = 1
	flagClosed   = 1 << 0
	// MaxBatchRecords bounds a batch's count field: a decoder refuses more,
	// so a corrupt count cannot make it allocate without bound.
	MaxBatchRecords = 1 << 16
	// minRecordBytes is the smallest encoding of one record (three one-byte
	// varints), which bounds count by the input's length as well.
	minRecordBytes = 3
)

// ErrCorruptBatch is returned (wrapped) for a message that is not a batch
// this package wrote: foreign bytes on the stream's subjects, or a
// truncated or altered message.
var ErrCorruptBatch = errors.New("corrupt record batch")

// batchHeader is what precedes a batch's records.
type batchHeader struct {
	closed    bool
	partition int32
	first     int64
	count     int
}

// end is the offset after the batch's last record.
func (h batchHeader) end() int64 { return h.first + int64(h.count) }

// batchEncoder builds one batch message at a time, reusing its buffers.
type batchEncoder struct {
	meta   []byte // per-record varints
	values []byte // the values, concatenated
	prevI  int64
	prevE  int64
	count  int
}

func (e *batchEncoder) reset() {
	e.meta, e.values = e.meta[:0], e.values[:0]
	e.prevI, e.prevE, e.count = 0, 0, 0
}

// add appends one record.
func (e *batchEncoder) add(r *engines.Record) {
	e.meta = binary.AppendVarint(e.meta, r.Intended-e.prevI)
	e.meta = binary.AppendVarint(e.meta, r.EventTime-e.prevE)
	e.meta = binary.AppendUvarint(e.meta, uint64(len(r.Value)))
	e.values = append(e.values, r.Value...)
	e.prevI, e.prevE = r.Intended, r.EventTime
	e.count++
}

// size is the encoded size of the records added so far, without the header.
func (e *batchEncoder) size() int { return len(e.meta) + len(e.values) }

// appendTo appends the whole message for partition p starting at first to
// dst.
func (e *batchEncoder) appendTo(dst []byte, p int32, first int64) []byte {
	dst = appendHeader(dst, batchHeader{partition: p, first: first, count: e.count})
	dst = append(dst, e.meta...)
	return append(dst, e.values...)
}

func appendHeader(dst []byte, h batchHeader) []byte {
	var flags byte
	if h.closed {
		flags |= flagClosed
	}
	dst = append(dst, batchVersion, flags)
	dst = binary.AppendUvarint(dst, uint64(h.partition))
	dst = binary.AppendUvarint(dst, uint64(h.first))
	return binary.AppendUvarint(dst, uint64(h.count))
}

// closedMarker is the message that closes partition p at end.
func closedMarker(p int32, end int64) []byte {
	return appendHeader(nil, batchHeader{closed: true, partition: p, first: end})
}

// EncodeBatch returns the message for records, which must be consecutive
// offsets of one partition; or, with closed set and no records, the marker
// that closes partition p at offset first. It is the codec's reference
// encoder, for tests and tools; the Log reuses its buffers instead.
func EncodeBatch(p int32, first int64, closed bool, records []engines.Record) []byte {
	if closed {
		return closedMarker(p, first)
	}
	var e batchEncoder
	for i := range records {
		e.add(&records[i])
	}
	return e.appendTo(nil, p, first)
}

// decodeHeader reads a batch's header and returns the rest of the message.
func decodeHeader(data []byte) (batchHeader, []byte, error) {
	var h batchHeader
	if len(data) < 2 {
		return h, nil, fmt.Errorf("%w: %d bytes, shorter than a header", ErrCorruptBatch, len(data))
	}
	if data[0] != batchVersion {
		return h, nil, fmt.Errorf("%w: version byte %#x, want %#x", ErrCorruptBatch, data[0], batchVersion)
	}
	if data[1]&^flagClosed != 0 {
		return h, nil, fmt.Errorf("%w: unknown flags %#x", ErrCorruptBatch, data[1])
	}
	h.closed = data[1]&flagClosed != 0
	rest := data[2:]
	var fields [3]uint64
	for i := range fields {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return h, nil, fmt.Errorf("%w: truncated header", ErrCorruptBatch)
		}
		fields[i], rest = v, rest[n:]
	}
	switch {
	case fields[0] > math.MaxInt32:
		return h, nil, fmt.Errorf("%w: partition %d", ErrCorruptBatch, fields[0])
	case fields[1] > math.MaxInt64-MaxBatchRecords:
		return h, nil, fmt.Errorf("%w: first offset %d", ErrCorruptBatch, fields[1])
	case fields[2] > MaxBatchRecords:
		return h, nil, fmt.Errorf("%w: count %d exceeds %d", ErrCorruptBatch, fields[2], MaxBatchRecords)
	case fields[2] > uint64(len(rest)/minRecordBytes):
		return h, nil, fmt.Errorf("%w: count %d in %d bytes", ErrCorruptBatch, fields[2], len(rest))
	case h.closed && fields[2] != 0:
		return h, nil, fmt.Errorf("%w: closing marker with %d records", ErrCorruptBatch, fields[2])
	}
	h.partition, h.first, h.count = int32(fields[0]), int64(fields[1]), int(fields[2])
	return h, rest, nil
}

// DecodeBatch decodes a message into records, reusing recs' backing array
// when it is large enough, and reports whether the message is a
// partition's closing marker (then it has no records and first is the
// partition's end). Every record gets its partition and offset. The values
// share one string copied from data, so data may be reused afterwards.
func DecodeBatch(data []byte, recs []engines.Record) (out []engines.Record, p int32, first int64, closed bool, err error) {
	h, rest, err := decodeHeader(data)
	if err != nil {
		return recs[:0], 0, 0, false, err
	}
	out, err = decodeRecords(h, rest, recs)
	return out, h.partition, h.first, h.closed, err
}

// decodeRecords decodes the records after a header. A first pass checks
// the per-record varints and finds where the values start, so the values
// become one string before the second pass slices them out.
func decodeRecords(h batchHeader, rest []byte, recs []engines.Record) ([]engines.Record, error) {
	meta := rest
	var valuesLen uint64
	for i := range h.count {
		var n [3]int
		_, n[0] = binary.Varint(rest)
		if n[0] > 0 {
			_, n[1] = binary.Varint(rest[n[0]:])
		}
		var vl uint64
		if n[0] > 0 && n[1] > 0 {
			vl, n[2] = binary.Uvarint(rest[n[0]+n[1]:])
		}
		if n[0] <= 0 || n[1] <= 0 || n[2] <= 0 {
			return recs[:0], fmt.Errorf("%w: record %d of %d truncated", ErrCorruptBatch, i, h.count)
		}
		rest = rest[n[0]+n[1]+n[2]:]
		if vl > uint64(len(rest)) || valuesLen+vl > uint64(len(rest)) {
			return recs[:0], fmt.Errorf("%w: record %d: value of %d bytes overruns the message", ErrCorruptBatch, i, vl)
		}
		valuesLen += vl
	}
	if valuesLen != uint64(len(rest)) {
		return recs[:0], fmt.Errorf("%w: values take %d bytes, the message has %d", ErrCorruptBatch, valuesLen, len(rest))
	}
	if cap(recs) < h.count {
		recs = make([]engines.Record, h.count) // bounded by len(data)/minRecordBytes
	}
	recs = recs[:h.count]
	var values string
	if len(rest) > 0 {
		values = string(rest)
	}
	var prevI, prevE int64
	pos := 0
	for i := range recs {
		di, n1 := binary.Varint(meta)
		de, n2 := binary.Varint(meta[n1:])
		vl, n3 := binary.Uvarint(meta[n1+n2:])
		meta = meta[n1+n2+n3:]
		prevI += di
		prevE += de
		recs[i] = engines.Record{
			Partition: h.partition,
			Offset:    h.first + int64(i),
			Intended:  prevI,
			EventTime: prevE,
			Value:     values[pos : pos+int(vl)],
		}
		pos += int(vl)
	}
	return recs, nil
}
