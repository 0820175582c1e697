package trident

import (
	"errors"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// TestSinkStateReplays applies batches to a sink state as Trident's commit
// phase does, with replays, and checks what reaches the sink: a
// transactional state writes a committed txid once, a batch whose write
// failed again, and the other types write every attempt.
func TestSinkStateReplays(t *testing.T) {
	type attempt struct {
		txid   int64
		fail   bool // the sink refuses the write: the batch fails
		commit bool // the batch commits after the write
	}
	tests := []struct {
		name     string
		typ      state.Type
		attempts []attempt
		want     int // outputs written
	}{
		{"transactional, replay after commit", state.Transactional, []attempt{{1, false, true}, {1, false, true}, {2, false, true}}, 2},
		{"transactional, replay after a failed write", state.Transactional, []attempt{{1, true, false}, {1, false, true}}, 1},
		{"opaque, replay after commit", state.Opaque, []attempt{{1, false, true}, {1, false, true}}, 2},
		{"non-transactional", state.NonTransactional, []attempt{{1, false, true}, {2, false, true}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &enginetest.CollectSink{}
			fail := false
			boom := errors.New("sink full")
			f := &SinkStateFactory{Type: tc.typ, Sink: engines.SinkFunc(func(outs []engines.Output) error {
				if fail {
					return boom
				}
				return sink.Write(outs)
			})}
			st, err := f.MakeState(nil, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tc.attempts {
				fail = a.fail
				if err := st.BeginCommit(a.txid); err != nil {
					t.Fatal(err)
				}
				err := WriteOutputs{}.UpdateState(st, []tuple.Tuple{tuple.New(tuple.MustSchema(OutFields), tuple.Values{engines.Output{Key: "k", Value: a.txid, Event: true}})}, nil)
				if a.fail != errors.Is(err, boom) {
					t.Fatalf("txid %d: write error %v", a.txid, err)
				}
				if a.commit {
					if err := st.Commit(a.txid); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := len(sink.Outputs()); got != tc.want {
				t.Errorf("%d outputs written, want %d", got, tc.want)
			}
		})
	}
}
