package core

// The wire codec of core's tuples, for workers in separate processes.
//
// Storm serializes every tuple that leaves a worker with Kryo: the source
// task, the stream id, the message id (its root -> edge pairs) and the
// values, each value written by the serializer registered for its class
// (topology.kryo.register); a class without one fails the worker unless
// topology.fall.back.on.java.serialization allows Java serialization, off by
// default since Storm 2. TupleCodec does the same for core's tuples, with
// RegisterSerialization for Kryo's registration and encoding/gob as the
// fallback.
//
// Unlike Kryo, which writes the stream id string in every tuple, a frame
// carries the stream's index in the topology's stream table, which both
// ends derive from the same topology; the table's hash is part of the
// codec's name, so two workers running different topologies refuse each
// other when they connect.
//
// A batch is
//
//	uvarint  tuples
//	uvarint  values in all tuples (one backing array holds them on decode)
//	per tuple:
//	  uvarint  stream index
//	  varint   source task, varint destination task
//	  byte     flags: 1 root, 2 edge, 4 ack value, 8 more anchors, 16 values
//	  8 bytes  root, edge, ack value (little endian), each if its flag is set
//	  uvarint  more anchors k, then k × (root, edge) as 8 bytes each
//	  uvarint  values m, then m tagged values
//
// A tagged value is one tag byte then its payload; see the tag constants.
// The time a tuple's execution started and its received-batch reference
// stay in their process and are not sent.

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// Errors of the tuple codec.
var (
	// ErrCorruptTuples is wrapped by DecodeBatch's error for a payload that
	// is not the encoding of a tuple batch.
	ErrCorruptTuples = errors.New("corrupt tuple batch")
	// ErrNotSerializable is wrapped by the *SerializationError of a value
	// whose type the codec cannot encode.
	ErrNotSerializable = errors.New("value not serializable")
)

// SerializationError names a tuple value the codec cannot encode, as Storm's
// "Class is not registered" names the class Kryo has no serializer for.
type SerializationError struct {
	Type      string // the value's Go type, as %T prints it
	Component string // the tuple's stream, when known
	Stream    string
	Reason    string // why, beyond the type being unregistered; may be ""
	gob       bool   // whether the gob fallback was on
}

func (e *SerializationError) Error() string {
	var b strings.Builder
	if e.Component != "" || e.Stream != "" {
		fmt.Fprintf(&b, "tuple on stream %q of %q: ", e.Stream, e.Component)
	}
	fmt.Fprintf(&b, "cannot serialize a value of type %s", e.Type)
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	b.WriteString("; register it with core.RegisterSerialization (Storm's topology.kryo.register)")
	if !e.gob {
		b.WriteString(", or gob.Register it and set " + TopologyFallBackOnJavaSerialization)
	}
	return b.String()
}

// Unwrap returns ErrNotSerializable.
func (e *SerializationError) Unwrap() error { return ErrNotSerializable }

// serialization is one registered type.
type serialization struct {
	name string
	typ  reflect.Type
	enc  func([]byte, any) []byte
	dec  func([]byte) (any, error)
	// For a named []any type (RegisterValuesType): its values are encoded
	// like Values, and fromValues converts them back.
	toValues   func(any) []any
	fromValues func([]any) any
}

// registry holds the registered serializations, like Storm's Kryo
// registrations. A codec copies it when it is made.
var registry = struct {
	sync.Mutex
	byName map[string]*serialization
	byType map[reflect.Type]*serialization
}{byName: map[string]*serialization{}, byType: map[reflect.Type]*serialization{}}

// builtinTypes are the types the codec encodes itself.
var builtinTypes = map[reflect.Type]bool{}

func init() {
	for _, v := range []any{false, 0, int8(0), int16(0), int32(0), int64(0), uint(0), uint8(0), uint16(0),
		uint32(0), uint64(0), float32(0), float64(0), "", []byte(nil), time.Time{}, time.Duration(0),
		Values(nil), []any(nil), []string(nil), map[string]any(nil), engines.Record{}, &engines.Record{},
		engines.Output{}, &Tuple{}} {
		builtinTypes[reflect.TypeOf(v)] = true
	}
}

// RegisterSerialization registers how values of type T travel between
// worker processes, as Storm's topology.kryo.register names a serializer
// for a class. enc appends the encoding of v to buf; dec decodes what enc
// wrote, and must return an error, not panic, for bytes enc did not write.
// dec's p is only valid during the call: copy what the value keeps
// (string(p) copies). name identifies the type on the wire; both ends must
// register the same names, which become part of the codec's name.
//
// Register in an init function: a codec sees the registrations made before
// it was created. RegisterSerialization panics, as gob.Register does, for
// an empty or duplicate name, a type registered twice, an interface type,
// or a type the codec encodes itself.
func RegisterSerialization[T any](name string, enc func(buf []byte, v T) []byte, dec func(p []byte) (T, error)) {
	if enc == nil || dec == nil {
		panic(fmt.Sprintf("core.RegisterSerialization(%q): nil encoder or decoder", name))
	}
	register(&serialization{
		name: name,
		typ:  reflect.TypeFor[T](),
		enc:  func(b []byte, v any) []byte { return enc(b, v.(T)) },
		dec: func(p []byte) (any, error) {
			v, err := dec(p)
			return v, err
		},
	})
}

// RegisterValuesType registers a named list type (such as Trident's
// tuple.Values) whose elements are encoded like a tuple's values, so that
// a value of type T comes back as a T.
func RegisterValuesType[T ~[]any](name string) {
	register(&serialization{
		name:       name,
		typ:        reflect.TypeFor[T](),
		toValues:   func(v any) []any { return []any(v.(T)) },
		fromValues: func(vs []any) any { return T(vs) },
	})
}

func register(s *serialization) {
	registry.Lock()
	defer registry.Unlock()
	switch {
	case s.name == "":
		panic(fmt.Sprintf("core: registering %v with an empty name", s.typ))
	case s.typ.Kind() == reflect.Interface:
		panic(fmt.Sprintf("core: registering %q: %v is an interface; register its concrete types", s.name, s.typ))
	case builtinTypes[s.typ]:
		panic(fmt.Sprintf("core: registering %q: the codec encodes %v itself", s.name, s.typ))
	case registry.byName[s.name] != nil:
		panic(fmt.Sprintf("core: serialization %q registered twice (for %v and %v)", s.name, registry.byName[s.name].typ, s.typ))
	case registry.byType[s.typ] != nil:
		panic(fmt.Sprintf("core: type %v registered twice (as %q and %q)", s.typ, registry.byType[s.typ].name, s.name))
	}
	registry.byName[s.name] = s
	registry.byType[s.typ] = s
}

// TupleCodec encodes batches of core's tuples for the TCP transport
// between worker processes (cluster/transport's Codec[Tuple]). It is bound
// to one topology: streams travel as indexes into the topology's stream
// table, and decoded tuples share the stream descriptions of the codec's
// topology. A TupleCodec is safe for concurrent use.
type TupleCodec struct {
	name   string
	metas  []*streamMeta // by wire index
	byMeta map[*streamMeta]uint64
	byID   map[[2]string]uint64
	regs   []*serialization // by wire id
	regID  map[reflect.Type]uint64
	gob    bool
}

// tupleCodecVersion changes with the wire format.
const tupleCodecVersion = 1

// maxValueDepth bounds the nesting of lists, maps and late tuples in a
// value, so that a cyclic value fails to encode and a forged payload cannot
// recurse deeply.
const maxValueDepth = 32

// NewTupleCodec returns the codec of topology under the layered
// configuration, as SubmitTopology would run it: the codec a worker process
// of that topology gives its transport. It returns the topology's
// validation error if it cannot run.
func NewTupleCodec(name string, clusterConf, conf Config, topology *StormTopology) (*TupleCodec, error) {
	p, err := buildPlan(name, clusterConf, conf, topology, 1)
	if err != nil {
		return nil, err
	}
	return newTupleCodec(p), nil
}

// newTupleCodec returns the codec of plan p, whose stream descriptions the
// decoded tuples point at.
func newTupleCodec(p *plan) *TupleCodec {
	c := &TupleCodec{byMeta: map[*streamMeta]uint64{}, byID: map[[2]string]uint64{}, regID: map[reflect.Type]uint64{},
		gob: p.conf.Bool(TopologyFallBackOnJavaSerialization)}
	// System streams first, then every declared stream in (component,
	// stream) order, so both ends number them alike whatever the order of
	// declaration.
	c.metas = []*streamMeta{tickMeta, ackInitMeta, ackAckMeta, ackFailMeta, ackResetMeta}
	var declared []*streamMeta
	for _, comp := range p.comps {
		declared = append(declared, comp.streams...)
	}
	slices.SortFunc(declared, func(a, b *streamMeta) int {
		return cmp.Or(cmp.Compare(a.component, b.component), cmp.Compare(a.stream, b.stream))
	})
	c.metas = append(c.metas, declared...)
	h := sha256.New()
	for i, m := range c.metas {
		c.byMeta[m] = uint64(i)
		c.byID[[2]string{m.component, m.stream}] = uint64(i)
		fmt.Fprintf(h, "%q %q %q %t\n", m.component, m.stream, m.fields.names, m.direct)
	}
	registry.Lock()
	c.regs = slices.SortedFunc(maps.Values(registry.byName), func(a, b *serialization) int { return cmp.Compare(a.name, b.name) })
	registry.Unlock()
	for i, s := range c.regs {
		c.regID[s.typ] = uint64(i)
		fmt.Fprintf(h, "register %q\n", s.name)
	}
	fmt.Fprintf(h, "gob %t\n", c.gob)
	c.name = fmt.Sprintf("core-tuple/%d+%x", tupleCodecVersion, h.Sum(nil)[:6])
	return c
}

// Name identifies the encoding: its version and a hash of the topology's
// stream table (component ids, stream ids, fields), the registered
// serializations and the gob fallback setting. The transport refuses a
// peer whose codec has another name.
func (c *TupleCodec) Name() string { return c.name }

// AppendBatchErr appends the encoding of batch to buf. It returns a
// *SerializationError, and buf as it was, for a value of a type the codec
// cannot encode. cluster/transport's Node uses it in place of AppendBatch,
// so that such a send fails with the error.
func (c *TupleCodec) AppendBatchErr(buf []byte, batch []Tuple) ([]byte, error) {
	start := len(buf)
	buf = binary.AppendUvarint(buf, uint64(len(batch)))
	total := 0
	for i := range batch {
		total += len(batch[i].values)
	}
	buf = binary.AppendUvarint(buf, uint64(total))
	var last *streamMeta
	var lastIdx uint64
	for i := range batch {
		t := &batch[i]
		if t.meta != last {
			idx, ok := c.streamIndex(t.meta)
			if !ok && t.meta == nil {
				return buf[:start], fmt.Errorf("%w: tuple %d of the batch has no stream", ErrNotSerializable, i)
			}
			if !ok {
				return buf[:start], fmt.Errorf("%w: tuple on stream %q of %q, which is not in topology codec %s",
					ErrNotSerializable, t.meta.stream, t.meta.component, c.name)
			}
			last, lastIdx = t.meta, idx
		}
		buf = binary.AppendUvarint(buf, lastIdx)
		buf = binary.AppendVarint(buf, int64(t.srcTask))
		buf = binary.AppendVarint(buf, int64(t.dstTask))
		var flags byte
		if t.root != 0 {
			flags |= flagRoot
		}
		if t.edge != 0 {
			flags |= flagEdge
		}
		if t.ackVal != 0 {
			flags |= flagAckVal
		}
		if t.more != nil {
			flags |= flagMore
		}
		if t.values != nil {
			flags |= flagValues
		}
		buf = append(buf, flags)
		if t.root != 0 {
			buf = binary.LittleEndian.AppendUint64(buf, t.root)
		}
		if t.edge != 0 {
			buf = binary.LittleEndian.AppendUint64(buf, t.edge)
		}
		if t.ackVal != 0 {
			buf = binary.LittleEndian.AppendUint64(buf, t.ackVal)
		}
		if t.more != nil {
			buf = binary.AppendUvarint(buf, uint64(len(*t.more)))
			for _, a := range *t.more {
				buf = binary.LittleEndian.AppendUint64(buf, a.root)
				buf = binary.LittleEndian.AppendUint64(buf, a.edge)
			}
		}
		if t.values != nil {
			var err error
			if buf, err = c.appendValues(buf, t.values, 0); err != nil {
				var se *SerializationError
				if errors.As(err, &se) {
					se.Component, se.Stream = t.meta.component, t.meta.stream
				}
				return buf[:start], err
			}
		}
	}
	return buf, nil
}

// AppendBatch appends the encoding of batch to buf (transport's Codec).
// It panics with the *SerializationError of a value it cannot encode;
// callers that can report the error use AppendBatchErr.
func (c *TupleCodec) AppendBatch(buf []byte, batch []Tuple) []byte {
	buf, err := c.AppendBatchErr(buf, batch)
	if err != nil {
		panic(err)
	}
	return buf
}

func (c *TupleCodec) streamIndex(m *streamMeta) (uint64, bool) {
	if m == nil {
		return 0, false
	}
	if i, ok := c.byMeta[m]; ok {
		return i, true
	}
	// A tuple of another plan of the same topology.
	i, ok := c.byID[[2]string{m.component, m.stream}]
	return i, ok
}

// Flags of a tuple's encoding.
const (
	flagRoot byte = 1 << iota
	flagEdge
	flagAckVal
	flagMore
	flagValues
	flagsAll = flagRoot | flagEdge | flagAckVal | flagMore | flagValues
)

// Tags of a value's encoding. Integers are zigzag varints, unsigned ones
// uvarints, floats their IEEE bits in little endian, strings and byte
// slices a uvarint length and the bytes.
const (
	tagNil          byte = iota
	tagFalse             // no payload
	tagTrue              // no payload
	tagInt               // varint
	tagInt8              // varint
	tagInt16             // varint
	tagInt32             // varint
	tagInt64             // varint
	tagUint              // uvarint
	tagUint8             // one byte
	tagUint16            // uvarint
	tagUint32            // uvarint
	tagUint64            // uvarint
	tagFloat32           // 4 bytes
	tagFloat64           // 8 bytes
	tagString            // length, bytes
	tagBytes             // length, bytes
	tagTime              // length, time.Time's binary encoding (the wall clock and zone offset, no monotonic reading)
	tagDuration          // varint nanoseconds
	tagValues            // count, values: a core.Values
	tagList              // count, values: a []any
	tagStrings           // count, strings
	tagMap               // count, (string key, value) pairs in key order: a map[string]any
	tagRecordPtr         // a *engines.Record: partition, offset, event time, intended as varints, value as a string
	tagRecord            // an engines.Record, as tagRecordPtr
	tagOutput            // an engines.Output: key, window, value, event as a byte, partition, offset, intended
	tagTuple             // a *Tuple (a late tuple): stream index, source task, values
	tagRegistered        // uvarint registration id, length, the registered encoder's bytes
	tagValuesType        // uvarint registration id, count, values: a RegisterValuesType list
	tagGob               // length, encoding/gob's encoding of the value as an interface
	tagNilRecordPtr      // a nil *engines.Record
	tagNilTuple          // a nil *Tuple
	numTags
)

// AppendValues appends the encoding of values (a count and tagged values)
// to buf, or returns a *SerializationError naming a value it cannot
// encode. A worker can use it to check values where they are emitted.
func (c *TupleCodec) AppendValues(buf []byte, values Values) ([]byte, error) {
	return c.appendValues(buf, values, 0)
}

// DecodeValues decodes what AppendValues wrote, which must be all of p.
func (c *TupleCodec) DecodeValues(p []byte) (Values, error) {
	d := tupleDecoder{b: p}
	n := d.count(1)
	vs := make(Values, n)
	c.decodeInto(&d, vs, 0)
	return vs, d.finish()
}

func (c *TupleCodec) appendValues(buf []byte, vs []any, depth int) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(vs)))
	for _, v := range vs {
		var err error
		if buf, err = c.appendValue(buf, v, depth); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func (c *TupleCodec) appendValue(buf []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, tagNil), nil
	case bool:
		if x {
			return append(buf, tagTrue), nil
		}
		return append(buf, tagFalse), nil
	case int:
		return binary.AppendVarint(append(buf, tagInt), int64(x)), nil
	case int64:
		return binary.AppendVarint(append(buf, tagInt64), x), nil
	case string:
		return appendStr(append(buf, tagString), x), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(buf, tagFloat64), math.Float64bits(x)), nil
	case int8:
		return binary.AppendVarint(append(buf, tagInt8), int64(x)), nil
	case int16:
		return binary.AppendVarint(append(buf, tagInt16), int64(x)), nil
	case int32:
		return binary.AppendVarint(append(buf, tagInt32), int64(x)), nil
	case uint:
		return binary.AppendUvarint(append(buf, tagUint), uint64(x)), nil
	case uint8:
		return append(buf, tagUint8, x), nil
	case uint16:
		return binary.AppendUvarint(append(buf, tagUint16), uint64(x)), nil
	case uint32:
		return binary.AppendUvarint(append(buf, tagUint32), uint64(x)), nil
	case uint64:
		return binary.AppendUvarint(append(buf, tagUint64), x), nil
	case float32:
		return binary.LittleEndian.AppendUint32(append(buf, tagFloat32), math.Float32bits(x)), nil
	case []byte:
		buf = binary.AppendUvarint(append(buf, tagBytes), uint64(len(x)))
		return append(buf, x...), nil
	case time.Time:
		var tb [32]byte
		enc, err := x.AppendBinary(tb[:0])
		if err != nil {
			return buf, &SerializationError{Type: "time.Time", Reason: err.Error(), gob: c.gob}
		}
		buf = binary.AppendUvarint(append(buf, tagTime), uint64(len(enc)))
		return append(buf, enc...), nil
	case time.Duration:
		return binary.AppendVarint(append(buf, tagDuration), int64(x)), nil
	case *engines.Record:
		if x == nil {
			return append(buf, tagNilRecordPtr), nil
		}
		return appendRecord(append(buf, tagRecordPtr), x), nil
	case engines.Record:
		return appendRecord(append(buf, tagRecord), &x), nil
	case engines.Output:
		buf = appendStr(append(buf, tagOutput), x.Key)
		buf = binary.AppendVarint(buf, x.Window)
		buf = binary.AppendVarint(buf, x.Value)
		event := byte(0)
		if x.Event {
			event = 1
		}
		buf = append(buf, event)
		buf = binary.AppendVarint(buf, int64(x.Partition))
		buf = binary.AppendVarint(buf, x.Offset)
		return binary.AppendVarint(buf, x.Intended), nil
	}
	if depth >= maxValueDepth {
		return buf, &SerializationError{Type: fmt.Sprintf("%T", v), Reason: fmt.Sprintf("nested more than %d deep (a cycle?)", maxValueDepth), gob: c.gob}
	}
	switch x := v.(type) {
	case Values:
		return c.appendValues(append(buf, tagValues), x, depth+1)
	case []any:
		return c.appendValues(append(buf, tagList), x, depth+1)
	case []string:
		buf = binary.AppendUvarint(append(buf, tagStrings), uint64(len(x)))
		for _, s := range x {
			buf = appendStr(buf, s)
		}
		return buf, nil
	case map[string]any:
		buf = binary.AppendUvarint(append(buf, tagMap), uint64(len(x)))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			buf = appendStr(buf, k)
			var err error
			if buf, err = c.appendValue(buf, x[k], depth+1); err != nil {
				return buf, err
			}
		}
		return buf, nil
	case *Tuple:
		if x == nil {
			return append(buf, tagNilTuple), nil
		}
		idx, ok := c.streamIndex(x.meta)
		if !ok {
			return buf, &SerializationError{Type: "*core.Tuple", Reason: "its stream is not in the topology", gob: c.gob}
		}
		buf = binary.AppendUvarint(append(buf, tagTuple), idx)
		buf = binary.AppendVarint(buf, int64(x.srcTask))
		return c.appendValues(buf, x.values, depth+1)
	}
	typ := reflect.TypeOf(v)
	if id, ok := c.regID[typ]; ok {
		s := c.regs[id]
		if s.toValues != nil {
			buf = binary.AppendUvarint(append(buf, tagValuesType), id)
			return c.appendValues(buf, s.toValues(v), depth+1)
		}
		buf = binary.AppendUvarint(append(buf, tagRegistered), id)
		// The length prefix is written after the encoding, which is
		// shifted right to make room; most take one byte.
		at := len(buf)
		buf = s.enc(buf, v)
		return insertLength(buf, at), nil
	}
	if c.gob {
		return appendGob(buf, v)
	}
	return buf, &SerializationError{Type: typ.String(), gob: false}
}

// appendGob writes v with encoding/gob, as an interface value, so that the
// decoder finds its type by the name gob.Register gave it. (A function of
// its own, so that appendValue's v does not escape.)
func appendGob(buf []byte, v any) ([]byte, error) {
	var bb bytes.Buffer
	if err := gob.NewEncoder(&bb).Encode(&v); err != nil {
		return buf, &SerializationError{Type: fmt.Sprintf("%T", v), Reason: err.Error(), gob: true}
	}
	buf = binary.AppendUvarint(append(buf, tagGob), uint64(bb.Len()))
	return append(buf, bb.Bytes()...), nil
}

// insertLength puts the uvarint length of buf[at:] before it.
func insertLength(buf []byte, at int) []byte {
	n := uint64(len(buf) - at)
	var lb [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lb[:], n)
	buf = append(buf, lb[:l]...)
	copy(buf[at+l:], buf[at:at+int(n)])
	copy(buf[at:], lb[:l])
	return buf
}

func appendStr(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendRecord(buf []byte, r *engines.Record) []byte {
	buf = binary.AppendVarint(buf, int64(r.Partition))
	buf = binary.AppendVarint(buf, r.Offset)
	buf = binary.AppendVarint(buf, r.EventTime)
	buf = binary.AppendVarint(buf, r.Intended)
	return appendStr(buf, r.Value)
}

// DecodeBatch decodes a payload AppendBatch wrote (transport's Codec). It
// returns an error wrapping ErrCorruptTuples, never panics, for any other
// payload, allocates in proportion to the payload's length, and keeps no
// reference to it. The batch's values share one backing array.
func (c *TupleCodec) DecodeBatch(p []byte) ([]Tuple, error) {
	d := tupleDecoder{b: p}
	// A tuple takes at least 4 bytes (stream, tasks, flags) and a value
	// at least 1 (its tag), which bounds the counts a payload can claim.
	n := d.count(4)
	total := d.count(1)
	if d.err != nil {
		return nil, d.err
	}
	batch := make([]Tuple, n)
	backing := make([]any, total)
	used := 0
	for i := range batch {
		t := &batch[i]
		t.meta = c.meta(&d)
		t.srcTask = d.int32()
		t.dstTask = d.int32()
		flags := d.byte()
		if flags&^flagsAll != 0 {
			d.fail("tuple flags")
		}
		if flags&flagRoot != 0 {
			t.root = d.u64()
			if t.root == 0 {
				d.fail("zero root")
			}
		}
		if flags&flagEdge != 0 {
			t.edge = d.u64()
			if t.edge == 0 {
				d.fail("zero edge")
			}
		}
		if flags&flagAckVal != 0 {
			t.ackVal = d.u64()
			if t.ackVal == 0 {
				d.fail("zero ack value")
			}
		}
		if flags&flagMore != 0 {
			k := d.count(16)
			more := make([]anchor, k)
			for j := range more {
				more[j] = anchor{root: d.u64(), edge: d.u64()}
			}
			t.more = &more
		}
		if flags&flagValues != 0 {
			m := d.uvarint()
			if m > uint64(total-used) {
				d.fail("value count")
			}
			if d.err != nil {
				break
			}
			t.values = Values(backing[used : used+int(m) : used+int(m)])
			used += int(m)
			c.decodeInto(&d, t.values, 0)
		}
		if d.err != nil {
			break
		}
	}
	if d.err == nil && used != total {
		d.fail("total value count")
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return batch, nil
}

func (c *TupleCodec) meta(d *tupleDecoder) *streamMeta {
	i := d.uvarint()
	if d.err != nil {
		return nil
	}
	if i >= uint64(len(c.metas)) {
		d.fail("stream index")
		return nil
	}
	return c.metas[i]
}

// decodeInto decodes len(vs) tagged values into vs.
func (c *TupleCodec) decodeInto(d *tupleDecoder, vs []any, depth int) {
	for i := range vs {
		if d.err != nil {
			return
		}
		vs[i] = c.decodeValue(d, depth)
	}
}

func (c *TupleCodec) decodeValues(d *tupleDecoder, depth int) []any {
	n := d.count(1)
	if d.err != nil {
		return nil
	}
	vs := make([]any, n)
	c.decodeInto(d, vs, depth)
	return vs
}

func (c *TupleCodec) decodeValue(d *tupleDecoder, depth int) any {
	tag := d.byte()
	if d.err != nil {
		return nil
	}
	if tag >= tagValues && tag <= tagMap || tag == tagTuple || tag == tagValuesType {
		if depth >= maxValueDepth {
			d.fail("value nesting")
			return nil
		}
	}
	switch tag {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagInt:
		v := d.varint()
		if int64(int(v)) != v {
			d.fail("int")
		}
		return int(v)
	case tagInt8:
		v := d.varint()
		if int64(int8(v)) != v {
			d.fail("int8")
		}
		return int8(v)
	case tagInt16:
		v := d.varint()
		if int64(int16(v)) != v {
			d.fail("int16")
		}
		return int16(v)
	case tagInt32:
		return d.int32()
	case tagInt64:
		return d.varint()
	case tagUint:
		v := d.uvarint()
		if uint64(uint(v)) != v {
			d.fail("uint")
		}
		return uint(v)
	case tagUint8:
		return d.byte()
	case tagUint16:
		v := d.uvarint()
		if v > math.MaxUint16 {
			d.fail("uint16")
		}
		return uint16(v)
	case tagUint32:
		v := d.uvarint()
		if v > math.MaxUint32 {
			d.fail("uint32")
		}
		return uint32(v)
	case tagUint64:
		return d.uvarint()
	case tagFloat32:
		return math.Float32frombits(uint32(d.fixed(4)))
	case tagFloat64:
		return math.Float64frombits(d.fixed(8))
	case tagString:
		return d.string()
	case tagBytes:
		return bytes.Clone(d.bytes())
	case tagTime:
		var t time.Time
		if b := d.bytes(); d.err == nil {
			if err := t.UnmarshalBinary(b); err != nil {
				d.fail("time")
			}
		}
		return t
	case tagDuration:
		return time.Duration(d.varint())
	case tagValues:
		return Values(c.decodeValues(d, depth+1))
	case tagList:
		return c.decodeValues(d, depth+1)
	case tagStrings:
		n := d.count(1)
		ss := make([]string, n)
		for i := range ss {
			ss[i] = d.string()
		}
		return ss
	case tagMap:
		n := d.count(2)
		m := make(map[string]any, n)
		prev := ""
		for i := range n {
			k := d.string()
			if i > 0 && k <= prev {
				d.fail("map key order")
			}
			prev = k
			m[k] = c.decodeValue(d, depth+1)
			if d.err != nil {
				return nil
			}
		}
		return m
	case tagNilRecordPtr:
		return (*engines.Record)(nil)
	case tagNilTuple:
		return (*Tuple)(nil)
	case tagRecordPtr:
		r := decodeRecord(d)
		return &r
	case tagRecord:
		return decodeRecord(d)
	case tagOutput:
		return engines.Output{Key: d.string(), Window: d.varint(), Value: d.varint(), Event: d.bool(),
			Partition: d.int32(), Offset: d.varint(), Intended: d.varint()}
	case tagTuple:
		t := &Tuple{meta: c.meta(d), srcTask: d.int32()}
		t.values = Values(c.decodeValues(d, depth+1))
		return t
	case tagRegistered:
		s := c.registration(d)
		b := d.bytes()
		if d.err != nil {
			return nil
		}
		if s.enc == nil {
			d.fail("registered value kind")
			return nil
		}
		v, err := safeDecode(s, b)
		if err != nil {
			d.failErr(fmt.Errorf("%w: value of %q: %w", ErrCorruptTuples, s.name, err))
			return nil
		}
		return v
	case tagValuesType:
		s := c.registration(d)
		if d.err != nil {
			return nil
		}
		if s.fromValues == nil {
			d.fail("registered value kind")
			return nil
		}
		vs := c.decodeValues(d, depth+1)
		if d.err != nil {
			return nil
		}
		return s.fromValues(vs)
	case tagGob:
		b := d.bytes()
		if d.err != nil {
			return nil
		}
		if !c.gob {
			d.fail("gob value (" + TopologyFallBackOnJavaSerialization + " is off)")
			return nil
		}
		var v any
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil {
			d.failErr(fmt.Errorf("%w: gob value: %w", ErrCorruptTuples, err))
			return nil
		}
		return v
	}
	d.fail("value tag")
	return nil
}

// safeDecode runs a registered decoder, turning a panic into an error, so
// that a decoder's bug on a forged payload cannot take the worker down.
func safeDecode(s *serialization, b []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	return s.dec(b)
}

func (c *TupleCodec) registration(d *tupleDecoder) *serialization {
	id := d.uvarint()
	if d.err != nil {
		return nil
	}
	if id >= uint64(len(c.regs)) {
		d.fail("registration id")
		return nil
	}
	return c.regs[id]
}

func decodeRecord(d *tupleDecoder) engines.Record {
	return engines.Record{Partition: d.int32(), Offset: d.varint(), EventTime: d.varint(), Intended: d.varint(), Value: d.string()}
}

// tupleDecoder reads the primitives of a payload. The first error sticks:
// later reads return zero values, and finish reports it (or trailing
// bytes).
type tupleDecoder struct {
	b   []byte
	err error
}

func (d *tupleDecoder) fail(what string) {
	d.failErr(fmt.Errorf("%w: bad %s at %d bytes from the end", ErrCorruptTuples, what, len(d.b)))
}

func (d *tupleDecoder) failErr(err error) {
	if d.err == nil {
		d.err = err
		d.b = nil
	}
}

func (d *tupleDecoder) uvarint() uint64 {
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

func (d *tupleDecoder) varint() int64 {
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

func (d *tupleDecoder) int32() int32 {
	v := d.varint()
	if int64(int32(v)) != v {
		d.fail("int32")
		return 0
	}
	return int32(v)
}

func (d *tupleDecoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *tupleDecoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool")
	return false
}

// fixed reads n (4 or 8) little-endian bytes.
func (d *tupleDecoder) fixed(n int) uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < n {
		d.fail("fixed-size number")
		return 0
	}
	var v uint64
	if n == 4 {
		v = uint64(binary.LittleEndian.Uint32(d.b))
	} else {
		v = binary.LittleEndian.Uint64(d.b)
	}
	d.b = d.b[n:]
	return v
}

func (d *tupleDecoder) u64() uint64 { return d.fixed(8) }

// bytes returns a length-prefixed run of the payload, without copying.
func (d *tupleDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("length")
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

func (d *tupleDecoder) string() string { return string(d.bytes()) }

// count reads an element count and checks it against the bytes left, given
// that each element takes at least minSize bytes, so that a forged count
// cannot make the caller allocate more than the payload justifies.
func (d *tupleDecoder) count(minSize int) int {
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

func (d *tupleDecoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}
