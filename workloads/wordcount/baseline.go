package wordcount

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// baselinePipeline is word count as a Go programmer writes it by hand. One
// worker: fetch a batch, split each sentence, bump the word's count in a map,
// write one output per occurrence, one sink write per batch. P workers: P
// readers split sentences and hand each word to the counter that owns it (by
// a hash of the word) through a batched exchange; P counters count and write.
//
// The loop keeps no replay log and no durable state, so it offers
// at-most-once only; on a run without failures it loses nothing.
func baselinePipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	if opts.Parallelism == 1 {
		return baseline.New(1, countSerial), nil
	}
	p := opts.Parallelism
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		return countPartitioned(ctx, src, sink, p)
	}), nil
}

// countSerial is the one-goroutine loop.
func countSerial(ctx context.Context, src engines.Source, sink engines.Sink) error {
	counts := make(map[string]int64, 1<<14)
	outs := make([]engines.Output, 0, 16*baseline.BatchSize)
	words := make([]string, 0, 64)
	buf := make([]engines.Record, baseline.BatchSize)
	parts := baseline.Assign(src.Partitions(), 0, 1)
	return baseline.ReadAll(ctx, src, parts, buf, func(batch []engines.Record) error {
		outs = outs[:0]
		for i := range batch {
			r := &batch[i]
			words = SplitWords(words[:0], r.Value)
			for _, w := range words {
				c := counts[w] + 1
				counts[w] = c
				outs = append(outs, engines.Output{Key: w, Value: c, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
			}
		}
		return sink.Write(outs)
	})
}

// occurrence is one word on its way from a reader to its counter, with the
// record that caused it.
type occurrence struct {
	word      string
	partition int32
	offset    int64
	intended  int64
}

// countPartitioned is the P-way loop: readers split, counters count.
func countPartitioned(ctx context.Context, src engines.Source, sink engines.Sink, p int) error {
	seed := maphash.MakeSeed()
	counts := make([]map[string]int64, p)
	outs := make([][]engines.Output, p)
	for c := range p {
		counts[c] = make(map[string]int64, 1<<14)
		outs[c] = make([]engines.Output, 0, 1024)
	}
	words := make([][]string, p)
	return baseline.Shuffled(ctx, src, p,
		func(w int, batch []engines.Record, send func(int, occurrence) bool) error {
			for i := range batch {
				r := &batch[i]
				words[w] = SplitWords(words[w][:0], r.Value)
				for _, word := range words[w] {
					if !send(int(maphash.String(seed, word)%uint64(p)), occurrence{word, r.Partition, r.Offset, r.Intended}) {
						return nil // the run is over
					}
				}
			}
			return nil
		},
		func(c int, batch []occurrence) error {
			out := outs[c][:0]
			for _, o := range batch {
				n := counts[c][o.word] + 1
				counts[c][o.word] = n
				out = append(out, engines.Output{Key: o.word, Value: n, Partition: o.partition, Offset: o.offset, Intended: o.intended})
			}
			outs[c] = out
			return sink.Write(out)
		})
}
