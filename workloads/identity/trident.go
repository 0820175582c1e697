package identity

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/tridentpipe"
)

// tridentPipeline is identity as a Trident user writes it:
//
//	stream.Each(["record"], Pass, ["out"])
//	      .PartitionPersist(sink, ["out"], WriteOutputs)
//
// Every record becomes its output on the spout's own tasks, with no
// repartition, and the batch's outputs are written when it commits. What
// it measures is Trident's cost per record: the batch coordination, one
// Each, and the commit.
func tridentPipeline(_ *Instance, opts workloads.Options) (engines.Engine, error) {
	return tridentpipe.NewJob("identity", opts, func(pl tridentpipe.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("records", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(tuple.NewFields("record"), PassFunction{}, tridentpipe.OutFields).
			PartitionPersist(pl.SinkState(), tridentpipe.OutFields, tridentpipe.WriteOutputs{}, nil)
		return topo, nil
	})
}

// PassFunction is the Each function that makes each record its output,
// untouched.
type PassFunction struct{}

var _ operation.Function = PassFunction{}

// Execute implements operation.Function.
func (PassFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{Output(t.Get(0).(*engines.Record))})
}
