package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

// testWorkload counts records by key "k<g mod 10>"; its engines are fakes
// that each test configures.
type testWorkload struct {
	cfg workloads.Config
	run func(ctx context.Context, src engines.Source, sink engines.Sink) error
}

func (w *testWorkload) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, w.cfg.Partitions)
	r.Value = fmt.Sprintf("k%d", g%10)
	r.EventTime = w.cfg.EventTime(g)
}
func (w *testWorkload) RecordBytes() float64      { return 2 }
func (w *testWorkload) Params() map[string]string { return map[string]string{} }
func (w *testWorkload) Engines() []string         { return []string{"fake"} }
func (w *testWorkload) Expect(published []int64) workloads.Expected {
	want := map[workloads.Key]int64{}
	for p, n := range published {
		for o := range n {
			want[workloads.Key{Key: fmt.Sprintf("k%d", workloads.GlobalIndex(int32(p), o, w.cfg.Partitions)%10)}]++
		}
	}
	return workloads.Expected{Counts: want, Unit: "records"}
}
func (w *testWorkload) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	if engine != "fake" {
		return nil, workloads.ErrUnsupportedEngine
	}
	return fakeEngine{w.run}, nil
}

type fakeEngine struct {
	run func(ctx context.Context, src engines.Source, sink engines.Sink) error
}

func (e fakeEngine) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return e.run(ctx, src, sink)
}
func (e fakeEngine) Settings() engines.Settings { return engines.Settings{"fake": true} }

// counting is a correct engine: it counts records by key, one output per
// record, dropping every dropEvery-th record, and stalls for the given time
// once the first record is there.
func counting(stall time.Duration, dropEvery int64) func(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		if err := src.Wait(ctx, 0, 0); err != nil {
			return err
		}
		select {
		case <-time.After(stall):
		case <-ctx.Done():
			return ctx.Err()
		}
		counts := map[string]int64{}
		buf := make([]engines.Record, 64)
		var seen int64
		for p := range src.Partitions() {
			err := engines.ReadPartition(ctx, src, p, 0, buf, func(batch []engines.Record) error {
				outs := make([]engines.Output, 0, len(batch))
				for _, r := range batch {
					seen++
					if dropEvery > 0 && seen%dropEvery == 0 {
						continue
					}
					counts[r.Value]++
					outs = append(outs, engines.Output{Key: r.Value, Value: counts[r.Value], Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
				}
				return sink.Write(outs)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func withTestWorkload(t *testing.T, run func(ctx context.Context, src engines.Source, sink engines.Sink) error) {
	t.Helper()
	oldW := Workloads
	Workloads = append(Workloads[:len(Workloads):len(Workloads)], workloads.Workload{Name: "testcount",
		New: func(cfg workloads.Config) (workloads.Instance, error) { return &testWorkload{cfg: cfg, run: run}, nil }})
	t.Cleanup(func() { Workloads = oldW })
}

func testRunConfig() RunConfig {
	return RunConfig{Engine: "fake", Workload: "testcount", Seed: 1, Partitions: 1, Parallelism: 1,
		Guarantee: engines.AtLeastOnce, Rate: 20000, Records: 2000, DrainTimeout: 5 * time.Second}
}

func TestRunMeasuresAndVerifies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func(ctx context.Context, src engines.Source, sink engines.Sink) error
		g       engines.Guarantee
		wantErr error
		lost    int64
	}{
		{"correct", counting(0, 0), engines.AtLeastOnce, nil, 0},
		{"loses at at-least-once", counting(0, 100), engines.AtLeastOnce, ErrVerification, 20},
		{"loses at at-most-once", counting(0, 100), engines.AtMostOnce, nil, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withTestWorkload(t, tc.run)
			enginetest.NoGoroutinesLeft(t)
			cfg := testRunConfig()
			cfg.Guarantee = tc.g
			m, err := Run(context.Background(), cfg)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run: %v, want %v", err, tc.wantErr)
			}
			r := m.Result
			if r.Records != 2000 || r.Verification.Lost != tc.lost || r.Verification.Expected != 2000 {
				t.Errorf("records %d, verification %+v", r.Records, r.Verification)
			}
			if r.Latency.Count != 2000-tc.lost || r.Throughput.RecordsPerSecond <= 0 || len(r.Timeline) == 0 {
				t.Errorf("latency %+v, throughput %+v, %d timeline points", r.Latency, r.Throughput, len(r.Timeline))
			}
			// An open-loop driver never publishes ahead of its plan; how
			// far behind it falls depends on the machine, so only the plan
			// bounds it (the recorded finish may round a record early).
			if achieved := r.Rate.Achieved; achieved <= 0 || achieved > 20000*1.01 {
				t.Errorf("achieved rate %.0f/s, asked 20000/s", achieved)
			}
		})
	}
}

// TestRunStallIsLatency: an engine that starts 300 ms late shows those
// 300 ms in its latency, because latency counts from the intended time.
func TestRunStallIsLatency(t *testing.T) {
	withTestWorkload(t, counting(300*time.Millisecond, 0))
	m, err := Run(context.Background(), testRunConfig())
	if err != nil {
		t.Fatal(err)
	}
	if max := m.Result.Latency.Max; max < 250_000 {
		t.Errorf("max latency %dµs after a 300ms stall", max)
	}
}

func TestRunFailures(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, src engines.Source, sink engines.Sink) error
		want string
	}{
		{"engine error", func(context.Context, engines.Source, engines.Sink) error { return boom }, "boom"},
		{"engine panic", func(context.Context, engines.Source, engines.Sink) error { panic("kaput") }, "panic: kaput"},
		{"no drain", func(ctx context.Context, _ engines.Source, _ engines.Sink) error { <-ctx.Done(); return ctx.Err() }, "did not drain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withTestWorkload(t, tc.run)
			enginetest.NoGoroutinesLeft(t)
			cfg := testRunConfig()
			cfg.DrainTimeout = 200 * time.Millisecond
			m, err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error with %q", err, tc.want)
			}
			if m == nil || m.Result.Error == "" {
				t.Errorf("failed run has no result with its error: %+v", m)
			}
		})
	}
}

// TestRunCancel: a run cancelled while the engine is outputting (Ctrl-C)
// returns ErrInterrupted with the Measurement of what ran, marked
// interrupted, whose verification covers what was published: what the
// engine had not output yet is no fault, duplicates the guarantee forbids
// still are. A cancel during setup returns no Measurement.
func TestRunCancel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		g         engines.Guarantee
		duplicate bool
		ok        bool
	}{
		{"correct engine", engines.AtLeastOnce, false, true},
		{"duplicates allowed", engines.AtLeastOnce, true, true},
		{"duplicates forbidden", engines.ExactlyOnce, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			count := counting(0, 0)
			withTestWorkload(t, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
				var written int
				return count(ctx, src, engines.SinkFunc(func(outs []engines.Output) error {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					if written += len(outs); written >= 100 && len(outs) > 0 {
						if tc.duplicate {
							// The last key counted again far more often than
							// any record was published: the judge of an
							// interrupted run sees a duplicate only as a count
							// above what was published, and the publisher may
							// be any distance ahead of the engine.
							last := outs[len(outs)-1]
							outs = append(outs, engines.Output{Key: last.Key, Value: last.Value + 1_000_000, Intended: last.Intended})
						}
						cancel() // mid-run, with the engine busy
					}
					return sink.Write(outs)
				}))
			})
			enginetest.NoGoroutinesLeft(t)
			cfg := testRunConfig()
			cfg.Records, cfg.Duration, cfg.Guarantee = 0, time.Hour, tc.g
			m, err := Run(ctx, cfg)
			if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
				t.Fatalf("Run: %v, want ErrInterrupted", err)
			}
			r := m.Result
			v := r.Verification
			if !r.Interrupted || !v.Interrupted || v.OK != tc.ok || r.Records < 100 || v.Expected < 100 {
				t.Errorf("interrupted %v, %d records, verification %+v; want ok %v", r.Interrupted, r.Records, v, tc.ok)
			}
		})
	}
	t.Run("during setup", func(t *testing.T) {
		withTestWorkload(t, counting(0, 0))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m, err := Run(ctx, testRunConfig())
		if !errors.Is(err, ErrInterrupted) || m != nil {
			t.Errorf("Run: %v, %v; want ErrInterrupted and no Measurement", m, err)
		}
	})
}

func TestRunBadConfig(t *testing.T) {
	withTestWorkload(t, counting(0, 0))
	for _, tc := range []struct {
		name string
		edit func(*RunConfig)
		want string
	}{
		{"both", func(c *RunConfig) { c.Duration = time.Second }, "exactly one of --records and --duration, not both"},
		{"neither", func(c *RunConfig) { c.Records = 0 }, "exactly one"},
		{"negative rate", func(c *RunConfig) { c.Rate = -1 }, "--rate"},
		{"warmup too long", func(c *RunConfig) { c.Records, c.Duration, c.Warmup = 0, time.Second, time.Second }, "nothing of --duration"},
		{"engine typo", func(c *RunConfig) { c.Engine = "fakee" }, `did you mean "fake"`},
		{"workload typo", func(c *RunConfig) { c.Workload = "wordcont" }, `did you mean "wordcount"`},
		{"no pipeline", func(c *RunConfig) { c.Workload = "wordcount" }, "has no pipeline for engine fake"},
		{"bad param", func(c *RunConfig) {
			c.Engine, c.Workload, c.Params = "baseline", "wordcount", map[string]string{"zipf": "0.5"}
		}, "zipf"},
		{"guarantee refused", func(c *RunConfig) { c.Engine, c.Workload = "baseline", "wordcount" }, "baseline offers at-most-once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testRunConfig()
			tc.edit(&cfg)
			_, err := Run(context.Background(), cfg)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want a usage error with %q", err, tc.want)
			}
		})
	}
}

// TestRunWarmup: the warm-up's seconds are marked in the timeline and left
// out of the figures.
func TestRunWarmup(t *testing.T) {
	withTestWorkload(t, counting(0, 0))
	cfg := testRunConfig()
	cfg.Records, cfg.Duration, cfg.Rate, cfg.Warmup = 0, 2500*time.Millisecond, 2000, 500*time.Millisecond
	m, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := m.Result
	if r.WarmupS != 1 || !r.Timeline[0].Warmup || r.Timeline[1].Warmup {
		t.Fatalf("warm-up %gs, timeline %+v", r.WarmupS, r.Timeline)
	}
	if r.RecordsMeasured < 2500 || r.RecordsMeasured > 3500 || r.Latency.Count > 3500 {
		t.Errorf("measured %d records and %d latencies after a 1s warm-up of 5000 records at 2000/s", r.RecordsMeasured, r.Latency.Count)
	}
	if r.Verification.Expected != 5000 || !r.Verification.OK {
		t.Errorf("verification covers the whole run: %+v", r.Verification)
	}
}
