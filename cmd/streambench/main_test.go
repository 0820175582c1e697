package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs a command line in memory and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func TestList(t *testing.T) {
	code, out, _ := cli(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"engines:", "baseline", "workloads:", "wordcount", "guarantees:", "exactly-once", "sources:", "generator"} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, "list", "--engine", "core")
	for _, want := range []string{"at-least-once", "ackers and a replaying spout", "topology.max.spout.pending", "null", "topology.message.timeout.secs", "30", "--config FILE"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("list --engine core: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = cli(t, "list", "--engine", "microbatch")
	if code != 0 || !strings.Contains(out, "spark.streaming.batchDuration") || !strings.Contains(out, "--batch-interval for spark.streaming.batchDuration") {
		t.Errorf("list --engine microbatch: exit %d\n%s", code, out)
	}
	if code, _, errOut := cli(t, "list", "--engine", "stormm"); code != 2 || !strings.Contains(errOut, `did you mean "storm`) && !strings.Contains(errOut, "known: baseline") {
		t.Errorf("list --engine stormm: exit %d, %s", code, errOut)
	}
	code, out, _ = cli(t, "list", "--workload", "wordcount")
	if code != 0 || !strings.Contains(out, "vocabulary") || !strings.Contains(out, "zipf") {
		t.Errorf("list --workload: exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "streambench ") || !strings.Contains(out, "go1.") {
		t.Errorf("exit %d: %q", code, out)
	}
}

// srcDir is the package's directory, where its testdata is: the tests
// themselves run elsewhere (TestMain).
var srcDir string

func testdataDir(*testing.T) string { return filepath.Join(srcDir, "testdata") }

// TestMain runs the tests in a directory of their own, so a run or bench
// that writes to its default results/ leaves nothing in the tree; started
// with childEnv set, the test binary is the streambench command instead.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		return
	}
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	srcDir = wd
	dir, err := os.MkdirTemp("", "streambench-cli-test")
	if err != nil {
		panic(err)
	}
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestHelp: every command's --help prints its usage once, on stdout, and
// exits 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"run", "--help"}, {"run", "-h"}, {"list", "-h"}, {"list", "--help"},
		{"bench", "--help"}, {"report", "--help"}, {"report", "-h"}, {"version", "--help"}, {"run", "--engine", "core", "--help"}} {
		code, out, errOut := cli(t, args...)
		if code != 0 || !strings.Contains(out, "Exit status") || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q, output lacks the exit statuses:\n%s", args, code, errOut, out)
		}
		if n := strings.Count(out, "Usage: streambench"); n != 1 {
			t.Errorf("%v: usage printed %d times:\n%s", args, n, out)
		}
	}
}

func TestRunWritesResult(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "r.json")
	code, stdout, stderr := cli(t, "run", "--engine", "baseline", "--workload", "wordcount", "--records", "20000",
		"--rate", "100k", "--seed", "3", "--param", "sentences=1000", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"throughput", "records/s", "per node", "p99.9", "send delay", "lost 0, duplicated 0, wrong 0", out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r["schema"] != 1.0 || r["engine"] != "baseline" || r["seed"] != 3.0 || r["guarantee"] != "at-most-once" {
		t.Errorf("result keys: schema %v engine %v seed %v guarantee %v", r["schema"], r["engine"], r["seed"], r["guarantee"])
	}
	tp := r["throughput"].(map[string]any)
	for _, k := range []string{"records_per_second", "records_per_second_per_node", "records_per_second_per_core"} {
		if v, ok := tp[k].(float64); !ok || v <= 0 {
			t.Errorf("throughput.%s = %v", k, tp[k])
		}
	}
	lat := r["latency_us"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat[k].(float64); !ok {
			t.Errorf("latency_us.%s missing", k)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "r.hlog")); err != nil {
		t.Errorf("histogram log: %v", err)
	}
}

// TestRunTextSources: a run over a socket and over files says where the
// records came from, that no broker is in the figures, and records the
// addresses or the directory in the result.
func TestRunTextSources(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		summary string
		setting string
	}{
		{[]string{"--engine", "core", "--source", "socket", "--guarantee", "at-most-once"}, "socket: 4 loopback listeners the engine connects to, no broker", "addrs"},
		{[]string{"--engine", "microbatch", "--source", "files", "--guarantee", "exactly-once", "--batch-interval", "100ms"}, "files: in ", "dir"},
	} {
		t.Run(tc.args[3], func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", "--workload", "wordcount", "--records", "2000", "--rate", "10k", "--out", out}, tc.args...)
			code, stdout, stderr := cli(t, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.summary) || !strings.Contains(stdout, "no broker") || !strings.Contains(stdout, "lost 0, duplicated 0, wrong 0") {
				t.Errorf("summary lacks %q:\n%s", tc.summary, stdout)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Source         string         `json:"source"`
				SourceSettings map[string]any `json:"source_settings"`
				SendsDropped   *int64         `json:"sends_dropped"`
			}
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			if r.Source != tc.args[3] || r.SourceSettings[tc.setting] == nil || r.SendsDropped == nil || *r.SendsDropped != 0 {
				t.Errorf("source %q, settings %v, sends_dropped %v", r.Source, r.SourceSettings, r.SendsDropped)
			}
		})
	}
}

// TestRunBadInput: every bad input is one line naming the problem, exit 2,
// and no result file.
func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	base := []string{"run", "--engine", "baseline", "--workload", "wordcount"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown engine", []string{"run", "--engine", "stormm", "--workload", "wordcount", "--records", "10"}, `unknown engine "stormm" (known: baseline, core`},
		{"unknown workload", []string{"run", "--engine", "baseline", "--workload", "wordcont", "--records", "10"}, `did you mean "wordcount"`},
		{"no engine", []string{"run", "--workload", "wordcount", "--records", "10"}, "needs --engine"},
		{"bad rate", append(base, "--records", "10", "--rate", "fast"), `--rate "fast"`},
		{"negative rate", append(base, "--records", "10", "--rate", "-5"), "--rate"},
		{"bad duration", append(base, "--duration", "forever"), "invalid argument"},
		{"bad seed", append(base, "--records", "10", "--seed", "x"), "--seed"},
		{"both", append(base, "--records", "10", "--duration", "1s"), "exactly one"},
		{"neither", base, "exactly one"},
		{"bad guarantee", append(base, "--records", "10", "--guarantee", "twice"), "unknown guarantee"},
		{"bad param", append(base, "--records", "10", "--param", "zipf"), "want name=value"},
		{"unknown param", append(base, "--records", "10", "--param", "colour=red"), `no parameter "colour"`},
		{"unwritable out", append(base, "--records", "10", "--out", filepath.Join(file, "r.json")), "--out"},
		{"stray argument", append(base, "--records", "10", "extra"), `unexpected argument "extra"`},
		{"unknown flag", append(base, "--records", "10", "--speed", "1"), "unknown flag"},
		{"unknown command", []string{"rum"}, `did you mean "run"`},
		{"guarantee not offered", append(base, "--records", "10", "--guarantee", "exactly-once"), "--guarantee exactly-once: baseline offers at-most-once"},
		{"baseline takes no settings", append(base, "--records", "10", "--conf", "x=1"), "--conf x=1: x: unknown setting: engine baseline takes no settings"},
		{"conf without =", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.workers"}, "want key=value"},
		{"unknown conf key", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.max.spout.pendin=9"}, `--conf topology.max.spout.pendin=9: topology.max.spout.pendin: unknown setting: engine core has no such setting; did you mean "topology.max.spout.pending"?`},
		{"bad conf value", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--conf", "topology.max.spout.pending=lots"}, `topology.max.spout.pending: value "lots" is not an integer`},
		{"a flag the engine does not use", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--batch-interval", "2s"}, "--batch-interval sets spark.streaming.batchDuration of engine microbatch; engine core does not use it"},
		{"bad batch interval", []string{"run", "--engine", "microbatch", "--workload", "wordcount", "--records", "10", "--batch-interval", "1500us"}, `--batch-interval: spark.streaming.batchDuration: value "1500us" is not a positive whole number of milliseconds`},
		{"bad state", []string{"run", "--engine", "trident", "--workload", "wordcount", "--records", "10", "--state", "snapshot"}, `--state: trident.state: unknown trident state "snapshot"`},
		{"config for an engine without one", append(base, "--records", "10", "--config", file), "engine baseline reads no configuration file"},
		{"exactly-once over a socket", []string{"run", "--engine", "microbatch", "--workload", "wordcount", "--records", "10", "--source", "socket", "--guarantee", "exactly-once"}, "--source socket: microbatch over a socket gives at-most-once, not exactly-once; a socket keeps nothing to replay"},
		{"files on core", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--source", "files", "--guarantee", "at-most-once"}, "core has no connector for files"},
		{"missing config file", []string{"run", "--engine", "core", "--workload", "wordcount", "--records", "10", "--config", filepath.Join(dir, "none.yaml")}, "none.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("bad runs left files: %v", entries)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"max": 0, "1000": 1000, "250k": 250000, "1.5M": 1.5e6, "1e5": 1e5} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "k", "NaN", "Inf", "1G"} {
		if _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) accepted", in)
		}
	}
}
