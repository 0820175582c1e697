package microbatch_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// stepper drives an example's ManualClock one batch at a time, so that the
// batch times Print shows are the same on every run.
type stepper struct {
	microbatch.BaseStreamingListener
	clock       *microbatch.ManualClock
	batch       time.Duration
	done        chan struct{}
	streamEnded chan struct{}
}

func newStepper(ssc *microbatch.StreamingContext, clock *microbatch.ManualClock) *stepper {
	s := &stepper{clock: clock, batch: ssc.BatchDuration(), done: make(chan struct{}, 100), streamEnded: make(chan struct{}, 1)}
	ssc.AddStreamingListener(s)
	return s
}

func (s *stepper) OnBatchCompleted(microbatch.BatchInfo) { s.done <- struct{}{} }

// OnReceiverError hears the socket receiver say the server closed the
// connection: everything it sent has been received.
func (s *stepper) OnReceiverError(info microbatch.ReceiverInfo) {
	if strings.Contains(info.LastErrorMessage, "no more data") {
		select {
		case s.streamEnded <- struct{}{}:
		default:
		}
	}
}

// runBatch advances the clock by one batch interval and waits for the batch.
func (s *stepper) runBatch() {
	s.clock.Advance(s.batch)
	<-s.done
}

// sortedPrint prints a batch's pairs sorted, like Print, for outputs whose
// order a shuffle decides.
func sortedPrint[K, V any](d *microbatch.DStream[microbatch.Pair[K, V]]) error {
	return d.ForeachRDD(func(r *rdd.RDD[microbatch.Pair[K, V]], t microbatch.Time) error {
		kvs, err := r.Collect()
		if err != nil {
			return err
		}
		lines := make([]string, len(kvs))
		for i, kv := range kvs {
			lines[i] = kv.String()
		}
		sort.Strings(lines)
		fmt.Printf("Time: %s\n%s\n", t, strings.Join(lines, " "))
		return nil
	})
}

// NetworkWordCount counts the words of the lines a TCP server sends, per
// batch: Spark Streaming's first example, over a real socket on loopback.
func Example_networkWordCount() {
	// A text server, like `nc -lk 9999`: it sends two lines and closes.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		fmt.Fprint(conn, "to be or not to be\nthat is the question\n")
		conn.Close()
	}()

	clock := microbatch.NewManualClock(time.UnixMilli(1_700_000_000_000))
	conf := microbatch.NewConf().SetMaster("local[2]").SetAppName("NetworkWordCount")
	ssc, err := microbatch.NewStreamingContext(conf, time.Second, microbatch.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	steps := newStepper(ssc, clock)

	lines := ssc.SocketTextStream("127.0.0.1", ln.Addr().(*net.TCPAddr).Port)
	words := microbatch.FlatMap(lines, strings.Fields)
	pairs := microbatch.Map(words, func(w string) microbatch.Pair[string, int] { return microbatch.KV(w, 1) })
	wordCounts := microbatch.ReduceByKey(pairs, func(a, b int) int { return a + b }, 1)
	sorted := microbatch.Transform(wordCounts, func(r *rdd.RDD[microbatch.Pair[string, int]], _ microbatch.Time) (*rdd.RDD[microbatch.Pair[string, int]], error) {
		kvs, err := r.Collect()
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].Key < kvs[j].Key })
		return rdd.Parallelize(r.Context(), kvs, 1), err
	})
	sorted.Print()

	ssc.Start()
	<-steps.streamEnded // the server's lines are all received
	steps.runBatch()
	ssc.Stop(true)
	// Output:
	// -------------------------------------------
	// Time: 1700000001000 ms
	// -------------------------------------------
	// (be,2)
	// (is,1)
	// (not,1)
	// (or,1)
	// (question,1)
	// (that,1)
	// (the,1)
	// (to,2)
	//
}

// StatefulNetworkWordCount keeps a running count of every word across
// batches, with UpdateStateByKey (which calls the update function for every
// key in every batch) and with MapWithState (only for the keys of the batch).
// New files moved into a directory are the input.
func Example_statefulNetworkWordCount() {
	dir, _ := os.MkdirTemp("", "stateful-")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)

	clock := microbatch.NewManualClock(time.UnixMilli(1_700_000_000_000))
	ssc, _ := microbatch.NewStreamingContext(microbatch.NewConf().SetAppName("StatefulNetworkWordCount"), time.Second, microbatch.WithClock(clock))
	ssc.Checkpoint(filepath.Join(dir, "checkpoint"))
	steps := newStepper(ssc, clock)

	words := microbatch.FlatMap(ssc.TextFileStream(in), strings.Fields)
	pairs := microbatch.Map(words, func(w string) microbatch.Pair[string, int] { return microbatch.KV(w, 1) })

	running := microbatch.UpdateStateByKey(pairs, func(values []int, state microbatch.Option[int]) microbatch.Option[int] {
		sum := state.Value
		for _, v := range values {
			sum += v
		}
		return microbatch.Some(sum)
	})
	sortedPrint(running)

	mapped := microbatch.MapWithState(pairs, microbatch.StateSpecFunction(
		func(word string, one microbatch.Option[int], state *microbatch.State[int]) microbatch.Pair[string, int] {
			sum := one.Value + state.Get()
			state.Update(sum)
			return microbatch.KV(word, sum)
		}))
	sortedPrint(mapped.DStream)

	ssc.Start()
	for _, text := range []string{"hello world", "hello again"} {
		name := fmt.Sprintf("file-%d.txt", clock.Now().UnixMilli())
		os.WriteFile(filepath.Join(dir, name), []byte(text+"\n"), 0o644)
		os.Rename(filepath.Join(dir, name), filepath.Join(in, name)) // files arrive atomically
		steps.runBatch()
	}
	ssc.Stop(false)
	// Output:
	// Time: 1700000001000 ms
	// (hello,1) (world,1)
	// Time: 1700000001000 ms
	// (hello,1) (world,1)
	// Time: 1700000002000 ms
	// (again,1) (hello,2) (world,1)
	// Time: 1700000002000 ms
	// (again,1) (hello,2)
}

// A windowed word count: the counts of the last three batches, every batch,
// computed incrementally (the batch entering the window added, the one
// leaving it subtracted), with words whose count falls to zero dropped.
func ExampleReduceByKeyAndWindowInv() {
	dir, _ := os.MkdirTemp("", "windowed-")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)

	clock := microbatch.NewManualClock(time.UnixMilli(1_700_000_000_000))
	ssc, _ := microbatch.NewStreamingContext(microbatch.NewConf(), time.Second, microbatch.WithClock(clock))
	ssc.Checkpoint(filepath.Join(dir, "checkpoint"))
	steps := newStepper(ssc, clock)

	words := microbatch.FlatMap(ssc.TextFileStream(in), strings.Fields)
	pairs := microbatch.Map(words, func(w string) microbatch.Pair[string, int] { return microbatch.KV(w, 1) })
	windowed, err := microbatch.ReduceByKeyAndWindowInv(pairs,
		func(a, b int) int { return a + b }, // adds a batch entering the window
		func(a, b int) int { return a - b }, // removes a batch leaving it
		3*time.Second, time.Second, 2,
		func(kv microbatch.Pair[string, int]) bool { return kv.Value > 0 })
	if err != nil {
		fmt.Println(err)
		return
	}
	sortedPrint(windowed)

	// A window that is not a multiple of the batch interval is refused at once.
	_, err = microbatch.ReduceByKeyAndWindowInv(pairs, func(a, b int) int { return a + b }, func(a, b int) int { return a - b }, 2500*time.Millisecond, time.Second, 2, nil)
	fmt.Println(err)

	ssc.Start()
	for _, text := range []string{"a b", "a", "", "", "c"} {
		if text != "" {
			name := fmt.Sprintf("f%d", clock.Now().UnixMilli())
			os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			os.Rename(filepath.Join(dir, name), filepath.Join(in, name))
		}
		steps.runBatch()
	}
	ssc.Stop(false)
	// Output:
	// ReduceByKeyAndWindowInv: window 2.5s is not a multiple of the batch interval 1s
	// Time: 1700000001000 ms
	// (a,1) (b,1)
	// Time: 1700000002000 ms
	// (a,2) (b,1)
	// Time: 1700000003000 ms
	// (a,2) (b,1)
	// Time: 1700000004000 ms
	// (a,1)
	// Time: 1700000005000 ms
	// (c,1)
}
