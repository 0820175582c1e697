package core

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// FuzzTupleCodec checks that DecodeBatch never panics on arbitrary bytes,
// refuses them with ErrCorruptTuples, allocates no more tuples than the
// payload has bytes, and that what it accepts encodes again (every decoded
// value is encodable) to bytes that decode and encode to the same bytes.
func FuzzTupleCodec(f *testing.F) {
	c, p := testCodec(f, nil)
	def := p.byID["spout"].defStream
	more := []anchor{{root: 5, edge: 6}}
	for _, batch := range [][]Tuple{
		nil,
		{{meta: def, srcTask: 1, dstTask: 3, root: 9, edge: 10, ackVal: 11, more: &more, values: Values{"word", 1}}},
		{{meta: ackInitMeta, root: 77, edge: 12, srcTask: 1, dstTask: 5}, {meta: tickMeta, srcTask: -1, dstTask: 3, values: Values{30}}},
		{{meta: p.byID["spout"].byStream["direct"], dstTask: 4, values: Values{
			nil, true, int8(1), int16(2), int32(3), int64(4), uint(5), uint8(6), uint16(7), uint32(8), uint64(9),
			float32(1.5), 2.5, []byte("b"), time.Unix(1, 2).UTC(), time.Second, Values{"v"}, []any{"l"}, []string{"s"},
			map[string]any{"k": 1}, &engines.Record{Value: "r"}, engines.Record{Offset: 1}, engines.Output{Key: "o", Event: true},
			(*engines.Record)(nil), (*Tuple)(nil), &Tuple{meta: def, values: Values{"late", 2}}, point{1, 2}, testValues{"t"},
		}}},
	} {
		f.Add(c.AppendBatch(nil, batch))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, payload []byte) {
		batch, err := c.DecodeBatch(payload)
		if err != nil {
			if !errors.Is(err, ErrCorruptTuples) {
				t.Fatalf("error %v is not ErrCorruptTuples", err)
			}
			return
		}
		if cap(batch) > len(payload) {
			t.Fatalf("a %d-byte payload allocated %d tuples", len(payload), cap(batch))
		}
		enc, err := c.AppendBatchErr(nil, batch)
		if err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
		again, err := c.DecodeBatch(enc)
		if err != nil {
			t.Fatalf("re-encoded batch: %v", err)
		}
		if enc2 := c.AppendBatch(nil, again); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%x\n%x", enc, enc2)
		}
	})
}

// wordCountBatch is a batch of 100 tuples of a word count's split bolt:
// a word and a count, anchored on a spout tuple.
func wordCountBatch(p *plan) []Tuple {
	def := p.byID["spout"].defStream
	batch := make([]Tuple, 100)
	for i := range batch {
		batch[i] = Tuple{meta: def, srcTask: 1, dstTask: 3, root: 0x9e3779b97f4a7c15 * uint64(i+1), edge: 0xbf58476d1ce4e5b9 * uint64(i+1),
			values: Values{fmt.Sprintf("word%d", i%37), i * 7}}
	}
	return batch
}

func BenchmarkTupleCodec(b *testing.B) {
	c, p := testCodec(b, nil)
	batch := wordCountBatch(p)
	payload := c.AppendBatch(nil, batch)
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "tuples/s")
		b.ReportMetric(float64(len(payload))/float64(len(batch)), "bytes/tuple")
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = c.AppendBatch(buf[:0], batch)
		}
		report(b)
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DecodeBatch(payload); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}
