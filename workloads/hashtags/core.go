package hashtags

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// corePipeline is the hashtag job as a Storm user writes it, after
// storm-starter's RollingTopWords: a spout over the source's partitions; a
// parse bolt fed by a shuffle grouping that holds the spam list, loaded
// once per task at prepare as a bolt loads a file, and emits the tags of
// every tweet of a user not on it; a count bolt fed by a fields grouping on
// "tag" that counts each tag per window and emits the new count; and a rank
// bolt fed by a fields grouping on "window" that keeps each window's
// rankings. storm-starter splits ranking into intermediate rankers (fields
// on the word) and one total ranker (global); here one window's counts all
// reach one rank task, so that task is the total ranker of its windows and
// no intermediate stage is needed.
//
// The counts are kept in the count bolt's map rather than in Storm's
// windowed bolt, which on event time drops tuples behind the watermark
// (partitions read at different paces reach it out of timestamp order) and
// never evaluates the last windows of a finished input: keyed state gives
// every window its exact count, updated as tags arrive, as the oracle asks.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	spam := in.SpamList()
	return core.JobFor("hashtags", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("tweets", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("parse", &ParseBolt{SpamList: spam, Window: in.Window}, p).
			LocalOrShuffleGrouping("tweets")
		b.SetBolt("count", &TagCountBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).
			FieldsGrouping("parse", core.NewFields("tag"))
		b.SetBolt("rank", &RankBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).
			FieldsGrouping("count", core.NewFields("window"))
		return b.CreateTopology(), nil
	})
}

// ParseBolt parses tweets, drops those of users on the spam list and emits
// ("tag", "window", "record") for every hashtag of the others.
type ParseBolt struct {
	core.BaseBasicBolt
	// SpamList is the static spam list, which each task loads into a set.
	SpamList []string
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	spam map[string]struct{}
	tags []string
	slab []any
}

// Prepare loads the spam list.
func (b *ParseBolt) Prepare(core.Config, *core.TopologyContext) error {
	b.spam = make(map[string]struct{}, len(b.SpamList))
	for _, u := range b.SpamList {
		b.spam[u] = struct{}{}
	}
	return nil
}

// Execute parses one tweet.
func (b *ParseBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	user, tags, ok := Parse(r.Value, b.tags[:0])
	if !ok {
		return core.ReportedFailure(fmt.Errorf("record %d/%d is not a tweet: %.60q", r.Partition, r.Offset, r.Value))
	}
	b.tags = tags
	if _, spam := b.spam[user]; spam {
		return nil
	}
	w := b.Window(r.EventTime)
	for _, tag := range tags {
		if len(b.slab) < 3 {
			b.slab = make([]any, 3*core.SinkWriterMaxHeld)
		}
		v := core.Values(b.slab[:3:3])
		b.slab = b.slab[3:]
		v[0], v[1], v[2] = tag, w, r
		c.Emit(v)
	}
	return nil
}

// DeclareOutputFields declares ("tag", "window", "record").
func (b *ParseBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("tag", "window", "record"))
}

// TagCountBolt counts each of its tags per window, writes the count as it
// grows, and emits ("window", "tag", "count", "intended", "record") for the
// rankers, intended being the latest intended time among the window's
// occurrences of the tag.
type TagCountBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	collector *core.OutputCollector
	counts    *tally.Counter
}

// Prepare makes the task's counts.
func (b *TagCountBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	b.Open(c)
	b.counts = tally.New()
	return nil
}

// Execute counts one occurrence of a tag.
func (b *TagCountBolt) Execute(t *core.Tuple) {
	tag, w, r := t.GetString(0), t.GetInt64(1), t.GetValue(2).(*engines.Record)
	up := b.counts.Add(tag, w, 1, r.Partition, r.Offset, r.Intended)
	b.collector.Emit(t, core.Values{w, tag, up.Value, up.Intended, r})
	b.Write(t, up)
}

// DeclareOutputFields declares ("window", "tag", "count", "intended",
// "record").
func (b *TagCountBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("window", "tag", "count", "intended", "record"))
}

// RankBolt keeps the top TopN of each window it owns (Rankings) and writes
// every rank whose count changed.
type RankBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	ranker *ranker
	outs   []engines.Output
}

// Prepare makes the task's rankings.
func (b *RankBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.ranker = newRanker()
	return nil
}

// Execute ranks a tag's new count.
func (b *RankBolt) Execute(t *core.Tuple) {
	r := t.GetValue(4).(*engines.Record)
	b.outs = b.ranker.update(b.outs[:0], t.GetString(1), t.GetInt64(0), t.GetInt64(2), r.Partition, r.Offset, t.GetInt64(3))
	b.Write(t, b.outs...)
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *RankBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
