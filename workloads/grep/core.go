package grep

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// corePipeline is grep as a Storm user writes it: a spout over the source's
// partitions; a grep bolt fed by a shuffle grouping (matching needs no
// coordination) that writes each matching line out and emits its window;
// and a count bolt fed by a fields grouping on "window", so that one task
// owns each window's count, writing the count as it grows.
//
// The count is kept in the count bolt's own map rather than in Storm's
// windowed bolt. On event time, that bolt evaluates a window once the
// watermark, the latest timestamp seen less a lag, passes its end, and
// drops as late every tuple behind the watermark: partitions read at
// different paces reach it out of timestamp order, so some would be
// dropped, and the last windows of a finished input would never be
// evaluated, since no later tuple moves the watermark past them. Counting
// in keyed state gives every window its exact count, updated as matches
// arrive, which is what the oracle asks of every engine.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return core.JobFor("grep", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("lines", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("grep", &GrepBolt{SinkWriter: core.SinkWriter{Sink: sink}, Matcher: in.Matcher(), Window: in.Window}, p).
			LocalOrShuffleGrouping("lines")
		b.SetBolt("count", &MatchCountBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).
			FieldsGrouping("grep", core.NewFields("window"))
		return b.CreateTopology(), nil
	})
}

// GrepBolt writes every line that holds the pattern as an event, and emits
// ("window", "record") for it, anchored on the line's tuple.
type GrepBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	Matcher Matcher
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	collector *core.OutputCollector
}

// Prepare readies the task's writer.
func (b *GrepBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	b.Open(c)
	return nil
}

// Execute matches one line.
func (b *GrepBolt) Execute(t *core.Tuple) {
	r := t.GetValue(0).(*engines.Record)
	if !b.Matcher.Match(r.Value) {
		b.Write(t)
		return
	}
	b.collector.Emit(t, core.Values{b.Window(r.EventTime), r})
	b.Write(t, MatchEvent(r))
}

// DeclareOutputFields declares ("window", "record").
func (b *GrepBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("window", "record"))
}

// MatchCountBolt counts the matches of each window it owns and writes the
// count as it grows.
type MatchCountBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	counts *tally.Counter
}

// Prepare makes the task's counts.
func (b *MatchCountBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.counts = tally.New()
	return nil
}

// Execute counts one match.
func (b *MatchCountBolt) Execute(t *core.Tuple) {
	r := t.GetValue(1).(*engines.Record)
	b.Write(t, b.counts.Add(MatchesKey, t.GetInt64(0), 1, r.Partition, r.Offset, r.Intended))
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *MatchCountBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
