package wordcount

import (
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/wire"
)

// A word's partial count in a Trident batch (*wordBatch) crosses a bolt
// boundary (the batch is partitioned by word before the state update), so
// between worker processes it travels with core's tuple codec, registered
// as a Storm user registers a Kryo serializer.
func init() {
	core.RegisterSerialization("wordcount.wordBatch",
		func(buf []byte, b *wordBatch) []byte { return wire.AppendCount(buf, b.n, b.oldest) },
		func(p []byte) (*wordBatch, error) {
			n, r, err := wire.DecodeCount(p)
			if err != nil {
				return nil, err
			}
			return &wordBatch{n: n, oldest: r}, nil
		})
}
