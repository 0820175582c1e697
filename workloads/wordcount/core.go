package wordcount

import (
	"errors"
	"fmt"
	"io"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads"
)

// corePipeline is word count as a Storm user writes it: a spout over the
// source's partitions (each task owning some, like a Kafka spout), a split
// bolt fed by a shuffle grouping, and a count bolt fed by a fields grouping
// on "word" that writes one output per word occurrence to the sink.
//
// At-most-once runs no ackers: tuples are not tracked and a lost one stays
// lost. At-least-once runs Storm's ackers: the spout emits each record with
// a message id and emits it again when its tuple tree fails or times out;
// the count bolt acks a word only once its output has been written, so a
// replay may count a word twice but never loses one. Exactly-once is not
// what Storm core offers; Trident is.
func corePipeline(_ *Instance, opts workloads.Options) (engines.Engine, error) {
	fileConf := core.Config{}
	if opts.ConfigFile != "" {
		c, err := core.ReadConfigFile(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		fileConf = c
	}
	conf := core.Config{}
	switch opts.Guarantee {
	case engines.AtMostOnce:
		conf.SetNumAckers(0)
	case engines.AtLeastOnce:
		if n, ok := fileConf.Int(core.TopologyAckerExecutors); ok && n == 0 {
			return nil, fmt.Errorf("at-least-once needs ackers, but %s sets %s: 0", opts.ConfigFile, core.TopologyAckerExecutors)
		}
		// Bound the trees in flight unless the file does (Storm's advice:
		// without it, pending tuples grow without limit).
		if _, ok := fileConf[core.TopologyMaxSpoutPending]; !ok {
			conf.SetMaxSpoutPending(defaultMaxSpoutPending)
		}
	default:
		return nil, fmt.Errorf("storm core offers at-most-once (no ackers) and at-least-once (ackers and a replaying spout), not %s; for exactly-once use --engine trident", opts.Guarantee)
	}
	p := opts.Parallelism
	build := func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		spouts := min(p, src.Partitions())
		b := core.NewTopologyBuilder()
		b.SetSpout("sentences", &SourceSpout{Source: src}, spouts)
		b.SetBolt("split", &SplitBolt{}, p).ShuffleGrouping("sentences")
		b.SetBolt("count", &CountBolt{Sink: sink}, p).FieldsGrouping("split", core.NewFields("word"))
		return b.CreateTopology(), nil
	}
	return core.NewJob("wordcount", fileConf, conf, build)
}

// defaultMaxSpoutPending is the per-spout-task bound on records in flight
// at at-least-once.
const defaultMaxSpoutPending = 4096

// fetchSize is how many records a spout fetches from a partition at once.
const fetchSize = 256

// SourceSpout reads an engines.Source the way Storm's Kafka spout reads a
// topic: each task owns the partitions p with p mod tasks = its index,
// fetches from them round-robin without blocking, and emits one tuple per
// record, ("record") holding the *engines.Record. The message id is the
// record itself, so a failed tuple is emitted again from memory, as the
// Kafka spout re-emits a failed offset.
type SourceSpout struct {
	core.BaseRichSpout
	Source engines.Source

	collector *core.SpoutOutputCollector
	parts     []int
	offsets   []int64
	done      []bool
	next      int
	buf       []engines.Record
	replay    []*engines.Record
	slab      []any
}

var _ core.FiniteSpout = (*SourceSpout)(nil)

// Open assigns the task its partitions.
func (s *SourceSpout) Open(_ core.Config, ctx *core.TopologyContext, c *core.SpoutOutputCollector) error {
	s.collector = c
	tasks := len(ctx.ComponentTasks(ctx.ThisComponentID()))
	for p := ctx.ThisTaskIndex(); p < s.Source.Partitions(); p += tasks {
		s.parts = append(s.parts, p)
	}
	s.offsets = make([]int64, len(s.parts))
	s.done = make([]bool, len(s.parts))
	return nil
}

// NextTuple emits a record waiting for replay, or the next fetched record,
// fetching a batch when none is left.
func (s *SourceSpout) NextTuple() {
	var r *engines.Record
	if n := len(s.replay); n > 0 {
		r = s.replay[n-1]
		s.replay = s.replay[:n-1]
	} else {
		if len(s.buf) == 0 && !s.fetch() {
			return
		}
		r = &s.buf[0]
		s.buf = s.buf[1:]
	}
	if len(s.slab) == 0 {
		s.slab = make([]any, slabSize)
	}
	v := core.Values(s.slab[:1:1])
	s.slab = s.slab[1:]
	v[0] = r
	s.collector.Emit(v, r)
}

// fetch fills buf from the next partition that has records.
func (s *SourceSpout) fetch() bool {
	for range s.parts {
		i := s.next
		s.next = (s.next + 1) % len(s.parts)
		if s.done[i] {
			continue
		}
		// A fresh slice per fetch: emitted tuples point into it.
		buf := make([]engines.Record, fetchSize)
		n, err := s.Source.Fetch(s.parts[i], s.offsets[i], buf)
		if n > 0 {
			s.offsets[i] += int64(n)
			s.buf = buf[:n]
			return true
		}
		if errors.Is(err, io.EOF) {
			s.done[i] = true
		} else if err != nil {
			s.collector.ReportError(fmt.Errorf("fetch partition %d at offset %d: %w", s.parts[i], s.offsets[i], err))
		}
	}
	return false
}

// Fail queues the record for replay.
func (s *SourceSpout) Fail(msgID any) { s.replay = append(s.replay, msgID.(*engines.Record)) }

// Exhausted reports whether every owned partition has ended and nothing
// is left to emit or replay.
func (s *SourceSpout) Exhausted() bool {
	if len(s.replay) > 0 || len(s.buf) > 0 {
		return false
	}
	for _, d := range s.done {
		if !d {
			return false
		}
	}
	return true
}

// DeclareOutputFields declares ("record").
func (s *SourceSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("record"))
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
// output per occurrence. Outputs are written in batches when the executor
// flushes (core.Flusher), and the words acked only after their batch is
// written, so that at-least-once never acks an unwritten output.
type CountBolt struct {
	core.BaseRichBolt
	Sink engines.Sink

	collector *core.OutputCollector
	counts    map[string]int64
	outs      []engines.Output
	held      []*core.Tuple
}

// maxHeld bounds the outputs a count task buffers between flushes.
const maxHeld = 4096

// Prepare makes the task's count table.
func (b *CountBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	b.counts = make(map[string]int64, 1<<14)
	b.outs = make([]engines.Output, 0, maxHeld)
	b.held = make([]*core.Tuple, 0, maxHeld)
	return nil
}

// Execute counts one word occurrence.
func (b *CountBolt) Execute(t *core.Tuple) {
	w := t.GetString(0)
	r := t.GetValue(1).(*engines.Record)
	n := b.counts[w] + 1
	b.counts[w] = n
	b.outs = append(b.outs, engines.Output{Key: w, Value: n, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
	b.held = append(b.held, t)
	if len(b.outs) >= maxHeld {
		b.Flush()
	}
}

// Flush writes the buffered outputs and acks their words; a failed write
// fails them (to be replayed) and reports the error.
func (b *CountBolt) Flush() {
	if len(b.outs) == 0 {
		return
	}
	err := b.Sink.Write(b.outs)
	for i, t := range b.held {
		if err != nil {
			b.collector.Fail(t)
		} else {
			b.collector.Ack(t)
		}
		b.held[i] = nil
	}
	if err != nil {
		b.collector.ReportError(fmt.Errorf("write %d outputs to the sink: %w", len(b.outs), err))
	}
	b.outs = b.outs[:0]
	b.held = b.held[:0]
}

// ReuseAckedTuples lets the executor reuse the memory of the count bolt's
// input batches: Flush acks a word's tuple last and never touches it again.
func (b *CountBolt) ReuseAckedTuples() bool { return true }

// DeclareOutputFields declares nothing: the count bolt writes to the sink.
func (b *CountBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
