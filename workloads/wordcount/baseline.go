package wordcount

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// baselinePipeline is word count as a Go programmer writes it by hand for its
// output contract: a word's running count, whose updates may be merged as
// long as a merged update names the oldest record it covers (see the
// package doc). So every fetched batch of records is combined first: each
// word of the batch is counted once in a small map and leaves the batch as
// one update, naming the batch's first (oldest) record that holds it.
//
// One worker: fetch a batch, combine it, add each word's batch count to its
// running count, write one output per word of the batch. P workers (one per
// core, see baseline.Workers): P readers combine their batches and hand each
// word's batch count to the counter that owns the word (by a hash of the
// word) through a batched exchange; P counters add and write.
//
// The loop keeps no replay log and no durable state, so it offers
// at-most-once only; on a run without failures it loses nothing.
func baselinePipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, countSerial), nil
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		return countPartitioned(ctx, src, sink, p)
	}), nil
}

// batchCount is a word's occurrences in one fetched batch and the oldest
// record among them: the first one, since a batch is one partition's
// records in offset order.
type batchCount struct {
	word      string
	n         int64
	partition int32
	offset    int64
	intended  int64
}

// combiner merges a batch's words. It is reused batch after batch, so a
// steady loop allocates nothing: the map keeps its buckets across clear, and
// the words are substrings of the records' values.
type combiner struct {
	index map[string]int32 // word -> position in words
	words []batchCount
	split []string
}

func newCombiner() *combiner {
	return &combiner{index: make(map[string]int32, 4096), words: make([]batchCount, 0, 4096), split: make([]string, 0, 64)}
}

// combine returns the words of batch, each once, in order of first
// occurrence. The result is valid until the next call.
func (c *combiner) combine(batch []engines.Record) []batchCount {
	clear(c.index)
	c.words = c.words[:0]
	for i := range batch {
		r := &batch[i]
		c.split = SplitWords(c.split[:0], r.Value)
		for _, w := range c.split {
			if j, ok := c.index[w]; ok {
				c.words[j].n++
				continue
			}
			c.index[w] = int32(len(c.words))
			c.words = append(c.words, batchCount{w, 1, r.Partition, r.Offset, r.Intended})
		}
	}
	return c.words
}

// counts holds running counts: a map from word to a slot, so that adding to
// a word's count costs one hash lookup, not a lookup and an assignment.
type counts struct {
	slot map[string]int32
	n    []int64
}

func newCounts() *counts {
	return &counts{slot: make(map[string]int32, 1<<14), n: make([]int64, 0, 1<<14)}
}

// add adds n to word's count and returns the new count.
func (c *counts) add(word string, n int64) int64 {
	i, ok := c.slot[word]
	if !ok {
		i = int32(len(c.n))
		c.slot[word] = i
		c.n = append(c.n, 0)
	}
	c.n[i] += n
	return c.n[i]
}

// countSerial is the one-goroutine loop.
func countSerial(ctx context.Context, src engines.Source, sink engines.Sink) error {
	counts := newCounts()
	outs := make([]engines.Output, 0, 4096)
	comb := newCombiner()
	buf := make([]engines.Record, baseline.BatchSize)
	parts := baseline.Assign(src.Partitions(), 0, 1)
	return baseline.ReadAll(ctx, src, parts, buf, func(batch []engines.Record) error {
		outs = outs[:0]
		for _, b := range comb.combine(batch) {
			c := counts.add(b.word, b.n)
			outs = append(outs, engines.Output{Key: b.word, Value: c, Partition: b.partition, Offset: b.offset, Intended: b.intended})
		}
		return sink.Write(outs)
	})
}

// countPartitioned is the P-way loop: readers split and combine, counters
// count.
func countPartitioned(ctx context.Context, src engines.Source, sink engines.Sink, p int) error {
	seed := maphash.MakeSeed()
	counts := make([]*counts, p)
	outs := make([][]engines.Output, p)
	combs := make([]*combiner, p)
	for c := range p {
		counts[c] = newCounts()
		outs[c] = make([]engines.Output, 0, 1024)
		combs[c] = newCombiner()
	}
	return baseline.Shuffled(ctx, src, p,
		func(w int, batch []engines.Record, send func(int, batchCount) bool) error {
			for _, b := range combs[w].combine(batch) {
				if !send(int(maphash.String(seed, b.word)%uint64(p)), b) {
					return nil // the run is over
				}
			}
			return nil
		},
		func(c int, batch []batchCount) error {
			out := outs[c][:0]
			for _, b := range batch {
				n := counts[c].add(b.word, b.n)
				out = append(out, engines.Output{Key: b.word, Value: n, Partition: b.partition, Offset: b.offset, Intended: b.intended})
			}
			outs[c] = out
			return sink.Write(out)
		})
}
