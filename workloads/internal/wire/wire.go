// Package wire encodes the partial aggregates the workloads' Trident
// pipelines send between bolts, for core's tuple codec
// (core.RegisterSerialization), so they cross worker processes in cluster
// mode as a Storm user's Kryo-registered classes do.
package wire

import (
	"encoding/binary"
	"errors"

	"github.com/streambench/streambench/engines"
)

// ErrBadPartial is returned for an encoding AppendCount did not write.
var ErrBadPartial = errors.New("bad encoded partial count")

// AppendCount appends a count and the record it names (nil for none): the
// count as a varint, then 0 for no record or 1 and its partition, offset,
// event and intended times as varints and its value as a uvarint length
// and its bytes.
func AppendCount(buf []byte, n int64, r *engines.Record) []byte {
	buf = binary.AppendVarint(buf, n)
	if r == nil {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	buf = binary.AppendVarint(buf, int64(r.Partition))
	buf = binary.AppendVarint(buf, r.Offset)
	buf = binary.AppendVarint(buf, r.EventTime)
	buf = binary.AppendVarint(buf, r.Intended)
	buf = binary.AppendUvarint(buf, uint64(len(r.Value)))
	return append(buf, r.Value...)
}

// DecodeCount decodes what AppendCount wrote, all of p.
func DecodeCount(p []byte) (int64, *engines.Record, error) {
	next := func() (int64, bool) {
		v, k := binary.Varint(p)
		if k <= 0 {
			return 0, false
		}
		p = p[k:]
		return v, true
	}
	n, ok := next()
	if !ok || len(p) < 1 {
		return 0, nil, ErrBadPartial
	}
	has := p[0]
	p = p[1:]
	switch {
	case has == 0 && len(p) == 0:
		return n, nil, nil
	case has != 1:
		return 0, nil, ErrBadPartial
	}
	var f [4]int64
	for i := range f {
		if f[i], ok = next(); !ok {
			return 0, nil, ErrBadPartial
		}
	}
	l, k := binary.Uvarint(p)
	if k <= 0 || l != uint64(len(p)-k) || f[0] < 0 || f[0] > 1<<31-1 {
		return 0, nil, ErrBadPartial
	}
	return n, &engines.Record{Partition: int32(f[0]), Offset: f[1], EventTime: f[2], Intended: f[3], Value: string(p[k:])}, nil
}
