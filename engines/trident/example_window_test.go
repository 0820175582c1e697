package trident_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/windowing"
)

// runToEnd runs the topology until its spouts are drained.
func runToEnd(topo *trident.TridentTopology) error {
	job, err := trident.NewJob("example", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0},
		func(engines.Source, engines.Sink) (*trident.TridentTopology, error) { return topo, nil })
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	src := enginetest.NewMemSource(1)
	src.CloseAll()
	return job.Run(ctx, src, &enginetest.CollectSink{})
}

// printed prints each tuple it is given.
type printed string

func (p printed) Accept(t tuple.Tuple) { fmt.Println(string(p), t.Values()) }

// sortedLines gathers tuples and prints them sorted.
type sortedLines struct {
	mu    sync.Mutex
	lines []string
}

func (s *sortedLines) Accept(t tuple.Tuple) {
	s.mu.Lock()
	s.lines = append(s.lines, fmt.Sprint(t.Values()))
	s.mu.Unlock()
}

func (s *sortedLines) print() {
	slices.Sort(s.lines)
	for _, l := range s.lines {
		fmt.Println(l)
	}
}

// ExampleStream_Window sums readings per event-time window of 10 s, letting
// readings come up to 5 s late, with the window kept in a bbolt file: a
// topology started again over the file goes on with the windows it holds.
func ExampleStream_Window() {
	dir, err := os.MkdirTemp("", "windows")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := state.OpenBoltDB(filepath.Join(dir, "windows.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	// [ts in ms, reading], in batches of two.
	readings := spout.NewFixedBatchSpout(tuple.NewFields("ts", "reading"), 2,
		tuple.Values{int64(1000), int64(20)}, tuple.Values{int64(4000), int64(22)},
		tuple.Values{int64(12000), int64(25)}, tuple.Values{int64(9000), int64(21)},
		tuple.Values{int64(23000), int64(30)}, tuple.Values{int64(40000), int64(18)},
	)
	topology := trident.NewTridentTopology()
	topology.NewStream("readings", spout.NewBatchSpoutExecutor(readings)).
		Window(trident.TumblingDurationWindow(10*time.Second).WithTimestampField("ts").WithLag(5*time.Second),
			windowing.NewBoltWindowsStoreFactory(db.DB(), "windows"),
			tuple.NewFields("reading"), builtin.Sum{}, tuple.NewFields("sum")).
		Peek(printed("window sum"))
	if err := runToEnd(topology); err != nil {
		fmt.Println(err)
	}
	// The watermark reaches 35 s: the windows up to 30 s fire, the one
	// holding 40 s waits for later readings.

	// Output:
	// window sum [63]
	// window sum [25]
	// window sum [30]
}

// ExampleTridentTopology_Join joins orders with their payments within each
// batch: a full outer join keeps the orders not paid and the payments of
// no order, with nil for the side missing.
func ExampleTridentTopology_Join() {
	orders := spout.NewFixedBatchSpout(tuple.NewFields("order", "item"), 10,
		tuple.Values{int64(1), "book"}, tuple.Values{int64(2), "lamp"}, tuple.Values{int64(3), "pen"})
	payments := spout.NewFixedBatchSpout(tuple.NewFields("order", "amount"), 10,
		tuple.Values{int64(2), int64(40)}, tuple.Values{int64(3), int64(2)}, tuple.Values{int64(9), int64(7)})
	topology := trident.NewTridentTopology()
	var out sortedLines
	topology.Join(
		topology.NewStream("orders", spout.NewBatchSpoutExecutor(orders)), tuple.NewFields("order"),
		topology.NewStream("payments", spout.NewBatchSpoutExecutor(payments)), tuple.NewFields("order"),
		tuple.NewFields("order", "item", "amount"), trident.Outer).
		Peek(&out)
	if err := runToEnd(topology); err != nil {
		fmt.Println(err)
	}
	out.print()
	// Output:
	// [1 book <nil>]
	// [2 lamp 40]
	// [3 pen 2]
	// [9 <nil> 7]
}

// ExampleStream_MaxBy keeps the oldest person of each batch; of two of an
// age, the later one, as Storm does.
func ExampleStream_MaxBy() {
	people := spout.NewFixedBatchSpout(tuple.NewFields("name", "age"), 3,
		tuple.Values{"ann", int64(31)}, tuple.Values{"bob", int64(47)}, tuple.Values{"cid", int64(47)},
		tuple.Values{"dan", int64(19)})
	topology := trident.NewTridentTopology()
	topology.NewStream("people", spout.NewBatchSpoutExecutor(people)).
		MaxBy("age").
		Each(tuple.NewFields("name"), operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
			c.Emit(tuple.Values{"oldest: " + t.GetString(0)})
		}), tuple.NewFields("line")).
		Project(tuple.NewFields("line")).
		Peek(printed("batch"))
	if err := runToEnd(topology); err != nil {
		fmt.Println(err)
	}
	// Output:
	// batch [oldest: cid]
	// batch [oldest: dan]
}
