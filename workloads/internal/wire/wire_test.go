package wire

import (
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines"
)

// TestCount: a count round-trips with and without its record, and a cut or
// padded encoding is refused.
func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n int64
		r *engines.Record
	}{
		{0, nil},
		{-3, nil},
		{7, &engines.Record{Partition: 3, Offset: 1 << 40, EventTime: -5, Intended: 1_800_000_000_000_000_000, Value: "the quick fox"}},
		{1, &engines.Record{}},
	} {
		enc := AppendCount(nil, tc.n, tc.r)
		n, r, err := DecodeCount(enc)
		if err != nil || n != tc.n || !reflect.DeepEqual(r, tc.r) {
			t.Errorf("%d %+v: decoded %d %+v, %v", tc.n, tc.r, n, r, err)
		}
		for i := range enc {
			if _, _, err := DecodeCount(enc[:i]); err == nil {
				t.Errorf("%d %+v: a cut at %d of %d bytes decoded", tc.n, tc.r, i, len(enc))
			}
		}
		if _, _, err := DecodeCount(append(enc, 0)); err == nil {
			t.Errorf("%d %+v: a padded encoding decoded", tc.n, tc.r)
		}
	}
}

// FuzzDecodeCount: no input panics, and what decodes encodes to an
// encoding that decodes the same (varints may be written longer than
// needed, so the bytes need not be the same).
func FuzzDecodeCount(f *testing.F) {
	f.Add(AppendCount(nil, 7, &engines.Record{Partition: 1, Offset: 2, Value: "x"}))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		n, r, err := DecodeCount(p)
		if err != nil {
			return
		}
		again := AppendCount(nil, n, r)
		n2, r2, err := DecodeCount(again)
		if err != nil || n2 != n || !reflect.DeepEqual(r2, r) {
			t.Fatalf("%x decoded to %d %+v, which encodes as %x and decodes to %d %+v, %v", p, n, r, again, n2, r2, err)
		}
	})
}
