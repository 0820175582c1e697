// Package wordcount is the streaming word count: the "hello world" of every
// stream processor (Storm's WordCountTopology, Spark's NetworkWordCount,
// Trident's TridentWordCount) and the model every other streambench workload
// follows.
//
// Records are sentences of lowercase words separated by single spaces. Word
// frequencies follow a Zipf law over a vocabulary whose most frequent words
// are the shortest, as in natural language, and sentence lengths follow a
// log-normal law around a mean of words-per-sentence. The generator draws a
// table of distinct sentences once from the seed; record g of the stream is
// the table entry a hash of (seed, g) picks. Any record can so be produced
// from its address alone, cheaply, which lets sources replay it and the
// oracle recount it.
//
// The output is a running count per word. Every word occurrence updates its
// word's count, and each update names the record that caused it, so latency
// is measured per update. The verifier checks the final count of every word
// against the oracle, which counts the words of the published records
// directly from the sentence table with no engine code: a count below the
// oracle's is lost occurrences, a count above it duplicated ones.
//
// One pipeline per engine, each written the way a user of that API would:
//
//	baseline    one loop: split, count in a map, write; with P workers,
//	            readers split and hand words to counters by hash of the word
//	core        spout -> split bolt (shuffle) -> count bolt (fields on word)
//	trident     each(split) -> groupBy(word) -> persistentAggregate(Count)
//	microbatch  mapPartitions(split into (w, 1)) -> reduceByKey(sum) ->
//	            mapWithState(running count per word)
//
// The engines with a pipeline here are listed by Instance.Engines.
//
// The output contract: one output is an update of a word's running count. Updates of the same word may be merged
// (a batch's occurrences of a word written as one update, as micro-batches, Trident and the baseline do), and a
// merged update names the OLDEST record it covers, so its latency is that of the occurrence that waited longest.
// The verifier recounts a sample of the run's first merged updates and fails a run whose update names a newer
// record than the oldest it covers. (The workloads package says what each kind of output allows.)
package wordcount
