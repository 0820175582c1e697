package core_test

import (
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// The word count the fault tests run: core.SourceSpout, a split bolt and a
// count bolt writing through core.SinkWriter, as a Storm user writes it.

// splitBolt emits ("word", "record") for each word of a record's value.
type splitBolt struct{ core.BaseBasicBolt }

func (splitBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	r := t.GetValue(0).(*engines.Record)
	for _, w := range strings.Fields(r.Value) {
		c.Emit(core.Values{w, r})
	}
	return nil
}

func (splitBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("word", "record"))
}

// countBolt writes each word's running count, acking a word once written.
type countBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	counts map[string]int64
}

func (b *countBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.counts = map[string]int64{}
	return nil
}

func (b *countBolt) Execute(t *core.Tuple) {
	w, r := t.GetString(0), t.GetValue(1).(*engines.Record)
	b.counts[w]++
	b.Write(t, engines.Output{Key: w, Value: b.counts[w], Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
}

func (b *countBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// wordKey is a word's result.
type wordKey struct{ Key string }
