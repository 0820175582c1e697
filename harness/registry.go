package harness

import (
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/ads"
	"github.com/streambench/streambench/workloads/fraud"
	"github.com/streambench/streambench/workloads/grep"
	"github.com/streambench/streambench/workloads/hashtags"
	"github.com/streambench/streambench/workloads/identity"
	"github.com/streambench/streambench/workloads/logs"
	"github.com/streambench/streambench/workloads/network"
	"github.com/streambench/streambench/workloads/trucking"
	"github.com/streambench/streambench/workloads/wordcount"
)

// EngineInfo describes an engine to the CLI.
type EngineInfo struct {
	Name        string
	Description string
	// DefaultGuarantee is what a run gets when it asks for none.
	DefaultGuarantee string
}

// Engines lists the engines a run can use.
var Engines = []EngineInfo{
	{Name: "baseline", Description: "the hand-written Go loop: what the machine does with no framework", DefaultGuarantee: "at-most-once"},
	{Name: "core", Description: "Apache Storm's one-at-a-time model: spouts, bolts, groupings, the XOR acker (local mode)", DefaultGuarantee: "at-least-once"},
	{Name: "microbatch", Description: "Spark Streaming's DStreams: receivers, blocks, batches as RDDs with fused tasks and hash shuffles, state, checkpoints (local mode)", DefaultGuarantee: "at-least-once"},
	{Name: "trident", Description: "Storm Trident's transactional micro-batches compiled onto core: txids, ordered commits, transactional/opaque state", DefaultGuarantee: "exactly-once"},
}

// Workloads lists the workloads a run can use.
var Workloads = []workloads.Workload{
	ads.Workload,
	fraud.Workload,
	grep.Workload,
	hashtags.Workload,
	identity.Workload,
	logs.Workload,
	network.Workload,
	trucking.Workload,
	wordcount.Workload,
}

// SourceInfo describes a source of records.
type SourceInfo struct{ Name, Description string }

// Sources lists the sources a run can read from.
var Sources = []SourceInfo{
	{Name: "generator", Description: "in-process log fed by the workload's generator: measures the engine alone (like Storm's ConstSpout)"},
}

// LookupEngine finds an engine by name.
func LookupEngine(name string) (EngineInfo, error) {
	names := make([]string, len(Engines))
	for i, e := range Engines {
		if e.Name == name {
			return e, nil
		}
		names[i] = e.Name
	}
	return EngineInfo{}, unknown("engine", name, names)
}

// LookupWorkload finds a workload by name.
func LookupWorkload(name string) (workloads.Workload, error) {
	names := make([]string, len(Workloads))
	for i, w := range Workloads {
		if w.Name == name {
			return w, nil
		}
		names[i] = w.Name
	}
	return workloads.Workload{}, unknown("workload", name, names)
}

// unknown builds the error for a name not among known, suggesting the
// closest one.
func unknown(what, name string, known []string) error {
	known = slices.Sorted(slices.Values(known))
	msg := fmt.Sprintf("unknown %s %q (known: %s)", what, name, strings.Join(known, ", "))
	if best := Closest(name, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return &UsageError{Msg: msg}
}

// Closest returns the known name nearest to name by edit distance, or "" if
// none is near enough to be a likely typo.
func Closest(name string, known []string) string {
	best, bestD := "", len(name)/2+2
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// UsageError is bad input from the user: a flag, a name, a value. The CLI
// exits with status 2 for it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }
