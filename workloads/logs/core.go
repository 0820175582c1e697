package logs

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// corePipeline is log monitoring as a Storm user writes it: a spout over
// the source's partitions, a parse bolt fed by a shuffle grouping that
// emits each line's service, window and level, and a monitor bolt fed by a
// fields grouping on "service", so that one task owns each service's
// windows, writing their counts as they grow and every anomaly flag that
// changes (Detector.Add).
//
// The windows are kept in the monitor bolt's own state rather than in
// Storm's windowed bolt, which on event time drops tuples behind the
// watermark (partitions read at different paces reach it out of timestamp
// order) and never evaluates the last windows of a finished input. A flag
// also depends on the windows before it, which a sliding window of the
// raw lines would recount at every slide; the monitor keeps their counts.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	detector := in.Detector()
	return core.JobFor("logs", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("lines", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("parse", &ParseBolt{Window: in.Window}, p).LocalOrShuffleGrouping("lines")
		b.SetBolt("monitor", &MonitorBolt{SinkWriter: core.SinkWriter{Sink: sink}, Detector: detector}, p).
			FieldsGrouping("parse", core.NewFields("service"))
		return b.CreateTopology(), nil
	})
}

// ParseBolt parses log lines and emits ("service", "window", "error",
// "record"), windowing on the time written in the line.
type ParseBolt struct {
	core.BaseBasicBolt
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	slab []any
}

// Execute parses one line.
func (b *ParseBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	l, ok := Parse(r.Value)
	if !ok {
		return core.ReportedFailure(fmt.Errorf("record %d/%d is not a log line: %.60q", r.Partition, r.Offset, r.Value))
	}
	if len(b.slab) < 4 {
		b.slab = make([]any, 4*core.SinkWriterMaxHeld)
	}
	v := core.Values(b.slab[:4:4])
	b.slab = b.slab[4:]
	v[0], v[1], v[2], v[3] = l.Service, b.Window(l.TimeMs*1e6), l.IsError(), r
	c.Emit(v)
	return nil
}

// DeclareOutputFields declares ("service", "window", "error", "record").
func (b *ParseBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("service", "window", "error", "record"))
}

// MonitorBolt keeps the windows of each of its services, writing the
// lines and errors of a window as they grow and every anomaly flag that
// changes.
type MonitorBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	Detector Detector

	monitor *monitor
	outs    []engines.Output
}

// Prepare makes the task's monitor.
func (b *MonitorBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.monitor = newMonitor(b.Detector)
	return nil
}

// Execute counts one line.
func (b *MonitorBolt) Execute(t *core.Tuple) {
	r := t.GetValue(3).(*engines.Record)
	b.outs = b.monitor.add(b.outs[:0], t.GetString(0), t.GetInt64(1), t.GetBool(2), r.Partition, r.Offset, r.Intended)
	b.Write(t, b.outs...)
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *MonitorBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
