package spout_test

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// Example shows the difference between the transactional and the opaque
// view of one source: after more records arrive, a replayed txid 1 repeats
// its batch exactly from the transactional spout, and takes the new
// records too from the opaque one.
func Example() {
	for _, kind := range []spout.Kind{spout.Transactional, spout.Opaque} {
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "a", "b")
		sp, _ := spout.NewSourceSpout(src, kind, 10)
		e, _ := sp.NewEmitter(spout.Context{SpoutID: "s", NumTasks: 1, State: txstate.NewMemory()})
		first := &printer{}
		e.EmitBatch(spout.TransactionAttempt{Txid: 1}, first)
		src.AppendValues(0, "c")
		replay := &printer{}
		e.EmitBatch(spout.TransactionAttempt{Txid: 1, Attempt: 1}, replay)
		fmt.Println(kind, first.values, replay.values)
	}
	// Output:
	// transactional [a b] [a b]
	// opaque [a b] [a b c]
}

type printer struct{ values []string }

func (p *printer) Emit(v tuple.Values) { p.values = append(p.values, v[1].(*engines.Record).Value) }
func (p *printer) ReportError(error)   {}
