// Package rdd is the batch layer under streambench's DStreams: a small,
// faithful model of Spark's resilient distributed datasets (RDDs).
//
// An RDD is an immutable, partitioned collection described by its lineage:
// how to compute each partition from its parents. Nothing runs when an RDD is
// defined; an action (Collect, Count, ForeachPartition, ...) submits a job.
// The job runs in stages, split where records must move between partitions:
//
//   - Narrow transformations (Map, FlatMap, Filter, MapPartitions, Union,
//     MapValues) read one parent partition each. Spark pipelines them into a
//     single task per partition, and so does this package: a chain of narrow
//     transformations is fused into one iterator, run by one task, with no
//     intermediate collection.
//   - Wide transformations (ReduceByKey, GroupByKey, CombineByKey, PartitionBy,
//     Repartition, Cogroup and the joins) need every record of a key in one
//     partition. They end a stage with a hash shuffle: each map task splits its
//     output into one bucket per reduce partition (combining values per key
//     first where the operation allows, like Spark's map-side combine), and
//     each reduce task merges its bucket from every map output.
//
// Tasks run on a pool of goroutines, like Spark's local[N] master: the Context
// (the SparkContext's role) owns a TaskScheduler with N slots, and N is also
// the default number of partitions of a shuffle (spark.default.parallelism).
// The scheduler and the shuffle's map-output store are the seams a cluster
// deployment replaces.
//
// Go methods cannot have type parameters, so transformations that change the
// element type are functions (Map(r, f)) while those that keep it are methods
// (r.Filter(f)). Key-value RDDs are RDD[Pair[K, V]], Spark's RDD[(K, V)].
//
// A small word count, the batch program Spark Streaming runs once per batch:
//
//	sc, _ := rdd.NewContext("local[2]")
//	lines := rdd.Parallelize(sc, []string{"to be or", "not to be"}, 2)
//	words := rdd.FlatMap(lines, strings.Fields)
//	pairs := rdd.Map(words, func(w string) rdd.Pair[string, int] { return rdd.KV(w, 1) })
//	counts := rdd.ReduceByKey(pairs, func(a, b int) int { return a + b })
//	out, err := counts.Collect() // [(be,2) (not,1) (or,1) (to,2)] in some order
package rdd
