package fraud

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/core"
)

type txnSpout struct{ core.BaseRichSpout }

func (txnSpout) Open(core.Config, *core.TopologyContext, *core.SpoutOutputCollector) error {
	return nil
}
func (txnSpout) NextTuple() {}
func (txnSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("card", "txn"))
}

// TestTxnTravels checks the registered serializer of Txn, which the
// Trident pipeline partitions by card across bolts.
func TestTxnTravels(t *testing.T) {
	b := core.NewTopologyBuilder()
	b.SetSpout("txns", txnSpout{}, 1)
	c, err := core.NewTupleCodec("fraud", nil, nil, b.CreateTopology())
	if err != nil {
		t.Fatal(err)
	}
	for _, txn := range []Txn{{}, {ID: "t1", Card: "4111", Amount: 1e13, Country: "FR", Merchant: "café", TimeMs: -5}} {
		vs := core.Values{txn.Card, txn}
		p, err := c.AppendValues(nil, vs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.DecodeValues(p)
		if err != nil || !reflect.DeepEqual(got, vs) {
			t.Fatalf("%v decoded as %v, %v", vs, got, err)
		}
		enc := appendTxn(nil, txn)
		for cut := range len(enc) {
			if _, err := decodeTxn(enc[:cut]); !errors.Is(err, errBadTxn) {
				t.Fatalf("%d of %d bytes decoded with %v", cut, len(enc), err)
			}
		}
		if _, err := decodeTxn(append(enc, 0)); !errors.Is(err, errBadTxn) {
			t.Fatalf("trailing byte decoded with %v", err)
		}
	}
}
