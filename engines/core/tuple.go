package core

import (
	"fmt"
)

// Names of Storm's system component and streams.
const (
	DefaultStreamID   = "default"
	SystemComponentID = "__system"
	SystemTickStream  = "__tick"
	AckerComponentID  = "__acker"
	AckInitStream     = "__ack_init"
	AckAckStream      = "__ack_ack"
	AckFailStream     = "__ack_fail"
	AckResetStream    = "__ack_reset_timeout"
)

// msgKind tells a data tuple from the system messages that share the
// executors' queues, as Storm's acker messages and ticks are tuples on
// system streams.
type msgKind uint8

const (
	kindData     msgKind = iota
	kindTick             // a tick tuple, from __system on __tick
	kindAckInit          // spout -> acker: (root, XOR of the root's first edges)
	kindAckAck           // bolt -> acker: (root, edge XOR its children's edges); acker -> spout: tree complete
	kindAckFail          // bolt -> acker: fail root; acker -> spout: tree failed
	kindAckReset         // bolt -> acker -> spout: restart the tree's timeout
)

// streamMeta is what every tuple of one (component, stream) shares.
type streamMeta struct {
	component string
	stream    string
	fields    Fields
	direct    bool
	kind      msgKind
	index     int // the stream's position among its component's streams, for stats
}

var (
	tickMeta     = &streamMeta{component: SystemComponentID, stream: SystemTickStream, fields: NewFields("rate_secs"), kind: kindTick}
	ackInitMeta  = &streamMeta{component: AckerComponentID, stream: AckInitStream, kind: kindAckInit}
	ackAckMeta   = &streamMeta{component: AckerComponentID, stream: AckAckStream, kind: kindAckAck}
	ackFailMeta  = &streamMeta{component: AckerComponentID, stream: AckFailStream, kind: kindAckFail}
	ackResetMeta = &streamMeta{component: AckerComponentID, stream: AckResetStream, kind: kindAckReset}
)

// anchor is one (root id, edge id) pair of a tuple's message id.
type anchor struct {
	root uint64
	edge uint64
}

// Tuple is one message on a stream: its values, named by the stream's
// fields, and where it came from. Bolts receive *Tuple in Execute and pass
// it back to Ack, Fail, and Emit as an anchor.
//
// A tuple's message id is Storm's: for each spout tuple (root) whose tree
// it belongs to, the random 64-bit id of the edge that created it. Most
// tuples have one root; multi-anchoring gives a tuple several.
type Tuple struct {
	values  Values
	meta    *streamMeta
	srcTask int32
	dstTask int32
	root    uint64    // first root id; 0 when the tuple is not tracked
	edge    uint64    // edge id under root; for acker messages the ack value
	more    *[]anchor // further (root, edge) pairs, from multi-anchoring
	ackVal  uint64    // XOR of the edge ids of tuples anchored on this one (Storm's outAckVal)
	started int64     // when execution began, in ns, if this tuple's latencies are sampled
	ref     *batchRef // the received batch holding this tuple, while its memory may be reused
}

// extra returns the tuple's further (root, edge) pairs.
func (t *Tuple) extra() []anchor {
	if t.more == nil {
		return nil
	}
	return *t.more
}

// Values returns the tuple's values. The slice is shared with every other
// receiver of the tuple and must not be modified.
func (t *Tuple) Values() Values { return t.values }

// Size returns the number of values.
func (t *Tuple) Size() int { return len(t.values) }

// GetValue returns value i.
func (t *Tuple) GetValue(i int) any { return t.values[i] }

// GetString returns value i, which must be a string.
func (t *Tuple) GetString(i int) string { return t.values[i].(string) }

// GetInt returns value i, which must be an int.
func (t *Tuple) GetInt(i int) int { return t.values[i].(int) }

// GetInt64 returns value i, which must be an int64.
func (t *Tuple) GetInt64(i int) int64 { return t.values[i].(int64) }

// GetFloat64 returns value i, which must be a float64.
func (t *Tuple) GetFloat64(i int) float64 { return t.values[i].(float64) }

// GetBool returns value i, which must be a bool.
func (t *Tuple) GetBool(i int) bool { return t.values[i].(bool) }

// Fields returns the fields of the tuple's stream.
func (t *Tuple) Fields() Fields { return t.meta.fields }

// FieldIndex returns the position of field name, or -1.
func (t *Tuple) FieldIndex(name string) int { return t.meta.fields.FieldIndex(name) }

// Contains reports whether the tuple's stream has field name.
func (t *Tuple) Contains(name string) bool { return t.meta.fields.Contains(name) }

// GetValueByField returns the value of field name. It panics, like Storm's
// IllegalArgumentException, when the stream has no such field.
func (t *Tuple) GetValueByField(name string) any {
	i := t.meta.fields.FieldIndex(name)
	if i < 0 {
		panic(fmt.Errorf("%w: stream %q of %q has no field %q (fields: %v)", ErrEmit, t.meta.stream, t.meta.component, name, t.meta.fields))
	}
	return t.values[i]
}

// GetStringByField returns the string value of field name.
func (t *Tuple) GetStringByField(name string) string { return t.GetValueByField(name).(string) }

// GetIntByField returns the int value of field name.
func (t *Tuple) GetIntByField(name string) int { return t.GetValueByField(name).(int) }

// GetInt64ByField returns the int64 value of field name.
func (t *Tuple) GetInt64ByField(name string) int64 { return t.GetValueByField(name).(int64) }

// Select returns the values of the given fields.
func (t *Tuple) Select(f Fields) Values { return t.meta.fields.Select(f, t.values) }

// SourceComponent returns the id of the component that emitted the tuple.
func (t *Tuple) SourceComponent() string { return t.meta.component }

// SourceStreamID returns the stream the tuple was emitted on.
func (t *Tuple) SourceStreamID() string { return t.meta.stream }

// SourceTask returns the id of the task that emitted the tuple.
func (t *Tuple) SourceTask() int { return int(t.srcTask) }

// String shows the tuple as Storm logs it.
func (t *Tuple) String() string {
	return fmt.Sprintf("source: %s:%d, stream: %s, %v", t.meta.component, t.srcTask, t.meta.stream, []any(t.values))
}

// anchored reports whether the tuple belongs to a tracked tree.
func (t *Tuple) anchored() bool { return t.root != 0 }

// IsTick reports whether t is a tick tuple (Storm's TupleUtils.isTick).
func IsTick(t *Tuple) bool { return t.meta.kind == kindTick }
