package tridentpipe

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/workloads"
)

// Defaults where the configuration file and the options leave a setting
// unset; the same as word count's.
const (
	// DefaultBatchSize is the number of records per batch.
	DefaultBatchSize = 10000
	// DefaultEmitIntervalMillis starts the next batch as soon as there is
	// room for it: Storm's 500 ms would cap a 10k-record batch at 20k
	// records/s. The coordinator still starts a batch only when the source
	// has new records (spout.Readier), so an idle source cycles no empty
	// batches.
	DefaultEmitIntervalMillis = 0
)

// Plan is what a pipeline's build function gets: the run's source as a
// Trident spout of the kind the guarantee needs, the state type to persist
// with, and the sink.
type Plan struct {
	Source engines.Source
	Sink   engines.Sink
	// Spout reads Source; its tuples are spout.SourceFields.
	Spout spout.TridentSpout
	// StateType is the type of every map state of the pipeline.
	StateType state.Type
	// Parallelism is the run's --parallelism.
	Parallelism int
}

// SpoutParallelism is the spout's parallelism: one task per partition at
// most, as a Kafka spout has.
func (pl Plan) SpoutParallelism() int { return min(pl.Parallelism, pl.Source.Partitions()) }

// MapState returns a new in-memory map state factory of the plan's type.
func (pl Plan) MapState() state.Factory { return state.NewMemoryMapStateFactory(pl.StateType) }

// SinkState returns the plan's sink as a state of the plan's type.
func (pl Plan) SinkState() state.Factory { return &SinkStateFactory{Sink: pl.Sink, Type: pl.StateType} }

// NewJob returns the Trident job that runs the topology build returns,
// named name and configured for opts: opts.ConfigFile as the storm.yaml
// layer, opts.BatchSize records per batch, and the guarantee mapped to the
// spout and state types that give it.
func NewJob(name string, opts workloads.Options, build func(Plan) (*trident.TridentTopology, error)) (*trident.Job, error) {
	conf := core.Config{}
	if opts.ConfigFile != "" {
		c, err := trident.ReadConfigFile(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		conf = c
	}
	if _, ok := conf[trident.TopologyTridentBatchEmitIntervalMillis]; !ok {
		conf[trident.TopologyTridentBatchEmitIntervalMillis] = DefaultEmitIntervalMillis
	}
	batchSize := opts.BatchSize
	if batchSize == 0 {
		batchSize = DefaultBatchSize
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("trident batch size must be at least 1, got %d", batchSize)
	}
	if opts.Parallelism < 1 {
		return nil, fmt.Errorf("parallelism must be at least 1, got %d", opts.Parallelism)
	}
	kind, st, err := Kinds(opts)
	if err != nil {
		return nil, err
	}
	return trident.NewJob(name, conf, func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
		sp, err := spout.NewSourceSpout(src, kind, batchSize)
		if err != nil {
			return nil, err
		}
		return build(Plan{Source: src, Sink: sink, Spout: sp, StateType: st, Parallelism: opts.Parallelism})
	})
}

// Kinds maps a guarantee (and, at exactly-once, --state) to the spout kind
// and state type that give it.
func Kinds(opts workloads.Options) (spout.Kind, state.Type, error) {
	switch opts.Guarantee {
	case engines.ExactlyOnce:
		switch opts.State {
		case "", "transactional":
			return spout.Transactional, state.Transactional, nil
		case "opaque":
			return spout.Opaque, state.Opaque, nil
		}
		return 0, 0, fmt.Errorf("unknown trident state %q (known: transactional, opaque)", opts.State)
	case engines.AtMostOnce:
		if opts.State != "" {
			return 0, 0, fmt.Errorf("--state %s applies to exactly-once; at-most-once uses non-transactional state", opts.State)
		}
		return spout.NonTransactional, state.NonTransactional, nil
	}
	return 0, 0, fmt.Errorf("trident offers exactly-once (transactional or opaque state) and at-most-once (non-transactional state), not %s; for at-least-once use --engine core", opts.Guarantee)
}
