package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/streambench/streambench/harness"
)

// FuzzRunFlags: any argument vector of "streambench run" (arguments
// separated by newlines) parses into a checked configuration or a usage
// error, never a panic. Nothing runs.
func FuzzRunFlags(f *testing.F) {
	for _, args := range [][]string{
		{"--engine", "baseline", "--workload", "wordcount", "--records", "5000000"},
		{"--engine", "core", "--workload", "grep", "--rate", "250k", "--duration", "20s", "--warmup", "5s", "--conf", "topology.max.spout.pending=1000"},
		{"--engine", "trident", "--workload", "wordcount", "--records", "10", "--batch-size", "500", "--state", "opaque"},
		{"--engine", "microbatch", "--workload", "ads", "--duration", "1s", "--batch-interval", "100ms", "--guarantee", "exactly-once"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--rate", "1e308M"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--rate", "NaN"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--partitions", "100000"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--backlog", "1000000000000"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "0"},
		{"--engine", "baseline", "--workload", "wordcount", "--duration", "-1s"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--seed", "99999999999999999999999"},
		{"--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.foo=1"},
		{"--engine", "core", "--workload", "wordcount", "--records", "10", "--config", "/dev/null"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--source", "jetstream", "--nats-store", "memory"},
		{"--engine", "baseline", "--workload", "wordcount", "--records", "10", "--param", "sentences=5", "--param", "=x"},
		{"--help"},
		{"--engine=core", "--workload=wordcount", "--records=1", "--rate=1.5M", "--parallelism=-3"},
		{},
	} {
		f.Add(strings.Join(args, "\n"))
	}
	f.Fuzz(func(t *testing.T, vector string) {
		args := strings.Split(vector, "\n")
		if vector == "" {
			args = nil
		}
		stdio := Stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
		_, cfg, err := parseRun(args, stdio)
		if err == nil {
			err = cfg.Check()
		}
		var ue *harness.UsageError
		if err != nil && !errors.As(err, &ue) && !errors.Is(err, pflag.ErrHelp) {
			t.Fatalf("%q: an error that is not a usage error: %v", args, err)
		}
		if err == nil && (cfg.Partitions < 1 || cfg.Parallelism < 1 || cfg.Rate < 0 || (cfg.Records > 0) == (cfg.Duration > 0)) {
			t.Fatalf("%q: accepted %+v", args, cfg)
		}
	})
}
