package state

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/trident/tuple"
)

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct {
		in, want any
	}{
		{nil, nil},
		{true, true},
		{false, false},
		{int64(-7), int64(-7)},
		{int(42), int64(42)},
		{uint8(200), int64(200)},
		{int64(math.MaxInt64), int64(math.MaxInt64)},
		{3.5, 3.5},
		{float32(1.5), 1.5},
		{"", ""},
		{"héllo", "héllo"},
		{[]byte{0, 1}, []byte{0, 1}},
		{[]any{"a", int64(1), nil}, []any{"a", int64(1), nil}},
		{tuple.Values{"w", 2}, []any{"w", int64(2)}},
		{TransactionalValue{Txid: 9, Val: int64(3)}, TransactionalValue{Txid: 9, Val: int64(3)}},
		{OpaqueValue{CurrTxid: 3, Curr: int64(6), Prev: int64(4)}, OpaqueValue{CurrTxid: 3, Curr: int64(6), Prev: int64(4)}},
		{OpaqueValue{CurrTxid: 1, Curr: []any{1.5}}, OpaqueValue{CurrTxid: 1, Curr: []any{1.5}}},
		{&TransactionalValue{Txid: 4, Val: "v"}, TransactionalValue{Txid: 4, Val: "v"}},
		{&OpaqueValue{CurrTxid: 5, Curr: int64(2)}, OpaqueValue{CurrTxid: 5, Curr: int64(2)}},
	}
	for _, tc := range tests {
		b, err := AppendValue(nil, tc.in)
		if err != nil {
			t.Fatalf("encode %#v: %v", tc.in, err)
		}
		got, err := DecodeValue(b)
		if err != nil {
			t.Fatalf("decode %#v: %v", tc.in, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("round trip of %#v = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestCodecRejects(t *testing.T) {
	if _, err := AppendValue(nil, struct{}{}); !errors.Is(err, ErrUnsupportedValue) {
		t.Errorf("struct: err = %v, want ErrUnsupportedValue", err)
	}
	if _, err := AppendValue(nil, uint64(math.MaxUint64)); !errors.Is(err, ErrUnsupportedValue) {
		t.Errorf("huge uint64: err = %v, want ErrUnsupportedValue", err)
	}
	deep := any(int64(1))
	for range maxDepth + 2 {
		deep = []any{deep}
	}
	if _, err := AppendValue(nil, deep); !errors.Is(err, ErrUnsupportedValue) {
		t.Errorf("deep list: err = %v, want ErrUnsupportedValue", err)
	}
	for _, b := range [][]byte{nil, {99}, {tagString, 5, 'a'}, {tagList, 200}, {tagInt}, {tagFloat, 1}, {tagNil, 0}} {
		if _, err := DecodeValue(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode %v: err = %v, want ErrCorrupt", b, err)
		}
	}
}

func TestEncodeKeyIsInjective(t *testing.T) {
	keys := [][]any{
		{"cat"}, {""}, {"\xffcat"}, {"cat", "dog"}, {"cat", ""}, {int64(1)}, {"1"},
		{int64(1), int64(2)}, {[]any{int64(1), int64(2)}}, {nil}, {}, {"\xff"},
	}
	seen := make(map[string][]any)
	for _, k := range keys {
		s, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := seen[s]; ok {
			t.Errorf("keys %v and %v encode alike", prev, k)
		}
		seen[s] = k
		back, err := DecodeKey(s)
		if err != nil {
			t.Fatalf("decode key %v: %v", k, err)
		}
		if !reflect.DeepEqual(back, k) && !(len(k) == 0 && len(back) == 0) {
			t.Errorf("key %v decodes as %v", k, back)
		}
	}
	a, _ := EncodeKey([]any{int(5)})
	b, _ := EncodeKey([]any{int64(5)})
	if a != b {
		t.Error("int and int64 keys of one value encode differently")
	}
}

// FuzzDecodeValue checks that no stored bytes make the decoder panic or
// hang, and that what decodes encodes back to a value that decodes alike.
func FuzzDecodeValue(f *testing.F) {
	for _, v := range []any{nil, int64(-1), "word", []any{"a", 1.5, true},
		TransactionalValue{Txid: 3, Val: int64(7)}, OpaqueValue{CurrTxid: 4, Curr: int64(6), Prev: int64(4)}} {
		b, _ := AppendValue(nil, v)
		f.Add(b)
	}
	f.Add([]byte{tagList, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
		v2, err := DecodeValue(again)
		if err != nil {
			t.Fatalf("re-decode of %#v: %v", v, err)
		}
		// Compare encodings, not values: a NaN is not equal to itself.
		if third, _ := AppendValue(nil, v2); !bytes.Equal(third, again) {
			t.Fatalf("%#v re-encodes as %x, want %x", v2, third, again)
		}
	})
}

// FuzzDecodeKey checks the key decoder the same way.
func FuzzDecodeKey(f *testing.F) {
	for _, k := range [][]any{{"cat"}, {"a", int64(2)}, {nil}} {
		s, _ := EncodeKey(k)
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := DecodeKey(s)
		if err != nil {
			return
		}
		s2, err := EncodeKey(k)
		if err != nil {
			t.Fatalf("decoded key %#v does not encode: %v", k, err)
		}
		k2, err := DecodeKey(s2)
		if err != nil {
			t.Fatalf("key %#v does not re-decode: %v", k, err)
		}
		if s3, _ := EncodeKey(k2); s3 != s2 {
			t.Fatalf("key %#v re-encodes as %q, want %q", k2, s3, s2)
		}
	})
}
