package hashtags

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"iter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/engines/microbatch/rdd"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is the deck's Spark example as its user writes it:
//
//	spamRDD = sc.parallelize(spamList).map(u => (u, true)).partitionBy(p).cache()
//	tweets  = records.map(r => (user, tweet))
//	clean   = tweets.transform(rdd => rdd.leftOuterJoin(spamRDD).filter(!spam))
//	counts  = clean.flatMap(tags).map(t => ((t, window), 1))
//	               .reduceByKey(_ + _).mapWithState(runningCount)
//	ranks   = counts.map(c => (c.window, c)).mapWithState(rankings)
//	counts.foreachRDD(write); ranks.foreachRDD(write)
//
// transform is how Spark Streaming joins every batch with a static
// dataset: the function runs on the driver once per batch and may use any
// RDD operation, here a join with the spam list, which Spark keeps as an
// RDD like any other (the deck's "join incoming tweets with a spam HDFS
// file"). The counts and the rankings are mapWithState per (tag, window)
// and per window: Spark's window operators cut windows by batch time, not
// by event time (see wincount). Each batch's new counts feed the window's
// Rankings, which write the ranks that changed.
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return microbatch.EngineFor(opts, func(ssc *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		spam := in.SpamList()
		pairs := make([]microbatch.Pair[string, bool], len(spam))
		for i, u := range spam {
			pairs[i] = microbatch.KV(u, true)
		}
		// Partitioned once and cached, as a Spark user prepares a static
		// dataset for a join every batch: only the batch is shuffled.
		part, err := rdd.NewHashPartitioner[string](p)
		if err != nil {
			return err
		}
		spamRDD := rdd.PartitionBy(rdd.Parallelize(ssc.SparkContext(), pairs, p), part).Cache()

		tweets := microbatch.MapPartitions(records, parseTweets)
		clean := microbatch.Transform(tweets, func(batch *rdd.RDD[microbatch.Pair[string, parsedTweet]], _ microbatch.Time) (*rdd.RDD[parsedTweet], error) {
			joined := rdd.LeftOuterJoin(batch, spamRDD).Filter(func(kv microbatch.Pair[string, microbatch.Pair[parsedTweet, microbatch.Option[bool]]]) bool {
				return !kv.Value.Value.Defined
			})
			return rdd.Map(joined, func(kv microbatch.Pair[string, microbatch.Pair[parsedTweet, microbatch.Option[bool]]]) parsedTweet {
				return kv.Value.Key
			}), nil
		})
		occurrences := microbatch.FlatMap(clean, func(tw parsedTweet) []microbatch.Pair[wincount.KeyWindow, wincount.Seen] {
			w := in.Window(tw.rec.EventTime)
			out := make([]microbatch.Pair[wincount.KeyWindow, wincount.Seen], len(tw.tags))
			for i, tag := range tw.tags {
				out[i] = microbatch.KV(wincount.KeyWindow{Key: tag, Window: w}, wincount.One(&tw.rec, 1))
			}
			return out
		})
		counts := wincount.Counts(occurrences, p).DStream.Cache()
		if err := microbatch.WriteToSink(counts, sink); err != nil {
			return err
		}
		byWindow := microbatch.Map(counts, func(o engines.Output) microbatch.Pair[int64, engines.Output] { return microbatch.KV(o.Window, o) })
		ranks := microbatch.MapWithState(byWindow, microbatch.StateSpecFunction(rank).NumPartitions(p))
		return microbatch.WriteToSink(microbatch.FlatMap(ranks.DStream, func(outs []engines.Output) []engines.Output { return outs }), sink)
	})
}

// parsedTweet is a parsed tweet: its hashtags and the record it came from.
type parsedTweet struct {
	tags []string
	rec  engines.Record
}

// parseTweets is map(r => (user, parsedTweet)) over one partition. A record that
// is not a tweet fails the task with an error naming it, as an exception in
// a Spark task fails the job.
func parseTweets(recs iter.Seq[engines.Record]) iter.Seq[microbatch.Pair[string, parsedTweet]] {
	return func(yield func(microbatch.Pair[string, parsedTweet]) bool) {
		for r := range recs {
			user, tags, ok := Parse(r.Value, nil)
			if !ok {
				panic(fmt.Errorf("record %d/%d is not a tweet: %.60q", r.Partition, r.Offset, r.Value))
			}
			if !yield(microbatch.KV(user, parsedTweet{tags: tags, rec: r})) {
				return
			}
		}
	}
}

// windowRanks is the state of one window's ranking: the Rankings and the
// latest intended time among the counts that fed it.
type windowRanks struct {
	rankings *Rankings
	intended int64
	changed  []int
}

// rank is the mapWithState function of the rankings: it takes a tag's new
// count in the window and returns the updates of the ranks it changed.
func rank(window int64, count microbatch.Option[engines.Output], state *microbatch.State[*windowRanks]) []engines.Output {
	wr := state.Get()
	if wr == nil {
		wr = &windowRanks{rankings: NewRankings(TopN)}
		state.Update(wr)
	}
	c := count.Value
	wr.intended = max(wr.intended, c.Intended)
	wr.changed = wr.rankings.UpdateWith(c.Key, c.Value, wr.changed[:0])
	if len(wr.changed) == 0 {
		return nil
	}
	outs := make([]engines.Output, len(wr.changed))
	for i, k := range wr.changed {
		outs[i] = engines.Output{Key: rankKeys[k], Window: window, Value: wr.rankings.Count(k),
			Partition: c.Partition, Offset: c.Offset, Intended: wr.intended}
	}
	return outs
}

// rankState is what a checkpoint keeps of a window's ranking: its entries
// in rank order and its intended time.
type rankState struct {
	Entries  []Rankable
	Intended int64
}

// GobEncode writes the ranking into a checkpoint: the state of
// mapWithState must be serialisable, as Spark's must.
func (wr *windowRanks) GobEncode() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(rankState{Entries: wr.rankings.Entries(), Intended: wr.intended})
	return buf.Bytes(), err
}

// GobDecode restores a ranking from a checkpoint.
func (wr *windowRanks) GobDecode(b []byte) error {
	var s rankState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("hashtags: decoding a window's ranking: %w", err)
	}
	wr.rankings, wr.intended = NewRankings(TopN), s.Intended
	for _, e := range s.Entries {
		wr.rankings.UpdateWith(e.Tag, e.Count, nil)
	}
	return nil
}
