package core_test

import (
	"context"
	"errors"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

// lastWordFails is a bolt that acks every input and reports an error for
// the last one, so the topology finishes the moment the error is reported.
type lastWordFails struct {
	core.BaseBasicBolt
	Words int
	Err   error
	seen  int
}

func (b *lastWordFails) Execute(*core.Tuple, *core.BasicOutputCollector) error {
	if b.seen++; b.seen == b.Words {
		return core.ReportedFailure(b.Err)
	}
	return nil
}

func (b *lastWordFails) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestJobReturnsAnErrorReportedAsItFinishes: an error reported while the
// last tuple is processed is the run's result, even though the topology
// has finished by the time the job looks: a job checks for a reported
// error before it reports success.
func TestJobReturnsAnErrorReportedAsItFinishes(t *testing.T) {
	boom := errors.New("the last word failed")
	for i := range 300 {
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "a b", "c")
		src.CloseAll()
		conf := core.Config{}
		conf.SetNumAckers(0)
		job, err := core.NewJob("last", nil, conf, func(src engines.Source, _ engines.Sink) (*core.StormTopology, error) {
			b := core.NewTopologyBuilder()
			b.SetSpout("spout", &core.SourceSpout{Source: src}, 1)
			b.SetBolt("split", splitBolt{}, 1).ShuffleGrouping("spout")
			b.SetBolt("fail", &lastWordFails{Words: 3, Err: boom}, 1).ShuffleGrouping("split")
			return b.CreateTopology(), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := job.Run(context.Background(), src, &enginetest.CollectSink{}); !errors.Is(err, boom) {
			t.Fatalf("run %d returned %v, want the reported error", i, err)
		}
	}
}
