package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
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

// TestFaultHangWorkerOnCluster stops worker 0's process (SIGSTOP, by the
// pid in its heartbeat) two seconds into a core at-least-once word count on
// two nodes, and resumes it (SIGCONT) a second later, within the fast
// profile's worker timeout, so its agent does not restart it: the run
// stalls, catches up and verifies with nothing lost, and the result holds
// the fault, its pid, its resumption and the first output after it.
func TestFaultHangWorkerOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	out := filepath.Join(t.TempDir(), "r.json")
	c := startChild(t, "run", "--engine", "core", "--workload", "wordcount", "--param", "sentences=1000", "--rate", "5k", "--duration", "6s",
		"--nodes", "2", "--timing", "fast", "--drain-timeout", "30s", "--fault", "hang worker 0 at 2s for 1s", "--out", out)
	code, _ := c.wait(t, 3*time.Minute)
	t.Logf("stdout:\n%s", &c.stdout)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, c.stderrText())
	}
	r, err := resultfile.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Verification; !v.OK || v.Lost != 0 {
		t.Errorf("verification %+v", v)
	}
	if len(r.Recovery) != 1 {
		t.Fatalf("recovery %+v", r.Recovery)
	}
	f := r.Recovery[0]
	if f.Error != "" || f.PID == 0 || f.Target != "worker 0" || f.FirstOutputS == nil || f.ResumedS == nil || *f.ResumedS < f.FaultS+0.9 {
		t.Errorf("recovery %+v", f)
	}
	if !strings.Contains(c.stdout.String(), "fault         hang worker 0 at 2s for 1s: worker 0, pid") {
		t.Errorf("the summary lacks the fault")
	}
	if pids := processesOf(c.tmp); len(pids) > 0 {
		t.Errorf("processes left behind: %v", pids)
	}
}
