// Package hashtags is the deck's Twitter example: extract the hashtags of a
// stream of tweets, drop the tweets of users on a static spam list (the
// deck's "join incoming tweets with a spam HDFS file"), count each hashtag
// per window, and rank the top 10 of each window (storm-starter's
// RollingTopWords).
//
// Records are tweets as text, "user<id> <words...> #tag #tag", about 70
// bytes: a user drawn from a Zipf law over users (a few accounts tweet a
// lot), a body of three to twelve words from a table drawn once from the
// seed, and one to tags-per-tweet hashtags drawn from a Zipf law over the
// hashtag vocabulary (exponent zipf > 1: a few tags trend, most are rare).
// A fraction spam-users of the users, drawn from the seed, make up the spam
// list, a static dataset every pipeline joins against (SpamList). A tweet's
// event time is the record's timestamp (Record.EventTime, as a Kafka record
// carries one beside its value). Every decision about record g is a table
// lookup by a hash of (seed, g).
//
// Outputs, per event-time window:
//
//   - the count of each hashtag, keyed ("#tag", window start): one update
//     per occurrence in a tweet of a user not on the spam list (a tag twice
//     in one tweet counts twice);
//   - the top 10, keyed ("top01".."top10", window start), whose value is
//     the count at that rank. Ranks carry counts, not tags, so ties do not
//     matter and the answer does not depend on the order tags were seen.
//
// Counts only grow, so the top 10 is kept incrementally (Rankings): a tag
// enters only by passing the 10th count, and an update is written for each
// rank whose count changed. Whatever order an engine delivers the count
// updates of different tags in, the final ranks are the top 10 of the final
// counts. The oracle counts from the generator's decisions and sorts.
//
// Every pipeline parses with Parse and ranks with Rankings, so every engine
// does the same work. One pipeline per engine:
//
//	baseline    one loop: parse, look the user up in the spam set, count,
//	            rank; with P workers, readers parse and filter and hand tags
//	            to counters by tag, counters hand new counts to rankers by
//	            window
//	core        spout -> parse bolt holding the spam set (shuffle) ->
//	            count bolt (fields on tag) -> rank bolt (fields on window),
//	            storm-starter's intermediate and total rankers in one
//	trident     each(Parse) -> stateQuery(spam list, a static state) ->
//	            filter(not spam) -> groupBy(tag, window) ->
//	            persistentAggregate(Count) -> newValuesStream ->
//	            each(window) -> partitionBy(window) ->
//	            partitionPersist(Rankings, a map state) -> newValuesStream
//	microbatch  mapPartitions(Parse) -> transform(leftOuterJoin with the
//	            spam RDD, filter) -> flatMap(((tag, window), 1)) ->
//	            reduceByKey(sum) -> mapWithState(running count) ->
//	            map by window -> mapWithState(Rankings)
//
// The output contract: the count per hashtag per window and the count at each rank of a window's top 10 are
// windowed results. Their updates may be merged; each is timed once, by its final output, from the latest
// intended time among its window's records. (The workloads package says what each kind of output allows.)
package hashtags
