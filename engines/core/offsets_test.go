package core_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

// sightings is a bolt that counts how often it sees each record of a
// SourceSpout and acks it.
type sightings struct {
	core.BaseRichBolt
	mu   *sync.Mutex
	seen map[[2]int64]int
	c    *core.OutputCollector
}

func (b *sightings) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.c = c
	return nil
}

func (b *sightings) Execute(t *core.Tuple) {
	r := t.GetValue(0).(*engines.Record)
	b.mu.Lock()
	b.seen[[2]int64{int64(r.Partition), r.Offset}]++
	b.mu.Unlock()
	b.c.Ack(t)
}

func (b *sightings) DeclareOutputFields(core.OutputFieldsDeclarer) {}

func (b *sightings) count() (distinct, total, twice int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.seen {
		distinct++
		total += n
		if n > 1 {
			twice++
		}
	}
	return distinct, total, twice
}

// offsetJob is a job reading src with one spout task on worker 0 of two
// into a sightings bolt.
func offsetJob(t *testing.T, guarantee engines.Guarantee, b *sightings, period time.Duration, clock core.Clock) *core.Job {
	t.Helper()
	conf := core.Config{}
	conf.SetNumWorkers(2)
	if guarantee == engines.AtMostOnce {
		conf.SetNumAckers(0)
	} else {
		conf.SetMaxSpoutPending(20)
	}
	job, err := core.NewJob("offsets", nil, conf, func(src engines.Source, _ engines.Sink) (*core.StormTopology, error) {
		tb := core.NewTopologyBuilder()
		tb.SetSpout("spout", &core.SourceSpout{Source: src, CommitPeriod: period}, 1)
		tb.SetBolt("seen", b, 2).ShuffleGrouping("spout")
		return tb.CreateTopology(), nil
	}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestSpoutResumesAtCommittedOffsets runs a topology to its end with a
// coordination store and again on the same store: the second run's spout
// starts every partition at the offset the first committed, its end, and
// emits nothing, as a Kafka spout of the same consumer group would.
func TestSpoutResumesAtCommittedOffsets(t *testing.T) {
	for _, g := range []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce} {
		t.Run(g.String(), func(t *testing.T) {
			kv := engines.NewMemoryKV()
			src := memSource(2, 300)
			in := engines.Input{Kind: engines.KindLog, Log: src, Coordination: kv}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for run, want := range []int{600, 0} {
				b := &sightings{mu: &sync.Mutex{}, seen: map[[2]int64]int{}}
				job := offsetJob(t, g, b, time.Hour, core.WallClock{})
				if err := job.RunInput(ctx, in, nil); err != nil {
					t.Fatal(err)
				}
				if _, total, _ := b.count(); total != want {
					t.Fatalf("run %d saw %d records, want %d", run, total, want)
				}
				for p := range 2 {
					v, ok, _ := kv.Get(ctx, "spout-offsets.offsets.spout."+string(rune('0'+p)))
					if !ok || string(v) != "300" {
						t.Fatalf("run %d: committed offset of partition %d is %q (stored %v), want 300", run, p, v, ok)
					}
				}
			}
		})
	}
}

// TestSpoutCommittedOffsetCorrupt: a committed offset that is not one
// fails the run, naming the key to delete.
func TestSpoutCommittedOffsetCorrupt(t *testing.T) {
	kv := engines.NewMemoryKV()
	ctx := context.Background()
	kv.Put(ctx, "spout-offsets.offsets.spout.1", []byte("twelve"))
	b := &sightings{mu: &sync.Mutex{}, seen: map[[2]int64]int{}}
	err := offsetJob(t, engines.AtLeastOnce, b, time.Hour, core.WallClock{}).RunInput(ctx,
		engines.Input{Kind: engines.KindLog, Log: memSource(2, 10), Coordination: kv}, nil)
	if err == nil || !strings.Contains(err.Error(), `"twelve"`) || !strings.Contains(err.Error(), "spout-offsets.offsets.spout.1") {
		t.Fatalf("err = %v, want one naming the value and the key", err)
	}
}

// TestSpoutOffsetsAcrossKillWorker kills the spout's worker in the
// middle of a run: the restarted spout resumes at its committed offsets.
// At at-most-once (committed on fetch) no record is seen twice; at
// at-least-once (acked offsets committed at every NextTuple here) every
// record is seen and only what was pending or acked since the last commit
// is seen twice, not everything read before the kill.
func TestSpoutOffsetsAcrossKillWorker(t *testing.T) {
	const perPartition = 2000
	for _, g := range []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce} {
		t.Run(g.String(), func(t *testing.T) {
			src := memSource(2, perPartition)
			b := &sightings{mu: &sync.Mutex{}, seen: map[[2]int64]int{}}
			clock := core.NewManualClock(time.Unix(1e9, 0))
			job := offsetJob(t, g, b, time.Nanosecond, clock)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- job.RunInput(ctx, engines.LogInput(src), nil) }()
			deadline := time.Now().Add(10 * time.Second)
			var before int
			for {
				var err error
				if _, before, _ = b.count(); before >= 500 {
					// The spout is on one of the two workers: kill both.
					if err = job.KillWorker(0); err == nil {
						err = job.KillWorker(1)
					}
				}
				if err != nil && !errors.Is(err, core.ErrNotAlive) {
					t.Fatal(err)
				}
				if before >= 500 || time.Now().After(deadline) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if before < 500 {
				t.Fatal("fewer than 500 records seen in 10 s")
			}
			// Trees lost with the workers time out as the clock moves.
			stop := advanceWhileRunning(clock)
			err := <-done
			stop()
			if err != nil {
				t.Fatal(err)
			}
			distinct, total, twice := b.count()
			t.Logf("%d seen before the kill; %d distinct of %d, %d seen twice or more", before, distinct, 2*perPartition, twice)
			switch g {
			case engines.AtMostOnce:
				if twice != 0 {
					t.Fatalf("at-most-once saw %d records twice", twice)
				}
			case engines.AtLeastOnce:
				if distinct != 2*perPartition {
					t.Fatalf("at-least-once saw %d distinct records, want %d", distinct, 2*perPartition)
				}
				// 20 pending per spout task, a fetch buffered, and the
				// bolts' queues: well under what was read before.
				if twice > 400 || twice >= before {
					t.Fatalf("at-least-once saw %d records twice of %d before the kill: the spout did not resume at its committed offsets", twice, before)
				}
			}
			if total < distinct {
				t.Fatal("impossible count")
			}
		})
	}
}
