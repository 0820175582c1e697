// Package grep is the D-Streams paper's Grep: find the records that hold a
// pattern, and count them per window. It is the job behind the paper's
// records-per-second-per-node comparison of Spark Streaming with Storm, the
// simplest workload that still reads every byte of every record.
//
// Records are lines of exactly record-bytes bytes (100 by default, as in the
// paper) of random lowercase words separated by single spaces. The generator
// draws two tables once from the seed: lines that do not hold the pattern
// (redrawn until they do not) and lines into which the pattern was written at
// a random place. Record g of the stream takes a line of the second table
// with probability match-rate, decided by a hash of (seed, g), and one of the
// first otherwise; its event time is the record's timestamp
// (Record.EventTime, as a Kafka record carries one beside its value).
//
// Outputs, for every record holding the pattern (a fixed string, as grep -F
// finds it):
//
//   - an event keyed by the line itself: the sink counts how often each
//     distinct matching line was output, which must be how often the stream
//     holds it;
//   - an update of the matches in the record's event-time window, keyed
//     ("matches", window start), whose final value is the window's count.
//
// The oracle counts both from the generator's decisions (which table, which
// line), without searching any text. Every pipeline searches with
// Matcher.Match, so every engine does the same work.
//
// One pipeline per engine, each written the way a user of that API would:
//
//	baseline    one loop: match, write the event, count the window in a map;
//	            with P workers, readers match and write events, and hand
//	            each match to the counter that owns its window
//	core        spout -> grep bolt (shuffle): emits the match to the sink
//	            and ("window") on -> count bolt (fields on window)
//	trident     each(Match filter) -> each(emit event) ->
//	            groupBy(window) -> persistentAggregate(Count)
//	microbatch  filter(Match) -> foreachRDD(write events);
//	            map(((key, window), 1)) -> reduceByKey(sum) ->
//	            mapWithState(running count)
//
// Matching needs no order, and counts add up in any order, so the answer
// does not depend on how an engine interleaves partitions.
//
// The output contract: a matching line is one event (Event set, Value 1, naming the line's record), never
// merged: one output per match. The matches per window are a windowed count, whose updates may be merged; it is
// timed by its final output. (The workloads package says what each kind of output allows.)
package grep
