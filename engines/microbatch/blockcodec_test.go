package microbatch

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestBlockCodecRoundTrip(t *testing.T) {
	records := []engines.Record{
		{Partition: 0, Offset: 0, EventTime: 1, Intended: 2, Value: "the cat"},
		{Partition: 3, Offset: 1 << 40, EventTime: -5, Intended: 1795586492000000000, Value: ""},
		{Partition: 1<<31 - 1, Offset: 7, Value: "ünïcode\x00bytes"},
	}
	for _, tc := range []struct {
		name  string
		in    any
		codec byte
		check func([]byte) (any, error)
	}{
		{"harness records", records, codecRecords, func(b []byte) (any, error) { return decodeRecords[engines.Record](b) }},
		{"no records", []engines.Record{}, codecRecords, func(b []byte) (any, error) { return decodeRecords[engines.Record](b) }},
		{"strings", []string{"a", "b"}, codecGob, func(b []byte) (any, error) { return decodeRecords[string](b) }},
		{"ints", []int{1, 2, 3}, codecGob, func(b []byte) (any, error) { return decodeRecords[int](b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := appendRecords([]byte("prefix"), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b[:6]) != "prefix" || b[6] != tc.codec {
				t.Fatalf("encoded %q, want the prefix kept and codec %q", b[:min(len(b), 8)], tc.codec)
			}
			got, err := tc.check(b[6:])
			if err != nil {
				t.Fatal(err)
			}
			if reflect.ValueOf(tc.in).Len() == 0 && reflect.ValueOf(got).Len() == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.in) {
				t.Errorf("decoded %v, want %v", got, tc.in)
			}
		})
	}
}

func TestBlockCodecRefusesDamage(t *testing.T) {
	good, _ := appendRecords(nil, []engines.Record{{Partition: 1, Offset: 2, Value: "hello"}})
	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"unknown serializer", []byte{'X', 1, 2}},
		{"no count", []byte{codecRecords}},
		{"count beyond the payload", []byte{codecRecords, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"truncated", good[:len(good)-2]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"negative partition", []byte{codecRecords, 1, 1, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeRecords[engines.Record](tc.payload); !errors.Is(err, ErrCorruptLog) {
				t.Errorf("decode %x: %v, want ErrCorruptLog", tc.payload, err)
			}
		})
	}
	// A block of harness records replayed into a stream of another type is
	// a foreign log, not a crash.
	if _, err := decodeRecords[string](good); !errors.Is(err, ErrCorruptLog) {
		t.Errorf("harness records as strings: %v", err)
	}
}

func FuzzBlockCodec(f *testing.F) {
	good, _ := appendRecords(nil, []engines.Record{{Partition: 1, Offset: 2, EventTime: 3, Intended: 4, Value: "hello"}})
	f.Add(good)
	f.Add([]byte{codecRecords, 2, 0, 0, 0, 0, 0})
	f.Add([]byte{codecGob})
	f.Fuzz(func(t *testing.T, payload []byte) {
		recs, err := decodeRecords[engines.Record](payload)
		if err != nil || len(payload) == 0 || payload[0] != codecRecords {
			return
		}
		// What decodes survives a round trip (the bytes may differ: a
		// varint can be written longer than it needs).
		again, err := appendRecords(nil, recs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeRecords[engines.Record](again)
		if err != nil || len(back) != len(recs) || (len(recs) > 0 && !reflect.DeepEqual(back, recs)) {
			t.Fatalf("decoded %v, re-encoded and decoded %v, %v", recs, back, err)
		}
	})
}
