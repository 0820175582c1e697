package core

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// codecSpout declares a default stream ("word", "count") and a direct one.
type codecSpout struct{ BaseRichSpout }

func (codecSpout) Open(Config, *TopologyContext, *SpoutOutputCollector) error { return nil }
func (codecSpout) NextTuple()                                                 {}
func (codecSpout) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.Declare(NewFields("word", "count"))
	d.DeclareStream("direct", true, NewFields("n"))
}

// codecBolt reads both of codecSpout's streams and declares "out".
type codecBolt struct{ BaseBasicBolt }

func (codecBolt) Execute(*Tuple, *BasicOutputCollector) error { return nil }
func (codecBolt) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.DeclareStream("out", false, NewFields("x"))
}

func codecTopology(boltStream string) *StormTopology {
	b := NewTopologyBuilder()
	b.SetSpout("spout", codecSpout{}, 2)
	b.SetBolt("bolt", codecBolt{}, 2).
		FieldsGrouping("spout", NewFields("word")).
		DirectGrouping("spout", "direct")
	if boltStream != "" {
		b.SetBolt(boltStream, codecBolt{}, 1).ShuffleGrouping("bolt", "out")
	}
	return b.CreateTopology()
}

func testCodec(t testing.TB, conf Config) (*TupleCodec, *plan) {
	t.Helper()
	p, err := buildPlan("codec", nil, conf, codecTopology(""), 1)
	if err != nil {
		t.Fatal(err)
	}
	return newTupleCodec(p), p
}

// sameTuple reports how a and b differ in what the codec carries.
func sameTuple(a, b *Tuple) string {
	switch {
	case a.meta.component != b.meta.component || a.meta.stream != b.meta.stream || a.meta.kind != b.meta.kind ||
		a.meta.direct != b.meta.direct || !slices.Equal(a.meta.fields.names, b.meta.fields.names):
		return "stream"
	case a.srcTask != b.srcTask || a.dstTask != b.dstTask:
		return "tasks"
	case a.root != b.root || a.edge != b.edge || a.ackVal != b.ackVal:
		return "message id"
	case (a.more == nil) != (b.more == nil) || !slices.Equal(a.extra(), b.extra()):
		return "anchors"
	case (a.values == nil) != (b.values == nil) || !reflect.DeepEqual([]any(a.values), []any(b.values)):
		return "values"
	}
	return ""
}

func checkRoundTrip(t *testing.T, c *TupleCodec, batch []Tuple) []Tuple {
	t.Helper()
	p, err := c.AppendBatchErr([]byte("prefix"), batch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DecodeBatch(p[len("prefix"):])
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(got) != len(batch) {
		t.Fatalf("decoded %d tuples, want %d", len(got), len(batch))
	}
	for i := range batch {
		if d := sameTuple(&batch[i], &got[i]); d != "" {
			t.Fatalf("tuple %d: %s differs:\n got %+v\nwant %+v", i, d, got[i], batch[i])
		}
	}
	if again := c.AppendBatch(nil, got); !bytes.Equal(again, p[len("prefix"):]) {
		t.Fatal("the decoded batch encodes differently")
	}
	// Every strict prefix of an encoding is refused.
	for cut := range len(p) - len("prefix") {
		if _, err := c.DecodeBatch(p[len("prefix") : len("prefix")+cut]); !errors.Is(err, ErrCorruptTuples) {
			t.Fatalf("%d of %d bytes decoded with %v", cut, len(p)-len("prefix"), err)
		}
	}
	return got
}

type point struct{ X, Y int32 }

func init() {
	RegisterSerialization("core_test.point",
		func(b []byte, p point) []byte { return append(b, byte(p.X), byte(p.Y)) },
		func(b []byte) (point, error) {
			if len(b) != 2 {
				return point{}, errors.New("want 2 bytes")
			}
			return point{int32(b[0]), int32(b[1])}, nil
		})
	RegisterValuesType[testValues]("core_test.values")
	gob.Register(gobOnly{})
}

// testValues is a named list type, as Trident's tuple.Values.
type testValues []any

// gobOnly is registered with gob only.
type gobOnly struct{ A string }

// unregistered has no serializer.
type unregistered struct{ A int }

func TestTupleCodecValues(t *testing.T) {
	c, p := testCodec(t, nil)
	late := &Tuple{meta: p.byID["spout"].defStream, srcTask: 3, values: Values{"late", 1}}
	values := []struct {
		name string
		v    any
	}{
		{"nil", nil}, {"false", false}, {"true", true},
		{"int", -1234567}, {"max int", math.MaxInt}, {"min int", math.MinInt},
		{"int8", int8(-128)}, {"int16", int16(math.MaxInt16)}, {"int32", int32(math.MinInt32)}, {"int64", int64(math.MaxInt64)},
		{"uint", uint(math.MaxUint)}, {"uint8", uint8(255)}, {"uint16", uint16(65535)}, {"uint32", uint32(math.MaxUint32)},
		{"uint64", uint64(math.MaxUint64)},
		{"float32", float32(-1.5)}, {"float64", math.Pi}, {"inf", math.Inf(-1)},
		{"string", "ünïcode\x00bytes"}, {"empty string", ""},
		{"bytes", []byte{0, 1, 255}}, {"empty bytes", []byte{}},
		{"time", time.Unix(1_700_000_000, 123456789).UTC()}, {"zoned time", time.Date(2024, 2, 29, 12, 0, 0, 1, time.FixedZone("", 5*3600+1800))},
		{"zero time", time.Time{}},
		{"duration", -90 * time.Second},
		{"Values", Values{"a", 1, Values{nil}}}, {"[]any", []any{int64(1), []any{"x"}}}, {"empty []any", []any{}},
		{"[]string", []string{"a", "", "c"}},
		{"map", map[string]any{"b": 2, "a": []string{"x"}, "": nil}}, {"empty map", map[string]any{}},
		{"*Record", &engines.Record{Partition: 3, Offset: 1 << 40, EventTime: -1, Intended: 7, Value: "the quick"}},
		{"nil *Record", (*engines.Record)(nil)},
		{"Record", engines.Record{Partition: math.MaxInt32, Value: "x"}},
		{"Output", engines.Output{Key: "word", Window: 60e9, Value: 42, Event: true, Partition: -1, Offset: 2, Intended: 3}},
		{"registered", point{3, 4}},
		{"values type", testValues{"a", point{1, 2}}},
		{"late tuple", late}, {"nil *Tuple", (*Tuple)(nil)},
	}
	for _, tc := range values {
		t.Run(tc.name, func(t *testing.T) {
			batch := []Tuple{{meta: p.byID["spout"].defStream, srcTask: 1, dstTask: 2, values: Values{tc.v, "after"}}}
			got := checkRoundTrip(t, c, batch)
			v := got[0].values[0]
			want := tc.v
			if tc.v == nil && v != nil || reflect.TypeOf(v) != reflect.TypeOf(want) {
				t.Fatalf("decoded a %T, want a %T", v, want)
			}
			if lt, ok := v.(*Tuple); ok && lt != nil {
				if d := sameTuple(lt, late); d != "" {
					t.Fatalf("late tuple: %s differs", d)
				}
			}
			if vs, err := c.DecodeValues(must(c.AppendValues(nil, Values{tc.v}))); err != nil || !reflect.DeepEqual(vs, Values{tc.v}) && tc.name != "late tuple" {
				t.Fatalf("AppendValues/DecodeValues: %v, %v", vs, err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTupleCodecShapes(t *testing.T) {
	c, p := testCodec(t, nil)
	def := p.byID["spout"].defStream
	direct := p.byID["spout"].byStream["direct"]
	more := []anchor{{root: 5, edge: 6}, {root: math.MaxUint64, edge: 1}}
	for _, tc := range []struct {
		name  string
		batch []Tuple
	}{
		{"empty", nil},
		{"unanchored", []Tuple{{meta: def, srcTask: 1, dstTask: 3, values: Values{"word", 1}}}},
		{"anchored", []Tuple{{meta: def, srcTask: 1, dstTask: 4, root: 0xdeadbeefcafe, edge: 0x1234_5678_9abc_def0, values: Values{"w", 2}}}},
		{"anchored with ack value", []Tuple{{meta: def, srcTask: 2, dstTask: 4, root: 1, edge: 2, ackVal: 3, values: Values{"w", 3}}}},
		{"multi-anchored", []Tuple{{meta: def, srcTask: 1, dstTask: 3, root: 9, edge: 10, more: &more, values: Values{"w", 4}}}},
		{"empty more", []Tuple{{meta: def, srcTask: 1, dstTask: 3, root: 9, edge: 10, more: &[]anchor{}, values: Values{"w", 4}}}},
		{"empty values", []Tuple{{meta: def, srcTask: 1, dstTask: 3, values: Values{}}}},
		{"direct", []Tuple{{meta: direct, srcTask: 2, dstTask: 4, values: Values{7}}}},
		{"tick", []Tuple{{meta: tickMeta, srcTask: -1, dstTask: 3, values: Values{30}}}},
		{"ack init", []Tuple{{meta: ackInitMeta, root: 77, edge: 0xffff_0000_ffff_0000, srcTask: 1, dstTask: 5}}},
		{"ack", []Tuple{{meta: ackAckMeta, root: 77, edge: 12, srcTask: 3, dstTask: 5}}},
		{"ack to spout", []Tuple{{meta: ackAckMeta, root: 77, dstTask: 1}}},
		{"fail", []Tuple{{meta: ackFailMeta, root: 77, srcTask: 3, dstTask: 5}}},
		{"reset", []Tuple{{meta: ackResetMeta, root: 77, dstTask: 2}}},
		{"mixed", []Tuple{
			{meta: def, srcTask: 1, dstTask: 3, values: Values{"a", 1}},
			{meta: ackAckMeta, root: 77, edge: 12, srcTask: 3, dstTask: 5},
			{meta: def, srcTask: 1, dstTask: 3, root: 1, edge: 1, more: &more, values: Values{"b", 2}},
			{meta: tickMeta, srcTask: -1, dstTask: 3, values: Values{1}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRoundTrip(t, c, tc.batch)
			// The decoded tuples' streams are the codec's plan's.
			for i := range got {
				if got[i].meta != tc.batch[i].meta {
					t.Fatalf("tuple %d: stream %p, want the plan's %p", i, got[i].meta, tc.batch[i].meta)
				}
			}
		})
	}
	// started and ref stay in their process.
	got := checkRoundTrip(t, c, []Tuple{{meta: def, started: 99, ref: &batchRef{}, values: Values{"a", 1}}})
	if got[0].started != 0 || got[0].ref != nil {
		t.Fatalf("started %d, ref %v travelled", got[0].started, got[0].ref)
	}
}

func TestTupleCodecRefusesUnregistered(t *testing.T) {
	c, p := testCodec(t, nil)
	def := p.byID["spout"].defStream
	for _, v := range []any{unregistered{1}, []any{unregistered{2}}, map[string]any{"k": &unregistered{}}, gobOnly{"x"}, []int{1}} {
		buf := []byte("keep")
		out, err := c.AppendBatchErr(buf, []Tuple{{meta: def, values: Values{"w", v}}})
		var se *SerializationError
		if !errors.As(err, &se) || !errors.Is(err, ErrNotSerializable) {
			t.Fatalf("%T: %v, want a *SerializationError", v, err)
		}
		if string(out) != "keep" {
			t.Fatalf("%T: buffer %q after a refusal", v, out)
		}
		for _, want := range []string{"RegisterSerialization", `stream "default" of "spout"`, TopologyFallBackOnJavaSerialization} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("%T: %q does not say %q", v, err, want)
			}
		}
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Fatalf("%T: AppendBatch did not panic", v)
				}
			}()
			c.AppendBatch(nil, []Tuple{{meta: def, values: Values{"w", v}}})
		}()
	}
	// A cycle is refused, not followed forever.
	cyc := []any{nil}
	cyc[0] = cyc
	if _, err := c.AppendBatchErr(nil, []Tuple{{meta: def, values: Values{"w", cyc}}}); !errors.Is(err, ErrNotSerializable) {
		t.Fatalf("cyclic value: %v", err)
	}
	// A tuple of another topology's stream is refused.
	other := &streamMeta{component: "elsewhere", stream: "default"}
	if _, err := c.AppendBatchErr(nil, []Tuple{{meta: other}}); !errors.Is(err, ErrNotSerializable) {
		t.Fatalf("foreign stream: %v", err)
	}
}

func TestTupleCodecGobFallback(t *testing.T) {
	c, p := testCodec(t, Config{TopologyFallBackOnJavaSerialization: true})
	def := p.byID["spout"].defStream
	got := checkRoundTrip(t, c, []Tuple{{meta: def, values: Values{"w", gobOnly{"x"}}}})
	if got[0].values[1] != (gobOnly{"x"}) {
		t.Fatalf("decoded %#v", got[0].values[1])
	}
	_, err := c.AppendBatchErr(nil, []Tuple{{meta: def, values: Values{"w", unregistered{}}}})
	if !errors.Is(err, ErrNotSerializable) || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("a type gob does not know: %v", err)
	}
	// A codec without the fallback refuses gob values.
	plain, _ := testCodec(t, nil)
	if _, err := plain.DecodeBatch(c.AppendBatch(nil, got)); !errors.Is(err, ErrCorruptTuples) {
		t.Fatalf("gob value without the fallback: %v", err)
	}
}

func TestTupleCodecRefusesCorruptPayloads(t *testing.T) {
	c, p := testCodec(t, nil)
	def := p.byID["spout"].defStream
	good := c.AppendBatch(nil, []Tuple{{meta: def, srcTask: 1, dstTask: 2, root: 1, edge: 2, values: Values{"w", 1}}})
	huge := []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01} // 2^63
	claim40 := []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x20}                      // 2^40
	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"tuple count over the bytes", append(slices.Clone(claim40), 0, 0, 0, 0, 0)},
		{"value count over the bytes", append([]byte{1}, claim40...)},
		{"huge count", huge},
		{"unknown stream", []byte{1, 0, 100, 0, 0, 0}},
		{"unknown flags", []byte{1, 0, 5, 0, 0, 0x80}},
		{"zero root", []byte{1, 0, 1, 0, 0, flagRoot, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"task over int32", []byte{1, 0, 5, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0}},
		{"more anchors claim 2^40", append([]byte{1, 0, 5, 0, 0, flagMore}, claim40...)},
		{"values over the total", []byte{1, 1, 5, 0, 0, flagValues, 2, tagNil, tagNil}},
		{"values under the total", []byte{1, 2, 5, 0, 0, flagValues, 1, tagNil}},
		{"list claims 2^40", append([]byte{1, 1, 5, 0, 0, flagValues, 1, tagList}, claim40...)},
		{"string past the end", []byte{1, 1, 5, 0, 0, flagValues, 1, tagString, 9, 'a'}},
		{"unknown tag", []byte{1, 1, 5, 0, 0, flagValues, 1, numTags}},
		{"int8 out of range", []byte{1, 1, 5, 0, 0, flagValues, 1, tagInt8, 0x80, 0x02}},
		{"bool byte", []byte{1, 1, 5, 0, 0, flagValues, 1, tagOutput, 0, 0, 0, 2, 0, 0, 0}},
		{"unknown registration", []byte{1, 1, 5, 0, 0, flagValues, 1, tagRegistered, 100, 0}},
		{"registered decoder refuses", []byte{1, 1, 5, 0, 0, flagValues, 1, tagRegistered, regID(c, "core_test.point"), 1, 0}},
		{"values type id of a plain registration", []byte{1, 1, 5, 0, 0, flagValues, 1, tagValuesType, regID(c, "core_test.point"), 0}},
		{"map keys out of order", []byte{1, 1, 5, 0, 0, flagValues, 1, tagMap, 2, 1, 'b', tagNil, 1, 'a', tagNil}},
		{"bad time", []byte{1, 1, 5, 0, 0, flagValues, 1, tagTime, 2, 9, 9}},
		{"deep nesting", append([]byte{1, 1, 5, 0, 0, flagValues, 1}, bytes.Repeat([]byte{tagList, 1}, maxValueDepth+1)...)},
		{"trailing bytes", append(slices.Clone(good), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := c.DecodeBatch(tc.payload)
			if !errors.Is(err, ErrCorruptTuples) {
				t.Fatalf("decode %v: %v (%v), want ErrCorruptTuples", tc.payload, err, b)
			}
		})
	}
	// A payload claiming 2^40 values allocates in proportion to its bytes.
	p40 := append(append([]byte{1}, claim40...), bytes.Repeat([]byte{0}, 64)...)
	if a := testing.AllocsPerRun(10, func() { c.DecodeBatch(p40) }); a > 10 {
		t.Fatalf("a forged count made %v allocations", a)
	}
}

func regID(c *TupleCodec, name string) byte {
	for i, s := range c.regs {
		if s.name == name {
			return byte(i)
		}
	}
	panic(name)
}

func TestTupleCodecName(t *testing.T) {
	name := func(topo *StormTopology, conf Config) string {
		c, err := NewTupleCodec("t", nil, conf, topo)
		if err != nil {
			t.Fatal(err)
		}
		return c.Name()
	}
	base := name(codecTopology(""), nil)
	if !strings.HasPrefix(base, "core-tuple/1+") {
		t.Fatalf("name %q", base)
	}
	if again := name(codecTopology(""), Config{TopologyWorkers: 3}); again != base {
		t.Fatalf("the same topology is %q and %q", base, again)
	}
	// Fields change the stream table.
	b := NewTopologyBuilder()
	b.SetSpout("spout", &numberSpout{Log: newSpoutLog()}, 1)
	other := name(b.CreateTopology(), nil)
	for _, n := range []string{name(codecTopology("extra"), nil), other,
		name(codecTopology(""), Config{TopologyFallBackOnJavaSerialization: true})} {
		if n == base {
			t.Fatalf("different topologies share the name %q", n)
		}
	}
	if _, err := NewTupleCodec("t", nil, nil, nil); !errors.Is(err, ErrInvalidTopology) {
		t.Fatalf("nil topology: %v", err)
	}
}

func TestRegisterSerializationRefuses(t *testing.T) {
	for name, reg := range map[string]func(){
		"empty name": func() { RegisterSerialization("", appendNothing[unregistered], decodeNothing[unregistered]) },
		"duplicate name": func() {
			RegisterSerialization("core_test.point", appendNothing[unregistered], decodeNothing[unregistered])
		},
		"duplicate type": func() { RegisterSerialization("point again", appendNothing[point], decodeNothing[point]) },
		"built-in":       func() { RegisterSerialization("my string", appendNothing[string], decodeNothing[string]) },
		"interface":      func() { RegisterSerialization("error", appendNothing[error], decodeNothing[error]) },
		"nil decoder":    func() { RegisterSerialization[unregistered]("u", appendNothing[unregistered], nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("%s: registered", name)
				}
			}()
			reg()
		}()
	}
}

func appendNothing[T any](b []byte, _ T) []byte { return b }
func decodeNothing[T any](b []byte) (T, error)  { var v T; return v, nil }

// recordBolt keeps a copy of every tuple it receives, then acks it.
type recordBolt struct {
	BaseRichBolt
	mu   *sync.Mutex
	seen *[]Tuple
	c    *OutputCollector
}

func (b *recordBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *recordBolt) Execute(t *Tuple) {
	cp := *t
	cp.values = slices.Clone(t.values)
	if t.more != nil {
		m := slices.Clone(*t.more)
		cp.more = &m
	}
	cp.ref, cp.started = nil, 0
	b.mu.Lock()
	*b.seen = append(*b.seen, cp)
	b.mu.Unlock()
	b.c.Ack(t)
}

func (b *recordBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// pairBolt emits each input anchored on it and on the input before it
// (multi-anchoring), with both values and a record.
type pairBolt struct {
	BaseRichBolt
	c    *OutputCollector
	prev *Tuple
}

func (b *pairBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *pairBolt) Execute(t *Tuple) {
	if b.prev == nil {
		b.prev = t
		return
	}
	n, m := b.prev.GetInt(0), t.GetInt(0)
	b.c.EmitAnchors([]*Tuple{b.prev, t}, Values{n, []any{n, m}, &engines.Record{Offset: int64(m), Value: "r"}})
	b.c.Ack(b.prev)
	b.c.Ack(t)
	b.prev = nil
}

func (b *pairBolt) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.Declare(NewFields("n", "pair", "record"))
}

// TestTupleCodecRunningTopology runs a small reliable topology, keeps the
// tuples its last bolt receives (anchored, multi-anchored, with their
// message ids as the runtime made them), and sends them through the codec.
func TestTupleCodecRunningTopology(t *testing.T) {
	checkGoroutines(t)
	var mu sync.Mutex
	var seen []Tuple
	build := func() *StormTopology {
		b := NewTopologyBuilder()
		b.SetSpout("numbers", &numberSpout{N: 200, Tracked: true, Log: newSpoutLog()}, 2)
		b.SetBolt("pair", &pairBolt{}, 1).GlobalGrouping("numbers")
		b.SetBolt("record", &recordBolt{mu: &mu, seen: &seen}, 2).FieldsGrouping("pair", NewFields("n"))
		return b.CreateTopology()
	}
	conf := Config{TopologyWorkers: 2}
	cl := newCluster(t)
	if err := cl.SubmitTopology("codec", conf, build()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "100 pairs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) >= 100
	})
	if err := cl.KillTopology("codec"); err != nil {
		t.Fatal(err)
	}
	c, err := NewTupleCodec("codec", nil, conf, build())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	multi := 0
	for _, tup := range seen {
		if len(tup.extra()) > 0 {
			multi++
		}
	}
	if multi == 0 {
		t.Fatal("no multi-anchored tuple was seen")
	}
	for start := 0; start < len(seen); start += 32 {
		checkRoundTrip(t, c, seen[start:min(start+32, len(seen))])
	}
}
