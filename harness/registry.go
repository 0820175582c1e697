package harness

import (
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines"
	_ "github.com/streambench/streambench/engines/baseline"
	_ "github.com/streambench/streambench/engines/core"
	_ "github.com/streambench/streambench/engines/microbatch"
	_ "github.com/streambench/streambench/engines/trident"
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
	{Name: "jetstream", Description: "NATS JetStream, the durable replayable log (Kafka's role): a stream per run, a subject per partition, records in batches; embedded nats-server by default, or --nats-url; --nats-class queue reads it as a reliable queue (acks, redelivery), --nats-class feed as an unreliable feed (plain subjects, fire and forget); the figures include the broker"},
	{Name: "socket", Description: "a TCP text socket per partition on loopback, one record a line, that the engine connects to (Spark's socketTextStream); unreliable: what no client takes in time is dropped and counted (sends_dropped); no broker"},
	{Name: "files", Description: "a directory the harness moves files of records into, one per partition per flush (Spark's textFileStream); durable, read once per file; records count as read when their file appears; no broker"},
}

// LookupEngine finds a registered engine (engines.Register) by name.
func LookupEngine(name string) (*engines.Spec, error) {
	s, err := engines.Lookup(name)
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	return s, nil
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
	if best := engines.Closest(name, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return &UsageError{Msg: msg}
}

// UsageError is bad input from the user: a flag, a name, a value. The CLI
// exits with status 2 for it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }
