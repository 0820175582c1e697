package wordcount

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// corePipeline is word count as a Storm user writes it: the source spout
// over the source's partitions (each task owning some, like a Kafka spout), a split
// bolt fed by a shuffle grouping, and a count bolt fed by a fields grouping
// on "word" that writes one output per word occurrence to the sink.
//
// At-most-once runs no ackers: tuples are not tracked and a lost one stays
// lost. At-least-once runs Storm's ackers: the spout emits each record with
// a message id and emits it again when its tuple tree fails or times out;
// the count bolt acks a word only once its output has been written, so a
// replay may count a word twice but never loses one. Exactly-once is not
// what Storm core offers; Trident is.
//
// With --param split=python the split bolt is a Python subprocess speaking
// Storm's multi-lang protocol (PythonSplitBolt), as storm-starter's word
// count runs splitsentence.py.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return core.JobFor("wordcount", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("sentences", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		var split core.Component = &SplitBolt{}
		if in.params["split"] == splitPython {
			split = newPythonSplitBolt()
		}
		b.SetBolt("split", split, p).LocalOrShuffleGrouping("sentences")
		b.SetBolt("count", &CountBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).FieldsGrouping("split", core.NewFields("word"))
		return b.CreateTopology(), nil
	})
}

// SplitBolt splits a record's sentence into words with SplitWords and
// emits ("word", "record") for each, anchored on the input.
type SplitBolt struct {
	core.BaseBasicBolt
	words []string
	slab  []any
}

// slabSize is how many values SplitBolt allocates at once: the Values of
// consecutive words are cut from one slab instead of each being allocated.
const slabSize = 1024

// Execute splits one sentence.
func (b *SplitBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	b.words = SplitWords(b.words[:0], r.Value)
	for _, w := range b.words {
		if len(b.slab) < 2 {
			b.slab = make([]any, slabSize)
		}
		v := core.Values(b.slab[:2:2])
		b.slab = b.slab[2:]
		v[0], v[1] = w, r
		c.Emit(v)
	}
	return nil
}

// DeclareOutputFields declares ("word", "record").
func (b *SplitBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("word", "record"))
}

// CountBolt keeps the running count of each of its words and writes one
// output per occurrence through a core.SinkWriter: outputs are written in
// batches when the executor flushes, and the words acked only after their
// batch is written, so that at-least-once never acks an unwritten output.
type CountBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	counts map[string]int64
}

// Prepare makes the task's count table.
func (b *CountBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.counts = make(map[string]int64, 1<<14)
	return nil
}

// Execute counts one word occurrence: ("word", "record") from SplitBolt,
// or ("word", "partition", "offset", "intended") from PythonSplitBolt.
func (b *CountBolt) Execute(t *core.Tuple) {
	w := t.GetString(0)
	n := b.counts[w] + 1
	b.counts[w] = n
	out := engines.Output{Key: w, Value: n}
	if r, ok := t.GetValue(1).(*engines.Record); ok {
		out.Partition, out.Offset, out.Intended = r.Partition, r.Offset, r.Intended
	} else {
		out.Partition, out.Offset, out.Intended = int32(t.GetInt64(1)), t.GetInt64(2), t.GetInt64(3)
	}
	b.Write(t, out)
}

// DeclareOutputFields declares nothing: the count bolt writes to the sink.
func (b *CountBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
