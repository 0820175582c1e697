// Package identity is the identity workload: every record passes through
// untouched, so what is measured is the pure cost of the engine: reading,
// handing records between stages and writing them out. It is Storm's
// ConstSpout -> NullBolt, HiBench's identity and Nexmark's query 0.
//
// Records are opaque payloads of record-bytes printable bytes, drawn from a
// table of distinct payloads. Each record comes out as one event whose key is
// its payload, so the oracle's count per payload checks that nothing was
// lost, repeated or altered on the way.
//
// Pipelines, one per engine:
//
//	baseline    read a batch, write it out
//	core        spout -> bolt (shuffle) writing each tuple
//	trident     each(pass) over the batch spout
//	microbatch  the received stream, written by foreachRDD
//
// The output contract: one output is one event, a record passed through (Event set, Value 1, naming the record);
// nothing may be merged, so an engine writes exactly one output per record. The verifier fails a run whose
// outputs merge events. (The workloads package says what each kind of output allows.)
package identity

import (
	"fmt"
	"math/rand/v2"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

// Workload describes identity to the harness.
var Workload = workloads.Workload{
	Name:        "identity",
	Description: "every record passes through untouched: the pure cost of the engine (ConstSpout -> NullBolt)",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "record-bytes", Default: "100", Description: "payload size in bytes, in [1, 65536]"},
	{Name: "payloads", Default: "1024", Description: "distinct payloads the stream draws from, in [1, 1048576]"},
}

var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Instance is a configured identity workload.
type Instance struct {
	cfg      workloads.Config
	events   workloads.EventClock
	params   map[string]string
	payloads workloads.Table
	size     int
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the payload table from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("identity", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	size, err := ps.Int("record-bytes", 1, 1<<16)
	if err != nil {
		return nil, err
	}
	n, err := ps.Int("payloads", 1, 1<<20)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("identity: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6964656e74697479)) // "identity"
	seen := make(map[string]bool, n)
	table := make(workloads.Table, 0, n)
	b := make([]byte, size)
	for len(table) < n {
		for i := range b {
			b[i] = byte(' ' + 1 + rng.IntN(94)) // printable, no spaces
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			table = append(table, string(b))
		}
		if size < 4 && len(seen) >= 1<<(6*size) { // few distinct short payloads exist
			break
		}
	}
	return &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), payloads: table, size: size}, nil
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	r.Value = in.payloads.Pick(in.cfg.Seed, g)
	r.EventTime = in.events.At(g)
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return float64(in.size) }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Expect implements workloads.Instance: how many records carry each payload.
func (in *Instance) Expect(published []int64) workloads.Expected {
	want := make(map[workloads.Key]int64)
	for p, n := range published {
		for o := range n {
			want[workloads.Key{Key: in.payloads.Pick(in.cfg.Seed, workloads.GlobalIndex(int32(p), o, in.cfg.Partitions))}]++
		}
	}
	return workloads.Expected{Counts: want, Unit: "records"}
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Contract implements workloads.Contracted: every output is an event, one
// per record; nothing may be merged.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{IsEvent: workloads.AllEvents}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("identity", in, engine, opts)
}

// Output returns the output a record becomes: one event keyed by its payload.
func Output(r *engines.Record) engines.Output {
	return engines.Output{Key: r.Value, Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
}
