package transport

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/streambench/streambench/engines"
)

// Codec turns a batch of messages into the payload of one frame and back.
// A Node's codec is named in its Hello, so two nodes with different codecs
// refuse each other instead of misreading each other's batches.
//
// DecodeBatch reads bytes from another process: it returns an error (never
// panics) for any payload that is not an encoding of a batch, and allocates
// in proportion to the payload's length, never to a count the payload
// claims. It must not keep payload, which the reader reuses.
//
// An engine adds its own message types (core's tuples, micro-batch's
// blocks) by implementing Codec for them next to the type.
type Codec[M any] interface {
	// Name identifies the encoding, with a version when it changes, such
	// as "int/1".
	Name() string
	// AppendBatch appends the encoding of batch to buf and returns it.
	AppendBatch(buf []byte, batch []M) []byte
	// DecodeBatch decodes a payload AppendBatch wrote into a new batch.
	DecodeBatch(payload []byte) ([]M, error)
}

// CheckedCodec is a Codec that can refuse a batch it cannot encode, such
// as core's tuple codec for a value of a type with no serializer (Storm's
// "Class is not registered"). A Node whose codec has it sends with
// AppendBatchErr, and a send whose batch it refuses fails with its error.
type CheckedCodec[M any] interface {
	Codec[M]
	// AppendBatchErr is AppendBatch with an error; on an error the
	// returned buffer is buf as it was.
	AppendBatchErr(buf []byte, batch []M) ([]byte, error)
}

// ErrCorruptBatch is returned by a codec for a payload that is not the
// encoding of a batch.
var ErrCorruptBatch = errors.New("corrupt batch")

// Compile-time checks of the codecs.
var (
	_ Codec[int]            = IntCodec{}
	_ Codec[engines.Record] = RecordCodec{}
	_ Codec[engines.Output] = OutputCodec{}
)

// IntCodec encodes a batch of ints as a uvarint count and one zigzag varint
// per value.
type IntCodec struct{}

// Name implements Codec.
func (IntCodec) Name() string { return "int/1" }

// AppendBatch implements Codec.
func (IntCodec) AppendBatch(buf []byte, batch []int) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(batch)))
	for _, v := range batch {
		buf = binary.AppendVarint(buf, int64(v))
	}
	return buf
}

// DecodeBatch implements Codec.
func (IntCodec) DecodeBatch(p []byte) ([]int, error) {
	d := decoder{b: p}
	n := d.count(1)
	out := make([]int, 0, n)
	for range n {
		out = append(out, int(d.varint()))
	}
	return out, d.finish()
}

// RecordCodec encodes engines.Record batches: a uvarint count, then per
// record Partition, Offset, EventTime and Intended as zigzag varints and
// Value as a uvarint length and its bytes.
type RecordCodec struct{}

// Name implements Codec.
func (RecordCodec) Name() string { return "record/1" }

// AppendBatch implements Codec.
func (RecordCodec) AppendBatch(buf []byte, batch []engines.Record) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(batch)))
	for i := range batch {
		r := &batch[i]
		buf = binary.AppendVarint(buf, int64(r.Partition))
		buf = binary.AppendVarint(buf, r.Offset)
		buf = binary.AppendVarint(buf, r.EventTime)
		buf = binary.AppendVarint(buf, r.Intended)
		buf = appendString(buf, r.Value)
	}
	return buf
}

// DecodeBatch implements Codec.
func (RecordCodec) DecodeBatch(p []byte) ([]engines.Record, error) {
	d := decoder{b: p}
	n := d.count(5)
	out := make([]engines.Record, 0, n)
	for range n {
		out = append(out, engines.Record{
			Partition: d.int32(),
			Offset:    d.varint(),
			EventTime: d.varint(),
			Intended:  d.varint(),
			Value:     d.string(),
		})
	}
	return out, d.finish()
}

// OutputCodec encodes engines.Output batches: a uvarint count, then per
// output Key as a uvarint length and its bytes, Window and Value as zigzag
// varints, Event as a byte (0 or 1), and Partition, Offset and Intended as
// zigzag varints.
type OutputCodec struct{}

// Name implements Codec.
func (OutputCodec) Name() string { return "output/1" }

// AppendBatch implements Codec.
func (OutputCodec) AppendBatch(buf []byte, batch []engines.Output) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(batch)))
	for i := range batch {
		o := &batch[i]
		buf = appendString(buf, o.Key)
		buf = binary.AppendVarint(buf, o.Window)
		buf = binary.AppendVarint(buf, o.Value)
		event := byte(0)
		if o.Event {
			event = 1
		}
		buf = append(buf, event)
		buf = binary.AppendVarint(buf, int64(o.Partition))
		buf = binary.AppendVarint(buf, o.Offset)
		buf = binary.AppendVarint(buf, o.Intended)
	}
	return buf
}

// DecodeBatch implements Codec.
func (OutputCodec) DecodeBatch(p []byte) ([]engines.Output, error) {
	d := decoder{b: p}
	n := d.count(7)
	out := make([]engines.Output, 0, n)
	for range n {
		out = append(out, engines.Output{
			Key:       d.string(),
			Window:    d.varint(),
			Value:     d.varint(),
			Event:     d.bool(),
			Partition: d.int32(),
			Offset:    d.varint(),
			Intended:  d.varint(),
		})
	}
	return out, d.finish()
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// decoder reads the primitives of a payload. The first error sticks: later
// reads return zero values, and finish reports it (or trailing bytes).
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s at %d bytes from the end", ErrCorruptBatch, what, len(d.b))
		d.b = nil
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int32() int32 {
	v := d.varint()
	if int64(int32(v)) != v {
		d.fail("int32")
		return 0
	}
	return int32(v)
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail("bool")
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail("string length")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// count reads an element count and checks it against the bytes left, given
// that each element takes at least minSize bytes, so that a forged count
// cannot make the caller allocate more than the payload justifies.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/minSize) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}
