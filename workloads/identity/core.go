package identity

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// corePipeline is Storm's ConstSpout -> NullBolt made to deliver: a spout
// over the source's partitions, and a bolt fed by a shuffle grouping that
// writes each record out as it came. What it measures is Storm's cost per
// tuple: an emit, a hand-off between executors, an execute, and at
// at-least-once the acker's bookkeeping.
func corePipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	return coreJob(opts)
}

// coreJob builds the core pipeline's job, with options for tests.
func coreJob(opts engines.Options, jobOpts ...core.JobOption) (*core.Job, error) {
	p := opts.Parallelism
	return core.JobFor("identity", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("records", &core.SourceSpout{Source: src}, min(p, src.Partitions()))
		b.SetBolt("pass", &PassBolt{SinkWriter: core.SinkWriter{Sink: sink}}, p).LocalOrShuffleGrouping("records")
		return b.CreateTopology(), nil
	}, jobOpts...)
}

// PassBolt writes every record it receives as its output, untouched.
type PassBolt struct {
	core.BaseRichBolt
	core.SinkWriter
}

// Prepare readies the task's writer.
func (b *PassBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	return nil
}

// Execute writes the record out.
func (b *PassBolt) Execute(t *core.Tuple) {
	b.Write(t, Output(t.GetValue(0).(*engines.Record)))
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *PassBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
