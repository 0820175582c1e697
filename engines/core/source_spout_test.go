package core_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

// memSource returns a closed source of the given partitions, each holding
// n records whose values are "p/o".
func memSource(partitions int, n int64) *enginetest.MemSource {
	src := enginetest.NewMemSource(partitions)
	for p := range partitions {
		for o := range n {
			src.Append(p, engines.Record{Partition: int32(p), Offset: o, Value: fmt.Sprintf("%d/%d", p, o)})
		}
	}
	src.CloseAll()
	return src
}

// dropOnce is a bolt that drops every record the first time it sees it
// (neither acks nor fails it, so its tree times out) and acks it the second
// time, noting the order of the second sightings.
type dropOnce struct {
	core.BaseRichBolt
	mu       *sync.Mutex
	seen     map[int64]bool // by partition<<32 | offset
	replayed *[]*engines.Record

	collector *core.OutputCollector
}

func (b *dropOnce) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	return nil
}

func (b *dropOnce) Execute(t *core.Tuple) {
	r := t.GetValueByField(core.RecordField).(*engines.Record)
	k := int64(r.Partition)<<32 | r.Offset
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.seen[k] {
		b.seen[k] = true
		return
	}
	*b.replayed = append(*b.replayed, r)
	b.collector.Ack(t)
}

func (b *dropOnce) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestSpoutReplaysInOffsetOrder: records that time out together are
// replayed in (partition, offset) order, as the Kafka spout replays from
// the earliest failed offset, although the spout's pending map fails them
// in no order.
func TestSpoutReplaysInOffsetOrder(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	const partitions, n = 3, 40
	var mu sync.Mutex
	var replayed []*engines.Record
	seen := map[int64]bool{}
	clock := core.NewManualClock(time.Unix(1e9, 0))
	job, err := core.JobFor("replays", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce},
		func(src engines.Source, _ engines.Sink) (*core.StormTopology, error) {
			b := core.NewTopologyBuilder()
			b.SetSpout("records", &core.SourceSpout{Source: src}, 1)
			b.SetBolt("drop", &dropOnce{mu: &mu, seen: seen, replayed: &replayed}, 1).ShuffleGrouping("records")
			return b.CreateTopology(), nil
		}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx, memSource(partitions, n), &enginetest.CollectSink{}) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		all := len(seen) == partitions*n
		mu.Unlock()
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bolt never saw every record")
		}
	}
	// Every tree is pending in the spout's newest bucket; move time on
	// until they expire, all in one rotation, then stop moving it, so the
	// replays (which the bolt acks) complete however slow the machine is.
	var runErr error
	for running, advancing := true, true; running; {
		select {
		case runErr = <-done:
			running = false
		case <-time.After(2 * time.Millisecond):
			mu.Lock()
			advancing = advancing && len(replayed) == 0
			mu.Unlock()
			if advancing {
				clock.Advance(30 * time.Second)
			}
		}
	}
	if runErr != nil {
		t.Fatal(runErr)
	}
	if len(replayed) != partitions*n {
		t.Fatalf("%d records replayed, want %d", len(replayed), partitions*n)
	}
	if !slices.IsSortedFunc(replayed, func(a, b *engines.Record) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	}) {
		order := make([]string, len(replayed))
		for i, r := range replayed {
			order[i] = r.Value
		}
		t.Fatalf("replayed out of order: %v", order)
	}
}

// keyOrder is a bolt that notes, per key, the offsets it receives.
type keyOrder struct {
	core.BaseBasicBolt
	mu   *sync.Mutex
	seen map[string][]int64
}

func (b *keyOrder) Execute(t *core.Tuple, _ *core.BasicOutputCollector) error {
	r := t.GetValueByField(core.RecordField).(*engines.Record)
	b.mu.Lock()
	defer b.mu.Unlock()
	k := t.GetStringByField("key")
	b.seen[k] = append(b.seen[k], r.Offset)
	return nil
}

func (b *keyOrder) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestSpoutKey: with a key field, a fields-grouped bolt gets every record of
// a key in offset order; a record the key function refuses ends the run
// with its error; a key function without a field is refused.
func TestSpoutKey(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	keyOf := func(r *engines.Record) (string, error) {
		if strings.HasSuffix(r.Value, "/13") && r.Partition == 1 {
			return "", errors.New("no key in 1/13")
		}
		return fmt.Sprintf("%d:%d", r.Partition, r.Offset%5), nil
	}
	run := func(spout *core.SourceSpout, n int64) (map[string][]int64, error) {
		var mu sync.Mutex
		seen := map[string][]int64{}
		job, err := core.JobFor("keys", engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce},
			func(src engines.Source, _ engines.Sink) (*core.StormTopology, error) {
				spout.Source = src
				b := core.NewTopologyBuilder()
				b.SetSpout("records", spout, 2)
				b.SetBolt("order", &keyOrder{mu: &mu, seen: seen}, 3).FieldsGrouping("records", core.NewFields("key"))
				return b.CreateTopology(), nil
			})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = job.Run(ctx, memSource(2, n), &enginetest.CollectSink{})
		return seen, err
	}
	seen, err := run(&core.SourceSpout{KeyField: "key", Key: keyOf}, 13)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10 {
		t.Errorf("%d keys, want 10", len(seen))
	}
	for k, offsets := range seen {
		if !slices.IsSorted(offsets) {
			t.Errorf("key %s: offsets %v out of order", k, offsets)
		}
	}
	if _, err := run(&core.SourceSpout{KeyField: "key", Key: keyOf}, 20); err == nil || !strings.Contains(err.Error(), "1/13") {
		t.Errorf("a refused key gave %v, want the key function's error", err)
	}
	if _, err := run(&core.SourceSpout{KeyField: "key"}, 5); err == nil || !strings.Contains(err.Error(), "KeyField and Key") {
		t.Errorf("a key field with no key function gave %v", err)
	}
}

// ackChecker is a source spout that checks, whenever a record's tree
// completes, that the record's output was written before.
type ackChecker struct {
	core.SourceSpout
	written *sync.Map
	early   *[]string
	mu      *sync.Mutex
}

func (s *ackChecker) Ack(msgID any) {
	r := msgID.(*engines.Record)
	if _, ok := s.written.Load(r.Value); !ok {
		s.mu.Lock()
		*s.early = append(*s.early, r.Value)
		s.mu.Unlock()
	}
}

// passWriter writes one output per record through a core.SinkWriter.
type passWriter struct {
	core.BaseRichBolt
	core.SinkWriter
}

func (b *passWriter) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.Open(c)
	return nil
}

func (b *passWriter) Execute(t *core.Tuple) {
	r := t.GetValue(0).(*engines.Record)
	b.Write(t, engines.Output{Key: r.Value, Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset})
}

func (b *passWriter) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestWriterAcksAfterWriting: at at-least-once, no record's tree completes
// before the output it caused reached the sink, and every output arrives.
func TestWriterAcksAfterWriting(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	const n = 3 * core.SinkWriterMaxHeld
	var written sync.Map
	var early []string
	var mu sync.Mutex
	var writes, largest int
	sink := engines.SinkFunc(func(outs []engines.Output) error {
		mu.Lock()
		writes++
		largest = max(largest, len(outs))
		mu.Unlock()
		for _, o := range outs {
			written.Store(o.Key, true)
		}
		return nil
	})
	job, err := core.JobFor("writes", engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce},
		func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
			b := core.NewTopologyBuilder()
			b.SetSpout("records", &ackChecker{SourceSpout: core.SourceSpout{Source: src}, written: &written, early: &early, mu: &mu}, 2)
			b.SetBolt("write", &passWriter{SinkWriter: core.SinkWriter{Sink: sink}}, 2).ShuffleGrouping("records")
			return b.CreateTopology(), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(context.Background(), memSource(2, n/2), sink); err != nil {
		t.Fatal(err)
	}
	if len(early) > 0 {
		t.Errorf("%d records acked before their output was written, e.g. %s", len(early), early[0])
	}
	count := 0
	written.Range(func(any, any) bool { count++; return true })
	if count != n {
		t.Errorf("%d distinct outputs written, want %d", count, n)
	}
	if largest > core.SinkWriterMaxHeld {
		t.Errorf("a write of %d outputs, more than MaxHeld %d", largest, core.SinkWriterMaxHeld)
	}
}
