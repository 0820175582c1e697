package ads

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// corePipeline is the Yahoo job as a Storm user writes it: a spout over the
// source's partitions; a bolt fed by a shuffle grouping that parses each
// event, keeps the views, projects them to (ad, event time) and joins the
// ad to its campaign in the static table; and a campaign bolt fed by a
// fields grouping on "campaign", so that one task owns each campaign's
// counts, writing each window's count as it grows. The Yahoo benchmark's
// own Storm topology runs the first four steps as four bolts (deserialize,
// filter, projection, Redis join) chained by shuffle groupings; none of
// them needs a grouping by key, so they are one bolt here, as the other
// engines fuse them into one stage, and the comparison is of the same
// dataflow.
//
// The counts are kept in the campaign bolt's map, as the benchmark's
// CampaignProcessor keeps them (and flushes them to Redis), rather than in
// Storm's windowed bolt, which on event time drops tuples behind the
// watermark and never evaluates the last windows of a finished input.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return core.JobFor("ads", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("ad-events", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("views", &ViewBolt{Campaign: in.Campaign, Window: in.Window}, p).LocalOrShuffleGrouping("ad-events")
		b.SetBolt("campaigns", &CampaignBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).
			FieldsGrouping("views", core.NewFields("campaign"))
		return b.CreateTopology(), nil
	})
}

// ViewBolt parses ad events and emits ("campaign", "window", "record") for
// each view of an ad of a campaign.
type ViewBolt struct {
	core.BaseBasicBolt
	// Campaign looks an ad up in the static campaign table.
	Campaign func(adID string) (string, bool)
	// Window returns the start of the window holding a time in ms.
	Window func(timeMs int64) int64

	slab []any
}

// Execute parses, filters and joins one event.
func (b *ViewBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	e, ok := Parse(r.Value)
	if !ok {
		return core.ReportedFailure(fmt.Errorf("record %d/%d is not an ad event: %.60q", r.Partition, r.Offset, r.Value))
	}
	if e.EventType != "view" {
		return nil
	}
	campaign, ok := b.Campaign(e.AdID)
	if !ok {
		return nil // an ad of no campaign: the original drops it too
	}
	if len(b.slab) < 3 {
		b.slab = make([]any, 3*core.SinkWriterMaxHeld)
	}
	v := core.Values(b.slab[:3:3])
	b.slab = b.slab[3:]
	v[0], v[1], v[2] = campaign, b.Window(e.TimeMs), r
	c.Emit(v)
	return nil
}

// DeclareOutputFields declares ("campaign", "window", "record").
func (b *ViewBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("campaign", "window", "record"))
}

// CampaignBolt counts the views of each of its campaigns per window and
// writes the count as it grows.
type CampaignBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	counts counter
}

// Prepare makes the task's counts.
func (b *CampaignBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.counts = counter{}
	return nil
}

// Execute counts one view.
func (b *CampaignBolt) Execute(t *core.Tuple) {
	r := t.GetValue(2).(*engines.Record)
	b.Write(t, b.counts.add(t.GetString(0), t.GetInt64(1), r.Partition, r.Offset, r.Intended))
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *CampaignBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
