package main

import (
	"path/filepath"
	"testing"
)

// TestFaultBadInput: a fault the parser or the run refuses exits 2 with
// one line naming the fault and the problem, before anything is written.
func TestFaultBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	run := func(fault string, extra ...string) []string {
		return append([]string{"run", "--engine", "core", "--workload", "wordcount", "--duration", "4s", "--out", out, "--fault", fault}, extra...)
	}
	checkBadInputs(t, dir, []badInput{
		{"unknown target", run("kill wrker 1 at 10s"), 2, `--fault 'kill wrker 1 at 10s': unknown target "wrker" (worker, agent, master)`},
		{"unknown action", run("crash worker 1 at 1s"), 2, `unknown action "crash" (kill, hang)`},
		{"after the end", run("kill worker 0 at 10s"), 2, "at 10s is after the run's end (--duration 4s)"},
		{"no such worker", run("kill worker 3 at 1s"), 2, "there is no worker 3: the topology has workers 0 to 0"},
		{"hang in local mode", run("hang worker 0 at 1s for 1s"), 2, "hang stops a process (SIGSTOP): it applies to a cluster run"},
		{"agent in local mode", run("kill agent 0 at 1s"), 2, "a local run has no agent process"},
		{"engine without KillWorker", []string{"run", "--engine", "microbatch", "--workload", "wordcount", "--duration", "4s", "--out", out, "--fault", "kill worker 0 at 1s"}, 2,
			"engine microbatch cannot kill a worker in local mode: only core kills a worker in local mode"},
		{"trident locally", []string{"run", "--engine", "trident", "--workload", "wordcount", "--duration", "4s", "--out", out, "--fault", "kill worker 0 at 1s"}, 2,
			"engine trident cannot kill a worker in local mode: run it on a cluster with --nodes N"},
	})
}
