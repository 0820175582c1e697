package fraud

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"iter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
)

// microbatchPipeline is fraud detection as a Spark Streaming user writes
// it:
//
//	txns   = records.map(parse).map(t => (t.card, t))
//	alerts = txns.mapWithState(StateSpec.function(check).numPartitions(p))
//	             .filter(flagged)
//	alerts.foreachRDD(write)
//
// mapWithState keeps a Profile per card and calls check for each of the
// batch's transactions, in the order the shuffle delivers them. That order
// is the source's: the map is narrow, a batch's partitions hold each source
// partition's records in offset order (a receiver's blocks in the order it
// cut them, or a direct stream's offset range), and the shuffle into the
// state's partitions concatenates the map tasks' outputs in partition
// order. Every card lives in one source partition, so its transactions
// reach check in offset order, batch after batch; nothing is shuffled
// before the state.
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	rules := in.Rules()
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		txns := microbatch.MapPartitions(records, parseTxns)
		check := func(_ string, t microbatch.Option[judged], state *microbatch.State[cardProfile]) engines.Output {
			p := state.Get()
			if p.p == nil {
				p.p = &Profile{}
				state.Update(p)
			}
			if rules.Check(p.p, t.Value.txn) == 0 {
				return engines.Output{}
			}
			return AlertOutput(t.Value.txn, &t.Value.rec)
		}
		judgedTxns := microbatch.MapWithState(txns, microbatch.StateSpecFunction(check).NumPartitions(opts.Parallelism))
		alerts := judgedTxns.Filter(func(o engines.Output) bool { return o.Event })
		return microbatch.WriteToSink(alerts, sink)
	})
}

// judged is a transaction on its way to its card's profile, with the
// record it came from.
type judged struct {
	txn Txn
	rec engines.Record
}

// parseTxns is map(r => (card, txn)) over one partition. A record that is
// not a transaction fails the task with an error naming it, as an
// exception in a Spark task fails the job.
func parseTxns(recs iter.Seq[engines.Record]) iter.Seq[microbatch.Pair[string, judged]] {
	return func(yield func(microbatch.Pair[string, judged]) bool) {
		for r := range recs {
			t, ok := Parse(r.Value)
			if !ok {
				panic(fmt.Errorf("record %d/%d is not a transaction: %.60q", r.Partition, r.Offset, r.Value))
			}
			if !yield(microbatch.KV(t.Card, judged{txn: t, rec: r})) {
				return
			}
		}
	}
}

// cardProfile is the state mapWithState keeps per card: a pointer to its
// Profile, which Check updates in place.
type cardProfile struct{ p *Profile }

// profileState is what a checkpoint keeps of a Profile.
type profileState struct {
	Count, Sum int64
	Recent     []int64
	Next       int
	Country    uint32
	LastMs     int64
}

// GobEncode writes the profile into a checkpoint: the state of
// mapWithState must be serialisable, as Spark's must.
func (c cardProfile) GobEncode() ([]byte, error) {
	var s profileState
	if p := c.p; p != nil {
		s = profileState{Count: p.count, Sum: p.sum, Recent: p.recent, Next: p.next, Country: p.country, LastMs: p.lastMs}
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(s)
	return buf.Bytes(), err
}

// GobDecode restores a profile from a checkpoint.
func (c *cardProfile) GobDecode(b []byte) error {
	var s profileState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("fraud: decoding a card's profile: %w", err)
	}
	c.p = &Profile{count: s.Count, sum: s.Sum, recent: s.Recent, next: s.Next, country: s.Country, lastMs: s.LastMs}
	return nil
}
