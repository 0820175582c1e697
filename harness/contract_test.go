package harness

import (
	"context"
	"errors"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// contractedWorkload is testWorkload with an output contract: every result an
// event, or every result a running count of records by value.
type contractedWorkload struct {
	testWorkload
	events bool
}

func (w *contractedWorkload) Contract() workloads.Contract {
	if w.events {
		return workloads.Contract{IsEvent: workloads.AllEvents}
	}
	return workloads.Contract{Occurrences: func(key, value string) int64 {
		if key == value {
			return 1
		}
		return 0
	}}
}

// emitting is a fake engine that reads every partition in order and hands
// each fetched batch to emit, which returns the batch's outputs.
func emitting(emit func(batch []engines.Record, counts map[string]int64) []engines.Output) func(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		counts := map[string]int64{}
		buf := make([]engines.Record, 64)
		for p := range src.Partitions() {
			if err := engines.ReadPartition(ctx, src, p, 0, buf, func(batch []engines.Record) error {
				return sink.Write(emit(batch, counts))
			}); err != nil {
				return err
			}
		}
		return nil
	}
}

// perRecord writes one output per record: an event, or the key's running
// count.
func perRecord(event bool) func([]engines.Record, map[string]int64) []engines.Output {
	return func(batch []engines.Record, counts map[string]int64) []engines.Output {
		var outs []engines.Output
		for _, r := range batch {
			counts[r.Value]++
			o := engines.Output{Key: r.Value, Value: counts[r.Value], Event: event, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
			if event {
				o.Value = 1
			}
			outs = append(outs, o)
		}
		return outs
	}
}

// perBatch merges each batch's records per key into one output naming the
// oldest (or, breaking the contract, the newest) record of the key in the
// batch: an event of value n, or the key's running count.
func perBatch(event, newest bool) func([]engines.Record, map[string]int64) []engines.Output {
	return func(batch []engines.Record, counts map[string]int64) []engines.Output {
		idx := map[string]int{}
		var outs []engines.Output
		for _, r := range batch {
			counts[r.Value]++
			i, ok := idx[r.Value]
			if !ok {
				i = len(outs)
				idx[r.Value] = i
				outs = append(outs, engines.Output{Key: r.Value, Event: event, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
			} else if newest {
				outs[i].Partition, outs[i].Offset, outs[i].Intended = r.Partition, r.Offset, r.Intended
			}
			if event {
				outs[i].Value++
			} else {
				outs[i].Value = counts[r.Value]
			}
		}
		return outs
	}
}

// TestRunChecksOutputContract: an engine that breaks its workload's output
// contract fails verification with the breach named, though every final
// value is right; one that keeps it passes.
func TestRunChecksOutputContract(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events bool
		emit   func([]engines.Record, map[string]int64) []engines.Output
		broken func(*testing.T, *resultfile.ContractCheck) bool
	}{
		{"an event per event", true, perRecord(true), nil},
		{"events merged", true, perBatch(true, false), func(t *testing.T, c *resultfile.ContractCheck) bool { return c.EventsMerged > 0 }},
		{"events as running counts", true, perRecord(false), func(t *testing.T, c *resultfile.ContractCheck) bool { return c.EventsAsUpdates == 10 }},
		{"an update per record", false, perRecord(false), nil},
		{"updates merged, naming the oldest", false, perBatch(false, false), nil},
		{"updates merged, naming the newest", false, perBatch(false, true), func(t *testing.T, c *resultfile.ContractCheck) bool {
			return c.NotOldest > 0 && c.NotOldest == c.MergedUpdatesChecked
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldW := Workloads
			Workloads = append(Workloads[:len(Workloads):len(Workloads)], workloads.Workload{Name: "testcount",
				New: func(cfg workloads.Config) (workloads.Instance, error) {
					return &contractedWorkload{testWorkload{cfg: cfg, run: emitting(tc.emit)}, tc.events}, nil
				}})
			t.Cleanup(func() { Workloads = oldW })
			cfg := testRunConfig()
			cfg.Partitions = 2
			m, err := Run(context.Background(), cfg)
			v := m.Result.Verification
			if v.Lost != 0 || v.Duplicated != 0 || v.Wrong != 0 {
				t.Fatalf("final values: %+v", v)
			}
			c := v.Contract
			if c == nil {
				t.Fatal("no contract check in the verification")
			}
			if tc.broken == nil {
				if err != nil || !v.OK {
					t.Errorf("Run: %v, verification %+v, contract %+v", err, v, *c)
				}
				if !tc.events && c.MergedUpdatesChecked == 0 && tc.name != "an update per record" {
					t.Errorf("no merged update checked: %+v", *c)
				}
				return
			}
			if !errors.Is(err, ErrVerification) || v.OK || !tc.broken(t, c) || len(v.Problems) != 1 || len(c.Examples) == 0 {
				t.Errorf("Run: %v, problems %q, contract %+v: want the breach found", err, v.Problems, *c)
			}
		})
	}
}
