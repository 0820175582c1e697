package trident

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/trident/tuple"
)

var (
	recordIn  = tuple.MustSchema(tuple.NewFields("n", "word"))
	recordOut = tuple.MustSchema(tuple.NewFields("sum"))
)

func sampleRecord() windowRecord {
	at := time.Unix(1700000000, 123456789)
	return windowRecord{
		txid:  42,
		state: windowState{seq: 7, added: 30, lastFired: 25, lastEnd: at.Add(-time.Second), watermark: at},
		batch: []windowed{
			{t: tuple.New(recordIn, tuple.Values{int64(1), "a"}), at: at, txid: 42},
			{t: tuple.New(recordIn, tuple.Values{nil, "b"}), at: at.Add(time.Millisecond), txid: 42},
		},
		fired: []tuple.Values{{int64(10)}, {3.5}},
	}
}

func TestWindowRecordRoundTrip(t *testing.T) {
	for name, r := range map[string]windowRecord{
		"full":  sampleRecord(),
		"empty": {txid: 1, state: windowState{seq: 1}},
	} {
		b, err := encodeWindowRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeWindowRecord(b, recordIn, recordOut)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.txid != r.txid || got.state.seq != r.state.seq || got.state.added != r.state.added ||
			got.state.lastFired != r.state.lastFired || !got.state.lastEnd.Equal(r.state.lastEnd) || !got.state.watermark.Equal(r.state.watermark) {
			t.Errorf("%s: state %+v, want %+v", name, got.state, r.state)
		}
		if len(got.batch) != len(r.batch) || !reflect.DeepEqual(got.fired, r.fired) {
			t.Fatalf("%s: %d tuples and fired %v, want %d and %v", name, len(got.batch), got.fired, len(r.batch), r.fired)
		}
		for i, w := range got.batch {
			if !reflect.DeepEqual(w.t.Values(), r.batch[i].t.Values()) || !w.at.Equal(r.batch[i].at) || w.txid != r.txid {
				t.Errorf("%s: tuple %d = %v at %v, want %v at %v", name, i, w.t.Values(), w.at, r.batch[i].t.Values(), r.batch[i].at)
			}
		}
	}
}

func TestWindowRecordRefuses(t *testing.T) {
	good, err := encodeWindowRecord(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	// Read with other fields than it was written with.
	if _, err := decodeWindowRecord(good, tuple.MustSchema(tuple.NewFields("n")), recordOut); !errors.Is(err, errWindowRecord) {
		t.Errorf("tuples of two fields read as one: %v", err)
	}
	for _, b := range [][]byte{nil, {0xff}, good[:len(good)-1], append(append([]byte{}, good...), 0)} {
		if _, err := decodeWindowRecord(b, recordIn, recordOut); !errors.Is(err, errWindowRecord) {
			t.Errorf("decode %x: %v, want errWindowRecord", b, err)
		}
	}
	// A value the codec cannot keep.
	r := sampleRecord()
	r.batch[0].t = tuple.New(recordIn, tuple.Values{struct{}{}, "x"})
	if _, err := encodeWindowRecord(r); err == nil {
		t.Error("encoded a struct value")
	}
}

// FuzzWindowRecord: no input panics the decoder, and what it accepts
// encodes back to what decodes the same.
func FuzzWindowRecord(f *testing.F) {
	good, _ := encodeWindowRecord(sampleRecord())
	f.Add(good)
	empty, _ := encodeWindowRecord(windowRecord{})
	f.Add(empty)
	f.Add([]byte{7, 9, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeWindowRecord(b, recordIn, recordOut)
		if err != nil {
			return
		}
		again, err := encodeWindowRecord(r)
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		r2, err := decodeWindowRecord(again, recordIn, recordOut)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if r2.txid != r.txid || r2.state.seq != r.state.seq || len(r2.batch) != len(r.batch) || len(r2.fired) != len(r.fired) {
			t.Fatalf("round trip changed the record: %+v vs %+v", r2, r)
		}
	})
}
