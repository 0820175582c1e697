package hashtags

import (
	"fmt"
	"slices"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// tridentPipeline is the hashtag job as a Trident user writes it, with the
// deck's join against a static spam list as a stateQuery:
//
//	spam := topology.NewStaticState(spam list)
//	counts := stream.Each(["value", "record"], Parse, ["user", "tag", "window"])
//	      .StateQuery(spam, ["user"], Get, ["spam"])
//	      .Filter(["spam"], NotSpam)
//	      .GroupBy(["tag", "window"])
//	      .Aggregate(["record"], WindowCount, ["partial"])       // combined per spout task first
//	      .PartitionPersist(counts, WindowCountUpdater, ["out", "before"])
//	      .NewValuesStream()
//	counts.PartitionPersist(sink, ["out"], WriteOutputs)
//	counts.Each(["out"], Window, ["ranked"])
//	      .PartitionBy(["ranked"])
//	      .PartitionPersist(rankings, Rank, ["rank"])            // each window's top 10 in a map state
//	      .NewValuesStream()
//	      .PartitionPersist(sink, ["rank"], WriteOutputs)
//
// The count per (tag, window) is persistentAggregate(Count) written out in
// its two halves (see wincount.Combiner), one update per tag and
// window per batch; the new counts are repartitioned by window, so one
// partition ranks each window, keeping its Rankings in a map state across
// batches, as storm-starter's total ranker keeps its rankings.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("hashtags", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		spam := topo.NewStaticState(&trident.StaticState{Lookup: func(user any) (any, bool) {
			return true, in.IsSpam(user.(string))
		}})
		counts := topo.NewStream("tweets", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, &ParseFunction{Window: in.Window}, tuple.NewFields("user", "tag", "window")).
			StateQuery(spam, tuple.NewFields("user"), trident.StaticLookup{}, tuple.NewFields("spam")).
			Filter(tuple.NewFields("spam"), operation.FilterFunc(func(t tuple.Tuple) bool { return t.Get(0) == nil })).
			GroupBy(tuple.NewFields("tag", "window")).
			Aggregate(tuple.NewFields("record"), wincount.Combiner{}, tuple.NewFields("partial")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields).
			NewValuesStream()
		counts.PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		counts.Each(tuple.NewFields("out"), WindowOfFunction{}, tuple.NewFields("ranked")).
			PartitionBy(tuple.NewFields("ranked")).
			PartitionPersist(pl.MapState(), tuple.NewFields("out"), RankUpdater{}, tuple.NewFields("rank")).
			ParallelismHint(pl.Parallelism).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), tuple.NewFields("rank"), trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// ParseFunction parses a tweet and emits [user, tag, event-time window]
// for each of its hashtags. Its input is spout.SourceFields. Each task gets
// its own copy (Clone), with its own scratch for the tags.
type ParseFunction struct {
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	tags []string
}

var (
	_ operation.Function = (*ParseFunction)(nil)
	_ operation.Cloner   = (*ParseFunction)(nil)
)

// Clone implements operation.Cloner.
func (f *ParseFunction) Clone() any { return &ParseFunction{Window: f.Window} }

// Execute implements operation.Function.
func (f *ParseFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	r := t.Get(1).(*engines.Record)
	user, tags, ok := Parse(t.GetString(0), f.tags[:0])
	if !ok {
		c.ReportError(fmt.Errorf("record %d/%d is not a tweet: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	f.tags = tags
	w := f.Window(r.EventTime)
	for _, tag := range tags {
		c.Emit(tuple.Values{user, tag, w})
	}
}

// WindowOfFunction appends the window of a count update, to rank by.
type WindowOfFunction struct{}

var _ operation.Function = WindowOfFunction{}

// Execute implements operation.Function.
func (WindowOfFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{t.Get(0).(engines.Output).Window})
}

// windowRanking is what the rankings state stores per window: its
// rankings, the latest intended time among its counts, and the rank
// updates of the batch that last changed it. It is never changed in place,
// since an opaque map keeps the previous value beside the current one.
type windowRanking struct {
	entries  []Rankable
	intended int64
	outs     []engines.Output
}

// rankWindow is the ValueUpdater of one window in one batch: its new tag
// counts, in the order they came.
type rankWindow struct {
	window int64
	counts []engines.Output
}

// Update applies the batch's counts to a copy of the window's rankings.
func (w *rankWindow) Update(stored any) any {
	rk := NewRankings(TopN)
	var v windowRanking
	if s, ok := stored.(windowRanking); ok {
		rk.entries = append(rk.entries, s.entries...)
		v.intended = s.intended
	}
	var changed []int
	for _, up := range w.counts {
		v.intended = max(v.intended, up.Intended)
		changed = rk.UpdateWith(up.Key, up.Value, changed[:0])
		for _, i := range changed {
			v.outs = append(v.outs, engines.Output{Key: rankKeys[i], Window: w.window, Value: rk.Count(i),
				Partition: up.Partition, Offset: up.Offset, Intended: v.intended})
		}
	}
	v.entries = slices.Clone(rk.entries)
	return v
}

// RankUpdater applies a partition's new tag counts of a batch to the
// rankings of their windows and emits the ranks whose count changed. Its
// input tuples are [out], a tag's count update.
type RankUpdater struct{}

var _ state.StateUpdater = RankUpdater{}

// UpdateState implements state.StateUpdater.
func (RankUpdater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(state.MapState)
	if !ok {
		return fmt.Errorf("ranking needs a map state, got %T", s)
	}
	index := make(map[int64]int, 4)
	var keys [][]any
	var ups []state.ValueUpdater
	var wins []*rankWindow
	for _, t := range tuples {
		up := t.Get(0).(engines.Output)
		i, ok := index[up.Window]
		if !ok {
			i = len(wins)
			index[up.Window] = i
			keys = append(keys, []any{up.Window})
			w := &rankWindow{window: up.Window}
			wins = append(wins, w)
			ups = append(ups, w)
		}
		wins[i].counts = append(wins[i].counts, up)
	}
	vals, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for _, v := range vals {
		for _, o := range v.(windowRanking).outs {
			c.Emit(tuple.Values{o})
		}
	}
	return nil
}
