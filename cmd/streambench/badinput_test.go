package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// badInput is one bad command line: the exit status it must give and a
// substring of its one line on stderr.
type badInput struct {
	name string
	args []string
	code int
	want string
}

// checkBadInputs runs each command line and checks its status and message;
// nothing may be written into the directory dir.
func checkBadInputs(t *testing.T, dir string, cases []badInput) {
	t.Helper()
	before, _ := os.ReadDir(dir)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "fatal error") || strings.Contains(stderr, "panic") {
				t.Errorf("crashed: %s", stderr)
			}
		})
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("bad input wrote files: %v, then %v", before, after)
	}
	if _, err := os.Stat("results"); err == nil {
		t.Errorf("bad input made a results directory")
	}
}

// TestRunLimits: a value past a documented bound is exit 2 naming the
// bound, before anything runs or any memory is taken for it.
func TestRunLimits(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) []string {
		return append([]string{"run", "--engine", "baseline", "--workload", "wordcount", "--out", filepath.Join(dir, "r.json")}, args...)
	}
	trident := func(args ...string) []string {
		return append([]string{"run", "--engine", "trident", "--workload", "wordcount", "--records", "10", "--out", filepath.Join(dir, "r.json")}, args...)
	}
	micro := func(args ...string) []string {
		return append([]string{"run", "--engine", "microbatch", "--workload", "wordcount", "--records", "10", "--out", filepath.Join(dir, "r.json")}, args...)
	}
	checkBadInputs(t, dir, []badInput{
		{"rate past the most", run("--records", "10", "--rate", "1e9"), 2, "above the most, 100,000,000 records/s"},
		{"rate overflowing", run("--records", "10", "--rate", "1e308M"), 2, "above the most"},
		{"rate out of float range", run("--records", "10", "--rate", "1e400"), 2, "above the most"},
		{"infinite rate", run("--records", "10", "--rate", "Inf"), 2, "above the most"},
		{"rate not a number", run("--records", "10", "--rate", "NaN"), 2, `--rate "NaN": want a positive number`},
		{"rate absurdly small", run("--records", "10", "--rate", "0.001"), 2, "below the least rate, 1 record/s"},
		{"rate underflowing", run("--records", "10", "--rate", "1e-400"), 2, "want a positive number"},
		{"partitions past the most", run("--records", "10", "--partitions", "100000"), 2, "--partitions 100000 is more than the most, 1024"},
		{"parallelism past the most", run("--records", "10", "--parallelism", "100000"), 2, "--parallelism 100000 is more than the most"},
		{"backlog past memory", run("--records", "10", "--backlog", "1000000000000"), 2, "--backlog 1,000,000,000,000: 4 partitions of it need"},
		{"backlog past memory at many partitions", run("--records", "10", "--partitions", "1024", "--backlog", "10000000"), 2, "records per partition at 1024 partitions"},
		{"records past the most", run("--records", "99999999999999999"), 2, "--records 99,999,999,999,999,999 is more than the most a run publishes, 10,000,000,000"},
		{"duration past the most", run("--duration", "1000000h"), 2, "longer than the longest run, 24h0m0s"},
		{"warmup past the most", run("--records", "10", "--warmup", "1000000h"), 2, "--warmup 1000000h0m0s is longer than the longest run"},
		{"drain timeout past the most", run("--records", "10", "--drain-timeout", "1000h"), 2, "--drain-timeout 1000h0m0s is longer than the most, 1h0m0s"},
		{"records at a slow rate take days", run("--records", "10000000", "--rate", "1"), 2, "takes 2777h46m40s to publish, longer than the longest run"},
		{"rate times duration past the most records", run("--rate", "100M", "--duration", "10m"), 2, "60,000,000,000 records, more than the most"},
		{"trident batch past memory", trident("--batch-size", "1000000000000"), 2, "--batch-size: trident.batch.size: 1000000000000: a batch of more than"},
		{"spark slots past the most", micro("--conf", "spark.master=local[1000000]"), 2, "is more than 1024 task slots"},
		{"spark shuffle partitions past the most", micro("--conf", "spark.default.parallelism=1000000"), 2, "is more than 1024 shuffle partitions"},
		{"spark master of no slots", micro("--conf", "spark.master=local[0]"), 2, `spark.master="local[0]" must be local, local[N] (N ≥ 1) or local[*]`},
		{"spark master of a cluster", micro("--conf", "spark.master=yarn"), 2, `spark.master="yarn" must be local`},
		{"spark rate NaN", micro("--conf", "spark.streaming.receiver.maxRate=NaN"), 2, `spark.streaming.receiver.maxRate="NaN" must be a number >= 0`},
		{"batch interval past the drain timeout", micro("--batch-interval", "100000h"), 2, "the last batch would end after the drain timeout (1m0s)"},
		{"storm range in words", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.max.spout.pending=1000000000000"}, 2, "value 1000000000000 is not in [1, 2147483647]"},
		{"config of a device", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--config", os.DevNull}, 2, os.DevNull + " is not a regular file"},
		{"config of a directory", []string{"run", "--engine", "trident", "--workload", "wordcount", "--records", "10", "--config", dir}, 2, dir + " is not a regular file"},
		{"suite of a device", []string{"bench", "--suite", os.DevNull, "--dry-run"}, 2, os.DevNull + " is not a regular file"},
		{"storm NaN", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.stats.sample.rate=NaN"}, 2, "topology.stats.sample.rate: value NaN is not in [0.0001, 1]"},
	})
}

// TestRunMessages: each mistake gets the message about it.
func TestRunMessages(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin.dat")
	os.WriteFile(bin, []byte{0, 1, 2, 0xff, 'x'}, 0o644)
	unknownKey := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknownKey, []byte("qqqqqqqqqqqqqqqqqqqq: 1\n"), 0o644)
	list := filepath.Join(dir, "list.yaml")
	os.WriteFile(list, []byte("- a\n- b\n"), 0o644)
	bigInt := filepath.Join(dir, "big.yaml")
	os.WriteFile(bigInt, []byte("topology.workers: 1e400\n"), 0o644)
	huge := filepath.Join(dir, "huge.yaml")
	os.WriteFile(huge, bytes.Repeat([]byte("# a comment line\n"), 2<<20/17+1), 0o644)
	base := []string{"run", "--engine", "baseline", "--workload", "wordcount"}
	core := []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10"}
	with := func(b []string, args ...string) []string { return append(append([]string{}, b...), args...) }
	checkBadInputs(t, dir, []badInput{
		{"records zero", with(base, "--records", "0"), 2, "--records must be positive, got 0"},
		{"records negative", with(base, "--records", "-5"), 2, "--records must be positive, got -5"},
		{"duration negative", with(base, "--duration", "-1s"), 2, "--duration must be positive, got -1s"},
		{"duration zero", with(base, "--duration", "0s"), 2, "--duration must be positive, got 0s"},
		{"partitions zero", with(base, "--records", "10", "--partitions", "0"), 2, "--partitions must be positive, got 0"},
		{"backlog zero", with(base, "--records", "10", "--backlog", "0"), 2, "--backlog must be positive, got 0"},
		{"drain timeout negative", with(base, "--records", "10", "--drain-timeout", "-1s"), 2, "--drain-timeout must be positive"},
		{"seed too large", with(base, "--records", "10", "--seed", "99999999999999999999999"), 2, "too large: a seed is at most 18446744073709551615"},
		{"seed negative", with(base, "--records", "10", "--seed", "-1"), 2, "a seed is not negative"},
		{"seed not a number", with(base, "--records", "10", "--seed", "x"), 2, "a seed is a whole number"},
		{"unknown storm key", with(core, "--conf", "topology.foo=1"), 2, "--conf topology.foo=1: topology.foo: unknown setting: engine core has no such setting; did you mean \"topology.name\"? (see 'streambench list --engine core')"},
		{"unknown storm key far from any", with(core, "--conf", "q=1"), 2, "q: unknown setting: engine core has no such setting; Storm passes a key of your own to your components, but no streambench workload reads one, so it would do nothing (see 'streambench list --engine core')"},
		{"unknown key in a storm.yaml", with(core, "--config", unknownKey), 2, "--config " + unknownKey + ": qqqqqqqqqqqqqqqqqqqq: unknown setting: engine core has no such setting; Storm passes a key of your own"},
		{"storm.yaml of a list", with(core, "--config", list), 2, "not a YAML mapping of config keys (key: value lines)"},
		{"storm.yaml of binary", with(core, "--config", bin), 2, "not a YAML mapping of config keys"},
		{"storm.yaml value in words", with(core, "--config", bigInt), 2, `value "1e400" is not an integer`},
		{"both ends", with(base, "--records", "10", "--duration", "1s"), 2, "exactly one of --records and --duration, not both"},
		{"no end", base, 2, "exactly one of --records N and --duration D"},
		{"config far too large", with(core, "--config", huge), 2, "huge.yaml is 2.0 MiB, more than the 1.0 MiB a settings file may be"},
		{"suite far too large", []string{"bench", "--suite", huge}, 2, "more than the 1.0 MiB"},
		{"list both", []string{"list", "--engine", "core", "--workload", "grep"}, 2, "give one of --workload and --engine, not both"},
	})
}

// TestNothingIgnored: a flag the chosen engine, workload or source does not
// use is refused with the reason.
func TestNothingIgnored(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "storm.yaml")
	os.WriteFile(bin, []byte{0, 1, 2, 0xff}, 0o644)
	base := func(engine string, args ...string) []string {
		return append([]string{"run", "--engine", engine, "--workload", "wordcount", "--records", "10"}, args...)
	}
	checkBadInputs(t, dir, []badInput{
		{"config on baseline", base("baseline", "--config", bin), 2, "engine baseline reads no configuration file"},
		{"config on microbatch", base("microbatch", "--config", bin), 2, "engine microbatch reads no configuration file"},
		{"batch size on core", base("core", "--batch-size", "5"), 2, "--batch-size sets trident.batch.size of engine trident; engine core does not use it"},
		{"state on microbatch", base("microbatch", "--state", "opaque"), 2, "--state sets trident.state of engine trident; engine microbatch does not use it"},
		{"batch interval on trident", base("trident", "--batch-interval", "1s"), 2, "engine trident does not use it"},
		{"nats url on the generator", base("baseline", "--nats-url", "nats://127.0.0.1:4222"), 2, "apply to --source jetstream"},
		{"nats store on the generator", base("baseline", "--nats-store", "memory"), 2, "apply to --source jetstream"},
		{"nats store with an external server", base("baseline", "--source", "jetstream", "--nats-url", "nats://127.0.0.1:1", "--nats-store", "memory"), 2, "--nats-store applies to the embedded server"},
		{"storm key on microbatch", base("microbatch", "--conf", "topology.workers=2"), 2, "unknown setting: engine microbatch has no such setting"},
		{"unknown workload parameter", base("baseline", "--param", "colour=red"), 2, `no parameter "colour"`},
		{"parameter of another workload", base("baseline", "--param", "pattern=x"), 2, `no parameter "pattern"`},
		{"engine and workload listing together", []string{"list", "--workload", "grep", "--engine", "core"}, 2, "not both"},
		{"stray argument to list", []string{"list", "core"}, 2, `unexpected argument "core"`},
		{"stray argument to version", []string{"version", "x"}, 2, `unexpected argument "x"`},
	})
}

// TestListingsInWords: listings print numbers and lists as words, not Go
// values.
func TestListingsInWords(t *testing.T) {
	goish := regexp.MustCompile(`\de\+\d|map\[|\[\]|\w+\.\w+\{`)
	for _, args := range [][]string{{"list"}, {"list", "--engine", "core"}, {"list", "--engine", "trident"}, {"list", "--engine", "microbatch"},
		{"list", "--engine", "baseline"}, {"list", "--workload", "wordcount"}, {"list", "--workload", "fraud"}, {"list", "--workload", "grep"},
		{"run", "--help"}, {"bench", "--help"}} {
		code, out, _ := cli(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		for _, line := range strings.Split(out, "\n") {
			if goish.MatchString(line) {
				t.Errorf("%v: a Go value in %q", args, line)
			}
		}
	}
}

// TestBenchMessages: a bad suite cell or bench directory is refused before
// anything runs, with the flag or key to fix; --dry-run refuses the same.
func TestBenchMessages(t *testing.T) {
	dir := t.TempDir()
	suite := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	engine := suite("engine.yaml", "name: t\ncells:\n  - engine: stormm\n    workload: wordcount\n")
	workload := suite("workload.yaml", "name: t\ncells:\n  - engine: core\n    workloads: [wordcont]\n")
	guarantee := suite("guarantee.yaml", "name: t\ncells:\n  - engine: baseline\n    guarantee: exactly-once\n    workload: wordcount\n")
	defaultsGuarantee := suite("dguarantee.yaml", "name: t\ndefaults:\n  guarantee: exactly-once\ncells:\n  - engine: baseline\n    workload: wordcount\n")
	start := suite("start.yaml", "name: t\ndefaults:\n  start: 1e308M\ncells:\n  - engine: baseline\n    workload: wordcount\n")
	both := suite("both.yaml", "name: t\ncells:\n  - engine: baseline\n    workload: wordcount\n    start: 10k\n    calibrate: 3s\n")
	seed := suite("seed.yaml", "name: t\ncells:\n  - engine: baseline\n    workload: wordcount\n    seed: 99999999999999999999999\n")
	parts := suite("parts.yaml", "name: t\ncells:\n  - engine: baseline\n    workload: wordcount\n    partitions: 100000\n")
	repeat := suite("repeat.yaml", "name: t\nrepeat: 1000\ncells:\n  - engine: baseline\n    workload: wordcount\n")
	batch := suite("batch.yaml", "name: t\ncells:\n  - engine: trident\n    workload: wordcount\n    batch_size: 1000000000000\n")
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, resultfile.ManifestFile), []byte(`{"bench_schema": 1, "suite": "deck", "suite_file": "builtin:deck", "cells": []}`), 0o644)
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	var cases []badInput
	for _, dry := range []bool{false, true} {
		b := func(args ...string) []string {
			args = append([]string{"bench"}, args...)
			if dry {
				args = append(args, "--dry-run")
			}
			return args
		}
		pre := ""
		if dry {
			pre = "dry run: "
		}
		cases = append(cases,
			badInput{pre + "misspelt engine", b("--suite", engine, "--out", filepath.Join(dir, "x")), 2, engine + `:3: cells[0].engine: unknown engine "stormm"`},
			badInput{pre + "misspelt workload", b("--suite", workload, "--out", filepath.Join(dir, "x")), 2, workload + `:4: cells[0].workload: unknown workload "wordcont"`},
			badInput{pre + "guarantee not offered", b("--suite", guarantee, "--out", filepath.Join(dir, "x")), 2, guarantee + ":4: cells[0].guarantee: baseline offers at-most-once"},
			badInput{pre + "defaults' guarantee not offered", b("--suite", defaultsGuarantee, "--out", filepath.Join(dir, "x")), 2, ":3: cells[0].guarantee: baseline offers at-most-once"},
			badInput{pre + "start rate overflowing", b("--suite", start, "--out", filepath.Join(dir, "x")), 2, `defaults.start: "1e308M": more than 1e308 records/s is above the most`},
			badInput{pre + "start and calibrate", b("--suite", both, "--out", filepath.Join(dir, "x")), 2, "calibrate is not used when a start rate is given"},
			badInput{pre + "seed too large", b("--suite", seed, "--out", filepath.Join(dir, "x")), 2, "is too large: a seed is at most"},
			badInput{pre + "partitions past the most", b("--suite", parts, "--out", filepath.Join(dir, "x")), 2, `cells[0].partitions: "100000" must be a whole number in [1, 1024]`},
			badInput{pre + "repeat past the most", b("--suite", repeat, "--out", filepath.Join(dir, "x")), 2, `repeat: "1000" must be a whole number in [1, 100]`},
			badInput{pre + "batch past memory", b("--suite", batch, "--out", filepath.Join(dir, "x")), 2, "cells[0].batch_size: trident.batch.size: 1000000000000: a batch of more than"},
			badInput{pre + "repeat flag past the most", b("--suite", "quick", "--repeat", "1000", "--out", filepath.Join(dir, "x")), 2, "--repeat must be in [1, 100], got 1000"},
			badInput{pre + "empty engines filter", b("--suite", "quick", "--engines", "", "--out", filepath.Join(dir, "x")), 2, "--engines is empty"},
			badInput{pre + "repeat flag zero", b("--suite", "quick", "--repeat", "0", "--out", filepath.Join(dir, "x")), 2, "--repeat must be in [1, 100], got 0"},
			badInput{pre + "resume of no bench", b("--suite", "quick", "--resume", "--out", empty), 2, "--resume: " + empty + " holds no bench (no bench.json): leave out --resume"},
			badInput{pre + "resume of a missing directory", b("--suite", "quick", "--resume", "--out", filepath.Join(dir, "none")), 2, "holds no bench"},
			badInput{pre + "resume of another suite", b("--suite", "quick", "--resume", "--out", other), 2, "holds a bench of suite deck, not quick; give --suite deck to continue it"},
			badInput{pre + "a bench without resume", b("--suite", "deck", "--out", other), 2, "already holds a bench (bench.json); give --resume"},
		)
	}
	checkBadInputs(t, dir, cases)
	if _, err := os.Stat(filepath.Join(dir, "none")); err == nil {
		t.Error("a refused --resume made its directory")
	}
}

// TestBenchDryRunSaysWhatWouldFail: a cell whose runs the harness would
// refuse is listed with the reason, and the real bench records it failed
// without running it.
func TestBenchDryRunSaysWhatWouldFail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte("name: t\ncells:\n  - engine: baseline\n    workload: wordcount\n    params: {sentences: \"0\"}\n  - engine: baseline\n    workload: grep\n"), 0o644)
	code, out, errOut := cli(t, "bench", "--suite", path, "--dry-run", "--repeat", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"suite t: 2 cells, 3 repetitions, into results/", "baseline/wordcount  would fail: bad workload settings: workload wordcount: parameter sentences", "baseline/grep       runnable"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}

func TestMachineLimits(t *testing.T) {
	l := harness.Machine()
	if l.MemoryBytes <= 0 || l.Source == "" {
		t.Fatalf("limits %+v", l)
	}
	if l.MaxParallelism() < 1 || l.MaxParallelism() > harness.MaxParallelism {
		t.Errorf("max parallelism %d", l.MaxParallelism())
	}
}
