package fraud

import (
	"bytes"
	"encoding/gob"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestMicrobatchManyPartitions: with more source partitions than state
// partitions, every card still reaches its profile in order.
func TestMicrobatchManyPartitions(t *testing.T) {
	in := newTest(t, 5, 5, coreTestParams)
	for _, m := range workloadtest.Modes("microbatch") {
		outs := workloadtest.RunPipeline(t, in, "microbatch", engines.Options{Parallelism: 2, Guarantee: m.Guarantee, Conf: engines.Conf{microbatch.ConfBatchDuration: "20ms"}}, 5, 1000)
		if len(outs) < 20 {
			t.Errorf("%s: %d alerts in 5000 transactions", m, len(outs))
		}
	}
}

// TestMicrobatchRefusesBadRecords: a record that is not a transaction ends
// the run with an error naming it.
func TestMicrobatchRefusesBadRecords(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("microbatch") {
		eng, err := in.Pipeline("microbatch", engines.Options{Parallelism: 1, Guarantee: m.Guarantee, Conf: engines.Conf{microbatch.ConfBatchDuration: "20ms"}})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "tx1,4532015112830366,lots,DE,m1,1800000000000")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/0 is not a transaction") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}

// TestMicrobatchProfileCheckpoints: a card's profile judges the same after
// the gob round trip a checkpoint puts it through.
func TestMicrobatchProfileCheckpoints(t *testing.T) {
	rules := Rules{AmountFactor: 3, MinHistory: 2, VelocityCount: 3, VelocityWindowMs: 1000, TravelWindowMs: 3600_000}
	txns := []Txn{
		{Amount: 100, Country: "DE", TimeMs: 0}, {Amount: 120, Country: "DE", TimeMs: 10_000},
		{Amount: 90, Country: "DE", TimeMs: 20_000},
	}
	next := []Txn{{Amount: 1000, Country: "FR", TimeMs: 20_500}, {Amount: 100, Country: "FR", TimeMs: 20_600}}
	a, b := cardProfile{&Profile{}}, cardProfile{&Profile{}}
	for _, tx := range txns {
		rules.Check(a.p, tx)
		rules.Check(b.p, tx)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(map[string]cardProfile{"c": a}); err != nil {
		t.Fatal(err)
	}
	var got map[string]cardProfile
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for i, tx := range next {
		want, have := rules.Check(b.p, tx), rules.Check(got["c"].p, tx)
		if want != have || want == 0 {
			t.Errorf("transaction %d: %v after the round trip, %v without (want an alert)", i, have, want)
		}
	}
}
