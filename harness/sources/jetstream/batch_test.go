package jetstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
)

func records(p int32, first int64, values ...string) []engines.Record {
	out := make([]engines.Record, len(values))
	for i, v := range values {
		out[i] = engines.Record{Partition: p, Offset: first + int64(i), Intended: 1e18 + int64(i)*7, EventTime: 1e18 - int64(i)*3, Value: v}
	}
	return out
}

func TestBatchRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      int32
		first  int64
		closed bool
		recs   []engines.Record
	}{
		{name: "one record", p: 0, first: 0, recs: records(0, 0, "a")},
		{name: "empty values", p: 3, first: 10, recs: records(3, 10, "", "", "")},
		{name: "mixed", p: 1, first: 1 << 40, recs: records(1, 1<<40, "x", "", strings.Repeat("y", 300), "é")},
		{name: "times going back", p: 2, first: 5, recs: []engines.Record{
			{Partition: 2, Offset: 5, Intended: 100, EventTime: math.MaxInt64, Value: "a"},
			{Partition: 2, Offset: 6, Intended: math.MinInt64, EventTime: -1, Value: "b"},
			{Partition: 2, Offset: 7, Intended: math.MaxInt64, EventTime: math.MinInt64, Value: "c"},
		}},
		{name: "closing marker", p: 7, first: 1234, closed: true},
		{name: "closing an empty partition", p: 0, first: 0, closed: true},
		{name: "largest partition", p: math.MaxInt32, first: 0, recs: records(math.MaxInt32, 0, "z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := EncodeBatch(tc.p, tc.first, tc.closed, tc.recs)
			got, p, first, closed, err := DecodeBatch(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p != tc.p || first != tc.first || closed != tc.closed {
				t.Errorf("header = %d/%d closed %v, want %d/%d closed %v", p, first, closed, tc.p, tc.first, tc.closed)
			}
			if !slices.Equal(got, tc.recs) && !(len(got) == 0 && len(tc.recs) == 0) {
				t.Errorf("records = %+v, want %+v", got, tc.recs)
			}
		})
	}
}

func TestDecodeBatchRefusesCorruptInput(t *testing.T) {
	good := EncodeBatch(1, 10, false, records(1, 10, "ab", "cd"))
	header := func(version, flags byte, fields ...uint64) []byte {
		b := []byte{version, flags}
		for _, f := range fields {
			b = binary.AppendUvarint(b, f)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte{batchVersion}},
		{"foreign text", []byte(`{"hello":"world"}`)},
		{"unknown version", append([]byte{9}, good[1:]...)},
		{"unknown flag", append([]byte{batchVersion, 0x80}, good[2:]...)},
		{"truncated header", header(batchVersion, 0, 1)},
		{"partition past int32", header(batchVersion, 0, math.MaxInt32+1, 0, 0)},
		{"offset past int64", header(batchVersion, 0, 0, math.MaxUint64, 0)},
		{"count beyond the limit", header(batchVersion, 0, 0, 0, MaxBatchRecords+1)},
		{"count beyond the bytes", append(header(batchVersion, 0, 0, 0, 1000), 0, 0, 0)},
		{"records in a closing marker", append(header(batchVersion, flagClosed, 0, 0, 1), 0, 0, 0)},
		{"truncated records", good[:len(good)-6]},
		{"truncated values", good[:len(good)-1]},
		{"trailing bytes", append(slices.Clone(good), 'x')},
		{"value longer than the message", append(header(batchVersion, 0, 0, 0, 1), 0, 0, 0x7f)},
		{"stray bytes after a marker", append(header(batchVersion, flagClosed, 0, 5, 0), 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, _, _, err := DecodeBatch(tc.data, nil)
			if !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("DecodeBatch(%x) = %d records, %v; want ErrCorruptBatch", tc.data, len(recs), err)
			}
		})
	}
}

// Decoding into a reused slice costs one allocation: the values' string.
func TestDecodeBatchAllocations(t *testing.T) {
	data := EncodeBatch(0, 0, false, records(0, 0, slices.Repeat([]string{"some value"}, 256)...))
	buf := make([]engines.Record, 256)
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, _, err := DecodeBatch(data, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("DecodeBatch allocates %v times per message, want at most 1", allocs)
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(EncodeBatch(0, 0, false, records(0, 0, "a", "bb", "")))
	f.Add(EncodeBatch(5, 1<<33, false, records(5, 1<<33, strings.Repeat("v", 200))))
	f.Add(EncodeBatch(2, 99, true, nil))
	f.Add([]byte{batchVersion, 0, 0, 0, 0xff, 0xff, 0x03})
	f.Add([]byte("not a batch"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, p, first, closed, err := DecodeBatch(data, nil)
		if err != nil {
			if !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("error %v does not wrap ErrCorruptBatch", err)
			}
			return
		}
		// Records cost at least minRecordBytes each, so memory is bounded
		// by the input.
		if len(recs)*minRecordBytes > len(data) {
			t.Fatalf("%d records from %d bytes", len(recs), len(data))
		}
		for i, r := range recs {
			if r.Partition != p || r.Offset != first+int64(i) {
				t.Fatalf("record %d at %d/%d, batch %d/%d", i, r.Partition, r.Offset, p, first)
			}
		}
		again := EncodeBatch(p, first, closed, recs)
		recs2, p2, first2, closed2, err := DecodeBatch(again, nil)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if p2 != p || first2 != first || closed2 != closed || !slices.Equal(recs, recs2) {
			t.Fatalf("round trip changed the batch: %d/%d %v %+v -> %d/%d %v %+v", p, first, closed, recs, p2, first2, closed2, recs2)
		}
		if len(again) > len(data) {
			t.Fatalf("re-encoding grew the batch from %d to %d bytes", len(data), len(again))
		}
		if !bytes.Equal(EncodeBatch(p2, first2, closed2, recs2), again) {
			t.Fatal("encoding is not deterministic")
		}
	})
}
