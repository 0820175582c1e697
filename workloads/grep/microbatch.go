package grep

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is grep as a Spark Streaming user writes it, the
// D-Streams paper's Grep with a count per event-time window:
//
//	matches = records.filter(r => matcher.match(r.value)).cache()
//	matches.map(matchEvent).foreachRDD(write)
//	matches.map(r => (("matches", window(r.eventTime)), 1))
//	       .reduceByKey(_ + _).mapWithState(runningCount).foreachRDD(write)
//
// The filter runs once per batch (the matches are cached) and feeds two
// output operations, which Spark runs one after the other in the order
// they were defined. The counts are kept per (key, window) in mapWithState
// rather than by reduceByKeyAndWindow, whose windows are of batch time,
// not of event time (see wincount).
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	m := in.matcher
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		matches := records.Filter(func(r engines.Record) bool { return m.Match(r.Value) }).Cache()
		events := microbatch.Map(matches, func(r engines.Record) engines.Output { return MatchEvent(&r) })
		if err := microbatch.WriteToSink(events, sink); err != nil {
			return err
		}
		perWindow := microbatch.Map(matches, func(r engines.Record) microbatch.Pair[wincount.KeyWindow, wincount.Seen] {
			return microbatch.KV(wincount.KeyWindow{Key: MatchesKey, Window: in.Window(r.EventTime)}, wincount.One(&r, 1))
		})
		return microbatch.WriteToSink(wincount.Counts(perWindow, p).DStream, sink)
	})
}
