// Package workloadtest has what every workload's tests need: a source holding
// a workload's first records, the final results of a pipeline's outputs as
// the harness's sink keeps them, a comparison with the oracle, and a check
// that the generator is deterministic.
package workloadtest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

// Config returns a small generator configuration for tests.
func Config(seed uint64, partitions int, params map[string]string) workloads.Config {
	return workloads.Config{Seed: seed, Partitions: partitions, Params: params,
		EventStart: 1_800_000_000 * 1e9, EventRate: 1000}
}

// Source returns a closed in-memory source with the first n records of each
// partition of inst.
func Source(inst workloads.Instance, partitions int, n int64) *enginetest.MemSource {
	src := OpenSource(inst, partitions, n)
	src.CloseAll()
	return src
}

// OpenSource returns an open in-memory source holding the first n records of
// each partition of inst, for tests of a run that is cancelled mid-input.
func OpenSource(inst workloads.Instance, partitions int, n int64) *enginetest.MemSource {
	src := enginetest.NewMemSource(partitions)
	for p := range partitions {
		recs := make([]engines.Record, n)
		for o := range n {
			recs[o] = engines.Record{Partition: int32(p), Offset: o}
			inst.Fill(&recs[o])
			recs[o].Intended = recs[o].EventTime
		}
		src.Append(p, recs...)
	}
	return src
}

// Final returns the results a run's outputs leave in the harness's sink:
// the last value of each update, the count of each event.
func Final(outs []engines.Output) map[workloads.Key]int64 {
	m := make(map[workloads.Key]int64)
	for _, o := range outs {
		k := workloads.Key{Key: o.Key, Window: o.Window}
		if o.Event {
			m[k] += o.Value
		} else {
			m[k] = o.Value
		}
	}
	return m
}

// Diff lists the results where got differs from the oracle's answer, at
// most ten, in a stable order.
func Diff(want workloads.Expected, got map[workloads.Key]int64) []string {
	var diffs []string
	check := func(k workloads.Key, w int64) {
		if g, ok := got[k]; !ok || g != w {
			diffs = append(diffs, fmt.Sprintf("%q window %d: got %d (present %v), want %d", k.Key, k.Window, g, ok, w))
		}
	}
	for k, w := range want.Counts {
		check(k, w)
	}
	for k, w := range want.Exact {
		check(k, w)
	}
	for k, g := range got {
		_, c := want.Counts[k]
		_, e := want.Exact[k]
		if !c && !e {
			diffs = append(diffs, fmt.Sprintf("%q window %d: got %d, the oracle has no such result", k.Key, k.Window, g))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("and %d more", len(diffs)-10))
	}
	return diffs
}

// pipeline builds inst's pipeline for engine, failing t if it cannot.
func pipeline(t *testing.T, inst workloads.Instance, engine string, opts engines.Options) engines.Engine {
	t.Helper()
	eng, err := inst.Pipeline(engine, opts)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// RunPipeline runs inst's pipeline for engine over its first n records of
// each partition and fails t unless the final results equal the oracle's.
// It returns the outputs.
func RunPipeline(t *testing.T, inst workloads.Instance, engine string, opts engines.Options, partitions int, n int64) []engines.Output {
	t.Helper()
	eng := pipeline(t, inst, engine, opts)
	sink := &enginetest.CollectSink{}
	if err := eng.Run(context.Background(), Source(inst, partitions, n), sink); err != nil {
		t.Fatalf("%s: %v", engine, err)
	}
	published := make([]int64, partitions)
	for p := range published {
		published[p] = n
	}
	outs := sink.Outputs()
	if diffs := Diff(inst.Expect(published), Final(outs)); len(diffs) > 0 {
		t.Errorf("%s differs from the oracle:\n%s", engine, join(diffs))
	}
	return outs
}

// StopsOnCancel runs inst's pipeline for engine with opts over an open
// source holding the first n records of each partition, cancels the run
// from the sink as the first outputs arrive, with the engine busy (a
// micro-batch engine mid-batch, a topology with tuples in flight), and
// fails t unless Run returns context.Canceled and every goroutine the run
// started has stopped. A pipeline that outputs nothing before its input
// ends (event-time windows) is cancelled once it has read every record.
func StopsOnCancel(t *testing.T, inst workloads.Instance, engine string, opts engines.Options, partitions int, n int64) {
	t.Helper()
	enginetest.NoGoroutinesLeft(t)
	eng := pipeline(t, inst, engine, opts)
	src := OpenSource(inst, partitions, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy := make(chan struct{})
	var once sync.Once
	sink := engines.SinkFunc(func(outs []engines.Output) error {
		if len(outs) > 0 {
			once.Do(func() { close(busy); cancel() })
		}
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx, src, sink) }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case <-busy:
		case err := <-done:
			if ctx.Err() == nil {
				t.Fatalf("Run returned %v before the cancel, on an open source", err)
			}
			done <- err // cancelled from the sink just now
		case <-time.After(time.Millisecond):
			read := true
			for p := range partitions {
				read = read && src.Read(p) >= n
			}
			if !read && time.Now().Before(deadline) {
				continue
			}
			if !read {
				t.Fatal("no output and not every record read within 30s")
			}
			cancel()
		}
		break
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of the cancel")
	}
}

// SinkFailure fails t unless a run of inst's pipeline for engine with opts
// over the first n records of each partition, with a sink that refuses every
// write, ends with the sink's error and leaves no goroutine behind. n must be
// enough records for the pipeline to write something.
func SinkFailure(t *testing.T, inst workloads.Instance, engine string, opts engines.Options, partitions int, n int64) {
	t.Helper()
	enginetest.NoGoroutinesLeft(t)
	eng := pipeline(t, inst, engine, opts)
	boom := errors.New("sink closed")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := eng.Run(ctx, Source(inst, partitions, n), engines.SinkFunc(func([]engines.Output) error { return boom }))
	if !errors.Is(err, boom) {
		t.Fatalf("Run returned %v, want the sink's error", err)
	}
}

// CheckDeterminism fails t unless two instances of the same config give
// the same records read in any order, and another seed gives other records.
func CheckDeterminism(t *testing.T, newInst func(seed uint64) workloads.Instance, partitions int) {
	t.Helper()
	a, b, c := newInst(7), newInst(7), newInst(8)
	var recs []engines.Record
	for p := range partitions {
		for o := range int64(40) {
			r := engines.Record{Partition: int32(p), Offset: o}
			a.Fill(&r)
			recs = append(recs, r)
		}
	}
	same := 0
	for i := len(recs) - 1; i >= 0; i-- {
		r := engines.Record{Partition: recs[i].Partition, Offset: recs[i].Offset}
		b.Fill(&r)
		if r != recs[i] {
			t.Fatalf("record %d/%d differs between two instances of one seed:\n%+v\n%+v", r.Partition, r.Offset, recs[i], r)
		}
		c.Fill(&r)
		if r.Value == recs[i].Value {
			same++
		}
	}
	if same > len(recs)*3/4 {
		t.Errorf("another seed reproduced %d of %d records", same, len(recs))
	}
}

func join(lines []string) string {
	s := ""
	for _, l := range lines {
		s += "  " + l + "\n"
	}
	return s
}
