package network

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// corePipeline is tower allocation as a Storm user writes it: a spout over
// the source's partitions, a parse bolt fed by a shuffle grouping that
// emits each record's tower and window, and a load bolt fed by a fields
// grouping on "tower", so that one task owns each tower's load, holding the
// static capacity table and writing the load as it grows and the allocate
// decision when it crosses the tower's capacity.
//
// The load is kept in the load bolt's map rather than in Storm's windowed
// bolt, which on event time drops tuples behind the watermark (partitions
// read at different paces reach it out of timestamp order) and never
// evaluates the last windows of a finished input; and an allocate decision
// is wanted the moment the load crosses, not when the window closes.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return core.JobFor("network", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("cdrs", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("parse", &ParseBolt{Window: in.Window}, p).LocalOrShuffleGrouping("cdrs")
		b.SetBolt("load", &LoadBolt{SinkWriter: core.SinkWriter{Sink: sink}, Instance: in}, p).
			FieldsGrouping("parse", core.NewFields("tower"))
		return b.CreateTopology(), nil
	})
}

// ParseBolt parses CDRs and emits ("tower", "window", "record").
type ParseBolt struct {
	core.BaseBasicBolt
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	slab []any
}

// Execute parses one CDR.
func (b *ParseBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	cdr, ok := Parse(r.Value)
	if !ok {
		return core.ReportedFailure(fmt.Errorf("record %d/%d is not a CDR: %.60q", r.Partition, r.Offset, r.Value))
	}
	if len(b.slab) < 3 {
		b.slab = make([]any, 3*core.SinkWriterMaxHeld)
	}
	v := core.Values(b.slab[:3:3])
	b.slab = b.slab[3:]
	v[0], v[1], v[2] = cdr.Tower, b.Window(r.EventTime), r
	c.Emit(v)
	return nil
}

// DeclareOutputFields declares ("tower", "window", "record").
func (b *ParseBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("tower", "window", "record"))
}

// LoadBolt counts each of its towers' load per window against the
// capacity table, writing the load and, when it reaches the capacity, the
// allocate decision.
type LoadBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	// Instance holds the capacity table.
	Instance *Instance

	loads loadCounter
	outs  []engines.Output
}

// Prepare makes the task's loads.
func (b *LoadBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.loads = loadCounter{b.Instance, tally.New()}
	return nil
}

// Execute counts one record of a tower.
func (b *LoadBolt) Execute(t *core.Tuple) {
	r := t.GetValue(2).(*engines.Record)
	outs, err := b.loads.add(b.outs[:0], t.GetString(0), t.GetInt64(1), r.Partition, r.Offset, r.Intended)
	if err != nil {
		b.Reject(t, err)
		return
	}
	b.outs = outs
	b.Write(t, outs...)
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *LoadBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
