package microbatch

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// wordCount is the running word count the engine tests run: one output per
// word per batch with its running count.
func wordCount(ssc *StreamingContext, records *DStream[engines.Record], sink engines.Sink) error {
	words := FlatMap(records, func(r engines.Record) []Pair[string, int64] {
		var out []Pair[string, int64]
		for _, w := range strings.Fields(r.Value) {
			out = append(out, KV(w, int64(1)))
		}
		return out
	})
	counts := MapWithState(ReduceByKey(words, func(a, b int64) int64 { return a + b }, 2),
		StateSpecFunction(func(w string, n Option[int64], s *State[int64]) engines.Output {
			s.Update(s.Get() + n.Value)
			return engines.Output{Key: w, Value: s.Get()}
		}).NumPartitions(2))
	return counts.ForeachRDD(func(r *rdd.RDD[engines.Output], _ Time) error {
		return r.ForeachPartition(func(_ int, it iter.Seq[engines.Output]) error {
			var outs []engines.Output
			for o := range it {
				outs = append(outs, o)
			}
			return sink.Write(outs)
		})
	})
}

func fillSource(src *enginetest.MemSource, n int) map[string]int64 {
	want := map[string]int64{}
	words := []string{"to", "be", "or", "not", "that", "is", "the", "question"}
	for i := range n {
		line := fmt.Sprintf("%s %s %s", words[i%8], words[(i*3)%8], words[(i*5+1)%8])
		for _, w := range strings.Fields(line) {
			want[w]++
		}
		src.AppendValues(i%src.Partitions(), line)
	}
	return want
}

func TestEngineGuarantees(t *testing.T) {
	for _, g := range engines.Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			before := runtime.NumGoroutine()
			e, err := NewEngine(EngineConfig{BatchInterval: 20 * time.Millisecond, Guarantee: g, CheckpointDir: t.TempDir()}, wordCount)
			if err != nil {
				t.Fatal(err)
			}
			src := enginetest.NewMemSource(3)
			want := fillSource(src, 3000)
			go func() {
				// More records arrive while the engine runs.
				for p := range 3 {
					src.Close(p)
				}
			}()
			sink := &enginetest.CollectSink{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.Run(ctx, src, sink); err != nil {
				t.Fatal(err)
			}
			got := sink.Final()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("final counts %v, want %v", got, want)
			}
			m := e.Metrics().(EngineMetrics)
			if m.Records != 3000 || m.NumBatches == 0 {
				t.Fatalf("metrics report %d records in %d batches, want 3000", m.Records, m.NumBatches)
			}
			if s := e.Settings(); s["guarantee"] != g.String() || s[ConfBlockInterval] != "2ms" {
				t.Fatalf("settings %v", s)
			}
			waitGoroutines(t, before)
		})
	}
}

func TestEngineRefusals(t *testing.T) {
	tests := []struct {
		name string
		cfg  EngineConfig
		want string
	}{
		{"at-least-once without the WAL", EngineConfig{Guarantee: engines.AtLeastOnce, Conf: NewConf().Set(ConfWALEnable, "false")}, "write-ahead log"},
		{"exactly-once with a WAL", EngineConfig{Guarantee: engines.ExactlyOnce, Conf: NewConf().Set(ConfWALEnable, "true")}, "no receiver"},
		{"no guarantee", EngineConfig{}, "unknown guarantee"},
		{"bad interval", EngineConfig{Guarantee: engines.AtMostOnce, BatchInterval: -time.Second}, "batch interval"},
		{"bad setting", EngineConfig{Guarantee: engines.AtMostOnce, Conf: NewConf().Set("spark.streaming.backpressure.enable", "true")}, "unknown setting"},
	}
	for _, tc := range tests {
		_, err := NewEngine(tc.cfg, wordCount)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestEngineCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	e, err := NewEngine(EngineConfig{BatchInterval: 10 * time.Millisecond, Guarantee: engines.AtMostOnce}, wordCount)
	if err != nil {
		t.Fatal(err)
	}
	src := enginetest.NewMemSource(2)
	fillSource(src, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, src, &enginetest.CollectSink{}) }()
	deadline := time.Now().Add(10 * time.Second)
	for src.Read(0) < 50 {
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before the source was closed", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine read nothing")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	waitGoroutines(t, before)
}

func TestEngineSinkError(t *testing.T) {
	e, err := NewEngine(EngineConfig{BatchInterval: 10 * time.Millisecond, Guarantee: engines.AtMostOnce}, wordCount)
	if err != nil {
		t.Fatal(err)
	}
	src := enginetest.NewMemSource(1)
	fillSource(src, 10)
	boom := errors.New("sink is full")
	err = e.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return boom }))
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the sink's error", err)
	}
}

// TestEngineOverQueue reads a reliable queue: at-least-once with a
// reliable receiver that acks each message once its block is in the
// write-ahead log, at-most-once with one that acks on receipt. Either way
// the counts are the oracle's when nothing fails and every message ends
// acked.
func TestEngineOverQueue(t *testing.T) {
	for _, g := range []engines.Guarantee{engines.AtLeastOnce, engines.AtMostOnce} {
		t.Run(g.String(), func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			dir := t.TempDir()
			e, err := NewEngine(EngineConfig{BatchInterval: 20 * time.Millisecond, Guarantee: g, CheckpointDir: dir}, wordCount)
			if err != nil {
				t.Fatal(err)
			}
			q := enginetest.NewMemQueue(2)
			want := map[string]int64{}
			words := []string{"to", "be", "or", "not", "that", "is", "the", "question"}
			messages := 0
			for i := 0; i < 2000; i += 10 {
				var batch []string
				for j := i; j < i+10; j++ {
					line := words[j%8] + " " + words[(j*3)%8]
					want[words[j%8]]++
					want[words[(j*3)%8]]++
					batch = append(batch, line)
				}
				q.Append((i/10)%2, batch...)
				messages++
			}
			q.CloseAll()
			sink := &enginetest.CollectSink{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.RunInput(ctx, engines.Input{Kind: engines.KindQueue, Queue: q}, sink); err != nil {
				t.Fatal(err)
			}
			if got := sink.Final(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("counts %v, want %v", got, want)
			}
			a0, n0 := q.Counts(0)
			a1, n1 := q.Counts(1)
			if a0+a1 != messages || n0+n1 != 0 {
				t.Fatalf("%d acks, %d naks; want %d acks", a0+a1, n0+n1, messages)
			}
			if in := e.Settings()["input"].(string); !strings.Contains(in, "queue") {
				t.Errorf("settings say the input was %q", in)
			}
		})
	}
}
