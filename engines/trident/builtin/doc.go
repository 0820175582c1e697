// Package builtin holds Trident's built-in operations, named as in Storm's
// org.apache.storm.trident.operation.builtin: the Count and Sum combiner
// aggregators, and MapGet, the query function that reads a MapState (the
// second half of the canonical TridentWordCount).
package builtin
