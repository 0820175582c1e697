package trident_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// TestTupleCodecCarriesTridentValues checks that the values Trident puts
// into core's tuples travel with core's tuple codec: the batch's
// TransactionAttempt first in every tuple, alone in the coordinator's
// tuples, with a count in the coordination tuples, and tuple.Values.
func TestTupleCodecCarriesTridentValues(t *testing.T) {
	topo := trident.NewTridentTopology()
	topo.NewStream("words", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(tuple.NewFields("word"), 2, tuple.Values{"a"}, tuple.Values{"b"}))).
		GroupBy(tuple.NewFields("word")).
		PersistentAggregate(state.NewMemoryMapStateFactory(state.Transactional), nil, builtin.Count{}, tuple.NewFields("count"))
	st, conf, err := topo.BuildConfig(core.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.NewTupleCodec("words", nil, conf, st)
	if err != nil {
		t.Fatal(err)
	}
	tx := spout.TransactionAttempt{Txid: 1 << 40, Attempt: 3}
	for _, vs := range []core.Values{
		{tx},
		{tx, 17},
		{tx, "word", int64(42)},
		{spout.TransactionAttempt{Txid: -1, Attempt: -2}, tuple.Values{"nested", tx, nil}},
	} {
		p, err := c.AppendValues(nil, vs)
		if err != nil {
			t.Fatalf("%v: %v", vs, err)
		}
		got, err := c.DecodeValues(p)
		if err != nil || !reflect.DeepEqual(got, vs) {
			t.Fatalf("%v decoded as %v, %v", vs, got, err)
		}
		for cut := range len(p) {
			if _, err := c.DecodeValues(p[:cut]); !errors.Is(err, core.ErrCorruptTuples) {
				t.Fatalf("%v: %d of %d bytes decoded with %v", vs, cut, len(p), err)
			}
		}
	}
}
