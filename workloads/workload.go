// Package workloads defines what a streambench workload is: a seeded
// generator of records, an oracle that computes the exact expected output
// directly from the generator, an output contract, and one pipeline per
// engine API. Each workload is a sub-package (workloads/wordcount, ...); the
// harness lists them.
//
// # Output contracts
//
// A workload's package doc says what one output is and what an engine may
// merge, and its Instance states it as a Contract the verifier checks, so
// that an engine cannot gain throughput by writing less than the workload
// asks for, nor hide latency behind the outputs it does write. There are
// three kinds of result:
//
//   - An event (an alert, a matching line, a passed-through record) is one
//     occurrence: nothing may be merged. Each is its own output, with Event
//     set and Value 1, naming the record that raised it.
//   - An unwindowed running count (a word's count) may merge updates of the
//     same key: one update may cover several input records, as long as it
//     names the OLDEST record it covers (Partition, Offset, Intended), so
//     its latency is that of the record that waited longest.
//   - A windowed result (a count per 10 s window) may merge updates freely;
//     it is timed once, by its final output, from the latest intended time
//     among the window's records (see engines.Output).
//
// The baseline merges wherever its contract allows, so no engine can beat it
// by merging.
//
// A record is addressed by (partition, offset). Records are spread round-robin
// over partitions, so record g of the stream (its global index) lives at
// partition g mod P, offset g div P, and the stream is the same sequence of
// records whatever the partition count. A generator can produce any record
// from its address alone, so sources can replay and oracles can recompute.
package workloads

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/streambench/streambench/engines"
)

// ErrUnsupportedEngine is returned by Instance.Pipeline for an engine the
// workload has no pipeline for.
var ErrUnsupportedEngine = errors.New("no pipeline for this engine")

// Workload describes one workload and builds instances of it.
type Workload struct {
	Name        string
	Description string
	// Params lists the workload's parameters with their defaults.
	Params []Param
	// New builds an instance; it rejects unknown parameters and values out of
	// range with an error naming the parameter and its allowed range.
	New func(Config) (Instance, error)
}

// Param is one workload parameter.
type Param struct {
	Name        string
	Default     string
	Description string
}

// Config holds what every generator needs.
type Config struct {
	Seed       uint64
	Partitions int
	// Params overrides parameter defaults by name.
	Params map[string]string
	// EventStart and EventRate place event times: record g of the stream
	// happened at EventStart + g/EventRate seconds (nanoseconds since the
	// Unix epoch). The harness sets them from the run's start and rate, so
	// event time follows the intended emit time.
	EventStart int64
	EventRate  float64
}

// EventTime returns the event time of record g of the stream.
func (c Config) EventTime(g int64) int64 { return c.EventClock().At(g) }

// EventClock returns the event times of the stream, with the division done
// once: generators call At for every record.
func (c Config) EventClock() EventClock {
	return EventClock{start: c.EventStart, step: 1e9 / c.EventRate}
}

// EventClock maps stream positions to event times.
type EventClock struct {
	start int64
	step  float64 // nanoseconds per record
}

// At returns the event time of record g of the stream.
func (e EventClock) At(g int64) int64 { return e.start + int64(float64(g)*e.step) }

// GlobalIndex returns the position in the stream of the record at
// (partition, offset) of a source with the given partition count.
func GlobalIndex(partition int32, offset int64, partitions int) int64 {
	return offset*int64(partitions) + int64(partition)
}

// Instance is a configured workload.
type Instance interface {
	// Fill sets r.Value and r.EventTime for the record at (r.Partition,
	// r.Offset). It is safe for concurrent use and cheap: sources call it
	// for every record they deliver.
	Fill(r *engines.Record)
	// RecordBytes is the mean size of a record's Value in bytes.
	RecordBytes() float64
	// Params returns every parameter's value, defaults included.
	Params() map[string]string
	// Expect returns the exact output expected once published[p] records
	// of each partition p have been processed.
	Expect(published []int64) Expected
	// Engines lists the engines that have a pipeline for this workload.
	Engines() []string
	// Pipeline builds the pipeline for an engine.
	Pipeline(engine string, opts engines.Options) (engines.Engine, error)
}

// Contract is a workload's output contract in the form the verifier checks
// (see the package doc). The zero Contract has neither events nor running
// counts: every result is windowed, or judged by its exact value.
type Contract struct {
	// IsEvent reports whether a result is an event: one output per
	// occurrence, Event set, Value 1. Nil: the workload has no events.
	IsEvent func(Key) bool
	// Occurrences returns how many units of key's unwindowed running count
	// the record with the given value holds (a word's occurrences in a
	// sentence). With it the verifier checks that a merged update names the
	// oldest record it covers: every unit of the key in that record's
	// partition before it must be counted by the key's earlier updates.
	// Nil: the workload has no unwindowed running counts.
	Occurrences func(key, value string) int64
}

// Contracted is implemented by an Instance that states its output contract.
// An Instance that does not is judged by its final values only.
type Contracted interface {
	Contract() Contract
}

// AllEvents is a Contract.IsEvent for workloads whose every result is an
// event.
func AllEvents(Key) bool { return true }

// Key names one result: a key within an event-time window (0 when the
// workload has no windows).
type Key struct {
	Key    string
	Window int64
}

// Expected is an oracle's answer: the final value of every result. A result
// is in Counts or in Exact, not both.
type Expected struct {
	// Counts are results that count input units (word occurrences, records
	// in a window, alerts raised): a final value below the expected one
	// means lost units, one above it duplicated units. Events are counts:
	// the sink counts how often each was emitted.
	Counts map[Key]int64
	// Exact are results judged by their exact value (a rate, a decision, a
	// rank): a missing one is lost, a different one wrong.
	Exact map[Key]int64
	// Unit names what Counts count, for reports ("word occurrences").
	Unit string
}

// Total returns the sum of the expected counts.
func (e Expected) Total() int64 {
	var t int64
	for _, v := range e.Counts {
		t += v
	}
	return t
}

// ParamSet resolves a workload's parameters: defaults overridden by the
// user's values, unknown names refused.
type ParamSet struct {
	workload string
	values   map[string]string
}

// ResolveParams checks user values against the declared parameters.
func ResolveParams(workload string, declared []Param, user map[string]string) (ParamSet, error) {
	ps := ParamSet{workload: workload, values: make(map[string]string, len(declared))}
	known := make([]string, 0, len(declared))
	for _, p := range declared {
		ps.values[p.Name] = p.Default
		known = append(known, p.Name)
	}
	names := make([]string, 0, len(user))
	for k := range user {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if _, ok := ps.values[k]; !ok {
			return ParamSet{}, fmt.Errorf("workload %s has no parameter %q (known: %v)", workload, k, known)
		}
		ps.values[k] = user[k]
	}
	return ps, nil
}

// Values returns every parameter's value.
func (ps ParamSet) Values() map[string]string {
	m := make(map[string]string, len(ps.values))
	for k, v := range ps.values {
		m[k] = v
	}
	return m
}

// Int returns parameter name as an integer within [lo, hi].
func (ps ParamSet) Int(name string, lo, hi int) (int, error) {
	v, err := strconv.Atoi(ps.values[name])
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("workload %s: parameter %s=%q must be an integer in [%d, %d]", ps.workload, name, ps.values[name], lo, hi)
	}
	return v, nil
}

// Duration returns parameter name as a duration within [lo, hi].
func (ps ParamSet) Duration(name string, lo, hi time.Duration) (time.Duration, error) {
	v, err := time.ParseDuration(ps.values[name])
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("workload %s: parameter %s=%q must be a duration in [%v, %v]", ps.workload, name, ps.values[name], lo, hi)
	}
	return v, nil
}

// Float returns parameter name as a number in the open-closed range (lo, hi].
func (ps ParamSet) Float(name string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(ps.values[name], 64)
	if err != nil || !(v > lo && v <= hi) {
		return 0, fmt.Errorf("workload %s: parameter %s=%q must be a number in (%g, %g]", ps.workload, name, ps.values[name], lo, hi)
	}
	return v, nil
}

// WindowStart returns the start of the tumbling event-time window of the
// given size that holds event time t (nanoseconds since the Unix epoch).
// Windows are aligned to the epoch, so every engine and the oracle cut the
// same windows.
func WindowStart(t int64, size time.Duration) int64 {
	s := int64(size)
	w := t - t%s
	if t < 0 && t%s != 0 {
		w -= s
	}
	return w
}

// Table is a list of strings drawn once from a seed, from which records pick
// by a hash of their stream position: cheap, replayable records.
type Table []string

// Pick returns the entry of the table that record g of the stream gets.
func (t Table) Pick(seed uint64, g int64) string { return t[Mix(seed, g)%uint64(len(t))] }

// Mix is a splitmix64 hash of (seed, g): the generators' source of
// per-record randomness, so a record depends only on its stream position.
func Mix(seed uint64, g int64) uint64 {
	x := seed ^ uint64(g)*0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// MergedUpdate is an unwindowed running-count update that covered more than
// one unit: its key's value went from Prev to Out.Value.
type MergedUpdate struct {
	Out  engines.Output
	Prev int64
}

// NotOldest returns the updates among us that do not name the oldest record
// they cover. It recounts, for each update of key k, the units of k in the
// records of its partition before the one it names (fill rebuilds a record
// from its address). Engines read each partition in offset order, so if
// that record is the oldest the update covers, every unit before it was
// counted by k's earlier updates: at most Prev. More means the update names
// a newer record than the oldest it covers, and understates its latency.
// The recount reads every record of a partition up to the largest offset
// named, so callers check a sample of early updates.
func (c Contract) NotOldest(fill func(*engines.Record), us []MergedUpdate) []MergedUpdate {
	if c.Occurrences == nil {
		return nil
	}
	byPart := map[int32][]MergedUpdate{}
	for _, u := range us {
		byPart[u.Out.Partition] = append(byPart[u.Out.Partition], u)
	}
	parts := make([]int32, 0, len(byPart))
	for p := range byPart {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	var bad []MergedUpdate
	for _, p := range parts {
		ps := byPart[p]
		slices.SortStableFunc(ps, func(a, b MergedUpdate) int { return cmp.Compare(a.Out.Offset, b.Out.Offset) })
		before := map[string]int64{}
		for _, u := range ps {
			before[u.Out.Key] = 0
		}
		var next int64
		for _, u := range ps {
			for ; next < u.Out.Offset; next++ {
				r := engines.Record{Partition: p, Offset: next}
				fill(&r)
				for k, n := range before {
					before[k] = n + c.Occurrences(k, r.Value)
				}
			}
			if before[u.Out.Key] > u.Prev {
				bad = append(bad, u)
			}
		}
	}
	return bad
}
