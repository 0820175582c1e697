package transport

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

var (
	intBatches = [][]int{{}, {0}, {1, -1, math.MaxInt, math.MinInt}, make([]int, 1000)}
	records    = [][]engines.Record{
		{},
		{{Partition: 3, Offset: 1 << 40, EventTime: 1_700_000_000_000_000_000, Intended: -1, Value: "the quick brown fox"}},
		{{}, {Partition: math.MaxInt32, Offset: math.MinInt64, Value: "ünïcode\x00bytes"}},
	}
	outputs = [][]engines.Output{
		{},
		{{Key: "word", Window: 60e9, Value: 42, Event: true, Partition: 1, Offset: 2, Intended: 3}},
		{{}, {Key: "", Value: -7, Partition: math.MinInt32}},
	}
)

func roundTrip[M any](t *testing.T, c Codec[M], batches [][]M) {
	t.Helper()
	for _, batch := range batches {
		p := c.AppendBatch([]byte("prefix"), batch)
		got, err := c.DecodeBatch(p[len("prefix"):])
		if err != nil {
			t.Fatalf("%s: decode %v: %v", c.Name(), batch, err)
		}
		if len(got) != len(batch) || (len(batch) > 0 && !reflect.DeepEqual(got, batch)) {
			t.Fatalf("%s: decoded %v, want %v", c.Name(), got, batch)
		}
		// Every strict prefix of an encoding is refused.
		for cut := range len(p) - len("prefix") {
			if _, err := c.DecodeBatch(p[len("prefix") : len("prefix")+cut]); !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("%s: %d of %d bytes decoded with %v", c.Name(), cut, len(p)-len("prefix"), err)
			}
		}
	}
}

func TestCodecsRoundTrip(t *testing.T) {
	t.Run("int", func(t *testing.T) { roundTrip(t, IntCodec{}, intBatches) })
	t.Run("record", func(t *testing.T) { roundTrip(t, RecordCodec{}, records) })
	t.Run("output", func(t *testing.T) { roundTrip(t, OutputCodec{}, outputs) })
}

func TestCodecsRefuse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		decode  func([]byte) error
		payload []byte
	}{
		{"int count over the bytes", decodeWith(IntCodec{}), []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1}},
		{"int trailing bytes", decodeWith(IntCodec{}), []byte{1, 2, 3}},
		{"int overlong varint", decodeWith(IntCodec{}), []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"record count over the bytes", decodeWith(RecordCodec{}), []byte{2, 0, 0, 0, 0, 0}},
		{"record partition over int32", decodeWith(RecordCodec{}), []byte{1, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0}},
		{"record value past the end", decodeWith(RecordCodec{}), []byte{1, 0, 0, 0, 0, 9, 'a'}},
		{"output event not a bool", decodeWith(OutputCodec{}), []byte{1, 0, 0, 0, 2, 0, 0, 0}},
		{"empty", decodeWith(OutputCodec{}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.decode(tc.payload); !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("decode %v: %v, want ErrCorruptBatch", tc.payload, err)
			}
		})
	}
}

func decodeWith[M any](c Codec[M]) func([]byte) error {
	return func(p []byte) error { _, err := c.DecodeBatch(p); return err }
}

// fuzzCodec checks that a codec never panics on arbitrary bytes, allocates
// no more elements than the payload has bytes, and that what it accepts
// encodes back to a payload that decodes to the same batch.
func fuzzCodec[M any](f *testing.F, c Codec[M], seeds [][]M) {
	for _, b := range seeds {
		f.Add(c.AppendBatch(nil, b))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, p []byte) {
		batch, err := c.DecodeBatch(p)
		if err != nil {
			if !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("error %v is not ErrCorruptBatch", err)
			}
			return
		}
		if cap(batch) > len(p) {
			t.Fatalf("a %d-byte payload allocated %d elements", len(p), cap(batch))
		}
		again, err := c.DecodeBatch(c.AppendBatch(nil, batch))
		if err != nil {
			t.Fatalf("re-encoded batch: %v", err)
		}
		if len(batch) > 0 && !reflect.DeepEqual(again, batch) {
			t.Fatalf("re-encoded %v decodes to %v", batch, again)
		}
	})
}

func FuzzIntCodec(f *testing.F)    { fuzzCodec(f, IntCodec{}, intBatches) }
func FuzzRecordCodec(f *testing.F) { fuzzCodec(f, RecordCodec{}, records) }
func FuzzOutputCodec(f *testing.F) { fuzzCodec(f, OutputCodec{}, outputs) }

// positiveCodec is IntCodec refusing negative numbers, a CheckedCodec.
type positiveCodec struct{ IntCodec }

var errNegative = errors.New("negative number")

func (c positiveCodec) AppendBatchErr(buf []byte, batch []int) ([]byte, error) {
	for _, v := range batch {
		if v < 0 {
			return buf, errNegative
		}
	}
	return c.AppendBatch(buf, batch), nil
}

var _ CheckedCodec[int] = positiveCodec{}

// TestCheckedCodecFailsTheSend checks that a Node sends with
// AppendBatchErr when its codec has it: a refused batch fails Send and
// TrySend with the codec's error, and the next batch still goes through.
func TestCheckedCodecFailsTheSend(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	q := engines.NewQueue[int](4)
	b := newNode(t, Config[int]{ID: "b", Codec: positiveCodec{}, Local: map[int]*engines.Queue[int]{0: q}})
	a := newNode(t, Config[int]{ID: "a", Codec: positiveCodec{}, Remote: map[int]string{0: b.Addr().String()}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Send(ctx, 0, []int{1, -1}); !errors.Is(err, errNegative) {
		t.Fatalf("Send: %v, want the codec's error", err)
	}
	if _, err := a.TrySend(0, []int{-2}); !errors.Is(err, errNegative) {
		t.Fatalf("TrySend: %v, want the codec's error", err)
	}
	if err := a.Send(ctx, 0, []int{3}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-q.C():
		if len(got) != 1 || got[0] != 3 {
			t.Fatalf("received %v, want [3]", got)
		}
	case <-ctx.Done():
		t.Fatal("the good batch did not arrive")
	}
}
