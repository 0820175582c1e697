package core_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

// ShoutBolt writes every record that ends in "!" as an event, and acks
// each record once its output is written.
type ShoutBolt struct {
	core.BaseRichBolt
	core.SinkWriter
}

func (b *ShoutBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	return nil
}

func (b *ShoutBolt) Execute(t *core.Tuple) {
	r := t.GetValueByField(core.RecordField).(*engines.Record)
	if !strings.HasSuffix(r.Value, "!") {
		b.Write(t) // nothing to write: acked at once
		return
	}
	b.Write(t, engines.Output{Key: r.Value, Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset})
}

func (b *ShoutBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// A core pipeline: the source spout, a bolt writing through a SinkWriter, and
// the guarantee mapped to Storm's acking settings by NewJob.
func ExampleJobFor() {
	job, err := core.JobFor("shouts", engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce},
		func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
			b := core.NewTopologyBuilder()
			b.SetSpout("lines", &core.SourceSpout{Source: src}, 2)
			b.SetBolt("shout", &ShoutBolt{SinkWriter: core.SinkWriter{Sink: sink}}, 2).ShuffleGrouping("lines")
			return b.CreateTopology(), nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := enginetest.NewMemSource(2)
	src.AppendValues(0, "hello", "stop!", "go on")
	src.AppendValues(1, "now!", "quiet")
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	if err := job.Run(context.Background(), src, sink); err != nil {
		fmt.Println(err)
		return
	}
	var shouts []string
	for _, o := range sink.Outputs() {
		shouts = append(shouts, fmt.Sprintf("%s at %d/%d", o.Key, o.Partition, o.Offset))
	}
	slices.Sort(shouts)
	fmt.Println(strings.Join(shouts, "\n"))
	fmt.Println("max spout pending:", job.Settings()[core.TopologyMaxSpoutPending])

	_, err = core.JobFor("shouts", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce}, nil)
	fmt.Println(err)
	// Output:
	// now! at 1/0
	// stop! at 0/1
	// max spout pending: 4096
	// core offers at-least-once (ackers and a replaying spout) and at-most-once (no ackers), not exactly-once; for exactly-once use --engine trident
}
