package fraud

import (
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// tridentPipeline is fraud detection as a Trident user writes it:
//
//	stream.Each(["value", "record"], Parse, ["card", "txn"])
//	      .PartitionBy(["card"])
//	      .PartitionPersist(profiles, Detect, ["out"])   // the card's profile in a map state
//	      .NewValuesStream()
//	      .PartitionPersist(sink, ["out"], WriteOutputs)
//
// The rules depend on the order of a card's transactions. Every card lives
// in one partition, read by one spout task in offset order, and the
// partitionBy straight from the spout keeps each task's order, so a card's
// transactions of a batch reach Detect in offset order; batches are
// applied to the state in txid order. Detect judges them with Rules.Check
// on the card's Profile, stored in the map state with the alerts it
// raised: a transactional state that already holds a replayed batch
// returns that value unchanged, and its alerts are written again only if
// the sink did not commit them the first time.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("fraud", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("transactions", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, ParseFunction{}, tuple.NewFields("card", "txn")).
			PartitionBy(tuple.NewFields("card")).
			PartitionPersist(pl.MapState(), tuple.NewFields("card", "txn", "record"), DetectUpdater{Rules: in.Rules()}, trident.OutFields).
			ParallelismHint(pl.Parallelism).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// ParseFunction parses a transaction and appends its card and the parsed
// transaction. Its input is spout.SourceFields.
type ParseFunction struct{}

var _ operation.Function = ParseFunction{}

// Execute implements operation.Function.
func (ParseFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	txn, ok := Parse(t.GetString(0))
	if !ok {
		r := t.Get(1).(*engines.Record)
		c.ReportError(fmt.Errorf("record %d/%d is not a transaction: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	c.Emit(tuple.Values{txn.Card, txn})
}

// cardValue is what the profiles state stores per card: the profile after
// the batch that last changed it, and the alerts that batch raised on the
// card. It is never changed in place, since an opaque map keeps the
// previous value beside the current one.
type cardValue struct {
	profile Profile
	alerts  []engines.Output
}

// judge is the ValueUpdater of one card in one batch: its transactions, in
// order.
type judge struct {
	rules   Rules
	txns    []Txn
	records []*engines.Record
}

// Update judges the batch's transactions of the card on a copy of its
// stored profile.
func (j *judge) Update(stored any) any {
	var v cardValue
	if s, ok := stored.(cardValue); ok {
		v.profile = s.profile
		v.profile.recent = slices.Clone(s.profile.recent)
	}
	for i, txn := range j.txns {
		if j.rules.Check(&v.profile, txn) != 0 {
			v.alerts = append(v.alerts, AlertOutput(txn, j.records[i]))
		}
	}
	return v
}

// DetectUpdater applies a partition's transactions of a batch to the
// cards' profiles and emits an alert for each flagged one. Its input
// tuples are [card, txn, record].
type DetectUpdater struct {
	Rules Rules
}

var _ state.StateUpdater = DetectUpdater{}

// UpdateState implements state.StateUpdater.
func (u DetectUpdater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(state.MapState)
	if !ok {
		return fmt.Errorf("fraud detection needs a map state, got %T", s)
	}
	index := make(map[string]int, len(tuples))
	var keys [][]any
	var judges []*judge
	for _, t := range tuples {
		card := t.GetString(0)
		i, ok := index[card]
		if !ok {
			i = len(judges)
			card = strings.Clone(card) // the state keeps the key, not the record
			index[card] = i
			keys = append(keys, []any{card})
			judges = append(judges, &judge{rules: u.Rules})
		}
		judges[i].txns = append(judges[i].txns, t.Get(1).(Txn))
		judges[i].records = append(judges[i].records, t.Get(2).(*engines.Record))
	}
	ups := make([]state.ValueUpdater, len(judges))
	for i, j := range judges {
		ups[i] = j
	}
	vals, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for _, v := range vals {
		for _, a := range v.(cardValue).alerts {
			c.Emit(tuple.Values{a})
		}
	}
	return nil
}
