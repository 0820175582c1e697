package identity

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
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
func tridentPipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("identity", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("records", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(tuple.NewFields("record"), PassFunction{}, trident.OutFields).
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
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
