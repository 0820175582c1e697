// Package pipelinetest checks what every baseline pipeline of streambench's
// workloads owes besides the oracle's answer: it stops when its context
// ends, leaving no goroutine behind, and its windowed updates never go back
// in time.
package pipelinetest

import (
	"context"
	"fmt"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
	"testing"
)

// StopsOnCancel runs inst's baseline pipeline at parallelism 1 and 2 over a
// source of the given partitions that never closes, waits until each
// partition's first records were read, cancels the run, and fails t unless
// Run returns context.Canceled and every goroutine the run started has
// stopped.
func StopsOnCancel(t *testing.T, inst workloads.Instance, partitions int) {
	t.Helper()
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprint("parallelism=", par), func(t *testing.T) {
			workloadtest.StopsOnCancel(t, inst, "baseline", workloads.Options{Parallelism: par, Guarantee: engines.AtMostOnce}, partitions, 20)
		})
	}
}

// IntendedNeverGoesBack fails t if the updates of some windowed result
// carry an Intended time earlier than an update of it before: a window's
// Intended is the latest intended time of its input so far, which only
// grows.
func IntendedNeverGoesBack(t *testing.T, outs []engines.Output) {
	t.Helper()
	last := map[workloads.Key]int64{}
	for _, o := range outs {
		if o.Window == 0 || o.Event {
			continue
		}
		k := workloads.Key{Key: o.Key, Window: o.Window}
		if o.Intended < last[k] {
			t.Fatalf("%q window %d: intended went back from %d to %d", k.Key, k.Window, last[k], o.Intended)
		}
		last[k] = o.Intended
	}
}

// Benchmark measures inst's baseline pipeline at parallelism 1 and 2 over
// records records of the given partitions, filled once beforehand so that
// only the pipeline is timed, and reports records/s.
func Benchmark(b *testing.B, inst workloads.Instance, partitions int, records int64) {
	recs := make([][]engines.Record, partitions)
	for p := range recs {
		for o := range records / int64(partitions) {
			r := engines.Record{Partition: int32(p), Offset: o}
			inst.Fill(&r)
			r.Intended = r.EventTime
			recs[p] = append(recs[p], r)
		}
	}
	discard := engines.SinkFunc(func([]engines.Output) error { return nil })
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprint("parallelism=", par), func(b *testing.B) {
			eng, err := inst.Pipeline("baseline", workloads.Options{Parallelism: par, Guarantee: engines.AtMostOnce})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				src := enginetest.NewMemSource(partitions)
				for p := range recs {
					src.Append(p, recs[p]...)
				}
				src.CloseAll()
				if err := eng.Run(context.Background(), src, discard); err != nil {
					b.Fatal(err)
				}
				n += records / int64(partitions) * int64(partitions)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
