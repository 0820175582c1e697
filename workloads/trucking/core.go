package trucking

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// corePipeline is the trucking job as a Storm user writes it: a spout over
// the source's partitions; a join bolt fed by a shuffle grouping that holds
// the static road tables (speed limits and planned routes), judges each
// event against them, writes its alerts and emits its violations under its
// driver; and a violations bolt fed by a fields grouping on "driver" that
// counts each of its drivers' violations per window.
//
// The counts are kept in the violations bolt's map rather than in Storm's
// windowed bolt, which on event time drops tuples behind the watermark
// (partitions read at different paces reach it out of timestamp order) and
// never evaluates the last windows of a finished input: keyed state gives
// every window its exact count, updated as violations arrive.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return core.JobFor("trucking", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("positions", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("join", &JoinBolt{SinkWriter: core.SinkWriter{Sink: sink}, Roads: in.Roads(), Window: in.Window}, p).
			LocalOrShuffleGrouping("positions")
		b.SetBolt("violations", &ViolationsBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).
			FieldsGrouping("join", core.NewFields("driver"))
		return b.CreateTopology(), nil
	})
}

// JoinBolt judges each event against the road tables, writes its speeding
// and deviation alerts, and emits ("driver", "window", "violations",
// "record") for an event with any.
type JoinBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	// Roads are the static tables, read-only and shared by every task.
	Roads *Roads
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	collector *core.OutputCollector
	outs      []engines.Output
}

// Prepare readies the task's writer.
func (b *JoinBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	b.Open(c)
	return nil
}

// Execute judges one event.
func (b *JoinBolt) Execute(t *core.Tuple) {
	r := t.GetValue(0).(*engines.Record)
	e, ok := Parse(r.Value)
	if !ok {
		b.Reject(t, fmt.Errorf("record %d/%d is not a truck event: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	outs, n := alerts(b.Roads, b.outs[:0], e, r)
	b.outs = outs
	if n > 0 {
		b.collector.Emit(t, core.Values{e.Driver, b.Window(e.TimeMs * 1e6), n, r})
	}
	b.Write(t, outs...)
}

// DeclareOutputFields declares ("driver", "window", "violations", "record").
func (b *JoinBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("driver", "window", "violations", "record"))
}

// ViolationsBolt counts each of its drivers' violations per window and
// writes the count as it grows.
type ViolationsBolt struct {
	core.BaseRichBolt
	core.SinkWriter

	counts *tally.Counter
	keys   map[string]string // driver -> its violations key, made once
}

// Prepare makes the task's counts.
func (b *ViolationsBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.counts = tally.New()
	b.keys = map[string]string{}
	return nil
}

// Execute counts one event's violations.
func (b *ViolationsBolt) Execute(t *core.Tuple) {
	r := t.GetValue(3).(*engines.Record)
	key := violationsKey(b.keys, t.GetString(0))
	b.Write(t, b.counts.Add(key, t.GetInt64(1), t.GetInt64(2), r.Partition, r.Offset, r.Intended))
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *ViolationsBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
