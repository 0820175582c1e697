package microbatch

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/streambench/streambench/engines"
)

// A logged block's records are serialized the way Spark lets a user choose
// spark.serializer: Java serialization works for any class, Kryo is several
// times faster for the classes registered with it. Here encoding/gob plays
// the first role for any record type, and the harness's engines.Record, the
// input of every benchmark pipeline, has a registered compact form of its
// own, because a receiver's write-ahead log encodes every record it takes.
//
// The first byte says which: codecGob then a gob stream of []T, or
// codecRecords then the count and each record as varints (partition,
// offset, event time, intended time, value length) and its value bytes.
const (
	codecGob     byte = 'G'
	codecRecords byte = 'R'
)

// appendRecords appends a block's records ([]T) to buf.
func appendRecords(buf []byte, records any) ([]byte, error) {
	if recs, ok := records.([]engines.Record); ok {
		size := 1 + binary.MaxVarintLen64
		for i := range recs {
			size += 4*binary.MaxVarintLen64 + len(recs[i].Value)
		}
		buf = slices.Grow(buf, size) // one allocation, not a doubling per growth
		buf = append(buf, codecRecords)
		buf = binary.AppendUvarint(buf, uint64(len(recs)))
		for i := range recs {
			r := &recs[i]
			buf = binary.AppendVarint(buf, int64(r.Partition))
			buf = binary.AppendVarint(buf, r.Offset)
			buf = binary.AppendVarint(buf, r.EventTime)
			buf = binary.AppendVarint(buf, r.Intended)
			buf = binary.AppendUvarint(buf, uint64(len(r.Value)))
			buf = append(buf, r.Value...)
		}
		return buf, nil
	}
	w := bytes.NewBuffer(append(buf, codecGob))
	if err := gob.NewEncoder(w).Encode(records); err != nil {
		return nil, fmt.Errorf("encoding block: %w (records must be gob-encodable: exported fields)", err)
	}
	return w.Bytes(), nil
}

// decodeRecords decodes what appendRecords wrote for a []T.
func decodeRecords[T any](payload []byte) ([]T, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: a logged block with no records section", ErrCorruptLog)
	}
	switch payload[0] {
	case codecGob:
		var out []T
		if err := gob.NewDecoder(bytes.NewReader(payload[1:])).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("decoding block: %w", err)
		}
		return out, nil
	case codecRecords:
		var out []T
		recs, ok := any(&out).(*[]engines.Record)
		if !ok {
			return nil, fmt.Errorf("%w: a block of engines.Record logged for a stream of %T", ErrCorruptLog, *new(T))
		}
		var err error
		*recs, err = decodeHarnessRecords(payload[1:])
		return out, err
	default:
		return nil, fmt.Errorf("%w: unknown block serializer %#x", ErrCorruptLog, payload[0])
	}
}

func decodeHarnessRecords(b []byte) ([]engines.Record, error) {
	bad := func(what string, i uint64) error {
		return fmt.Errorf("%w: block record %d: %s", ErrCorruptLog, i, what)
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, bad("no record count", 0)
	}
	b = b[k:]
	// Every record takes at least 5 bytes, so a count the payload cannot
	// hold is damage, not a reason to allocate.
	if n > uint64(len(b))/5 {
		return nil, fmt.Errorf("%w: block claims %d records in %d bytes", ErrCorruptLog, n, len(b))
	}
	out := make([]engines.Record, n)
	for i := range n {
		var f [4]int64
		for j := range f {
			if f[j], k = binary.Varint(b); k <= 0 {
				return nil, bad("truncated header", i)
			}
			b = b[k:]
		}
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return nil, bad("value longer than the block", i)
		}
		b = b[k:]
		if f[0] < 0 || f[0] > 1<<31-1 {
			return nil, bad(fmt.Sprintf("partition %d out of range", f[0]), i)
		}
		out[i] = engines.Record{Partition: int32(f[0]), Offset: f[1], EventTime: f[2], Intended: f[3], Value: string(b[:size])}
		b = b[size:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the block's last record", ErrCorruptLog, len(b))
	}
	return out, nil
}
