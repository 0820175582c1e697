package fraud

import (
	"fmt"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// corePipeline is fraud detection as a Storm user writes it: a spout over
// the source's partitions that keys each transaction by its card (a Kafka
// spout's record translator), and a detect bolt fed by a fields grouping on
// "card" that keeps each of its cards' profiles in a map and writes an
// alert for every flagged transaction.
//
// The rules depend on the order of a card's transactions. A card lives in
// one partition, a partition is read by one spout task in offset order,
// and Storm delivers the tuples one task sends another in the order sent,
// so grouping by card straight from the spout, with no shuffle before it,
// gives the detect task every transaction of a card in order.
//
// At at-least-once a tuple tree that timed out while its transaction was
// still queued is replayed after the transaction has been judged. Judging
// it again would count it twice in the card's profile and might alert
// twice, so the detect bolt remembers the offset of each card's last judged
// transaction and acks a replay at or before it without judging it; the
// spout replays failed transactions in offset order, so a replay not yet
// judged comes in order. What Storm core cannot give without a state
// backend is a profile that survives its worker: a killed worker's cards
// start again with empty profiles.
func corePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return coreJob(in, opts)
}

// coreJob builds the core pipeline's job, with options for tests.
func coreJob(in *Instance, opts engines.Options, jobOpts ...core.JobOption) (*core.Job, error) {
	p := opts.Parallelism
	rules := in.Rules()
	return core.JobFor("fraud", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("transactions", &core.SourceSpout{Source: src, KeyField: "card", Key: cardOf}, min(p, src.Partitions()))
		b.SetBolt("detect", &DetectBolt{SinkWriter: core.SinkWriter{Sink: sink}, Rules: rules}, p).
			FieldsGrouping("transactions", core.NewFields("card"))
		return b.CreateTopology(), nil
	}, jobOpts...)
}

// cardOf returns the card of a transaction: the key the spout groups by.
func cardOf(r *engines.Record) (string, error) {
	t, ok := Parse(r.Value)
	if !ok {
		return "", fmt.Errorf("not a transaction: %.60q", r.Value)
	}
	return t.Card, nil
}

// DetectBolt judges each transaction of its cards against the card's
// profile and writes an alert for a flagged one.
type DetectBolt struct {
	core.BaseRichBolt
	core.SinkWriter
	Rules Rules

	cards map[string]*cardState
}

// cardState is what a detect task keeps of one card: its profile, and the
// offset of its last judged transaction (a card lives in one partition, so
// its offsets grow).
type cardState struct {
	profile Profile
	judged  int64
}

// Prepare makes the task's profile table.
func (b *DetectBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	b.cards = make(map[string]*cardState, 1024)
	return nil
}

// Execute judges one transaction.
func (b *DetectBolt) Execute(t *core.Tuple) {
	r := t.GetValue(1).(*engines.Record)
	txn, ok := Parse(r.Value)
	if !ok {
		b.Reject(t, fmt.Errorf("record %d/%d is not a transaction: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	card := b.cards[txn.Card]
	if card == nil {
		card = &cardState{judged: -1}
		b.cards[strings.Clone(txn.Card)] = card // not the whole record
	}
	if r.Offset <= card.judged {
		b.Write(t) // a replay of a transaction already judged
		return
	}
	card.judged = r.Offset
	if b.Rules.Check(&card.profile, txn) == 0 {
		b.Write(t)
		return
	}
	b.Write(t, AlertOutput(txn, r))
}

// DeclareOutputFields declares nothing: the bolt writes to the sink.
func (b *DetectBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}
