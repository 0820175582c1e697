package wincount

import (
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/wire"
)

// A window's partial count in a Trident batch (*Partial) crosses a bolt
// boundary (the batch is partitioned by key and window before the state
// update), so between worker processes it travels with core's tuple
// codec, registered as a Storm user registers a Kryo serializer.
func init() {
	core.RegisterSerialization("wincount.Partial",
		func(buf []byte, p *Partial) []byte { return wire.AppendCount(buf, p.N, p.Latest) },
		func(b []byte) (*Partial, error) {
			n, r, err := wire.DecodeCount(b)
			if err != nil {
				return nil, err
			}
			return &Partial{N: n, Latest: r}, nil
		})
}
