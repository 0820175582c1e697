package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/harness/resultfile"
)

// processesOf returns the live processes whose environment holds
// TMPDIR=tmp: a child started by startChild and everything it started.
func processesOf(tmp string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	want := []byte("TMPDIR=" + tmp + "\x00")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] == "Z" {
				continue // exited, waiting for init to reap it
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestRunOnCluster: `streambench run --nodes N` starts a master, N agents
// and their workers as real processes, runs the workload across them over
// the JetStream log and loopback TCP, gives the oracle's answer, records
// the cluster and each node's share, and leaves no process or temporary
// file behind.
func TestRunOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	for _, tc := range []struct {
		name             string
		nodes            int
		engine, workload string
		args             []string
	}{
		{"core word count at-least-once on 3 nodes", 3, "core", "wordcount", []string{"--param", "sentences=1000"}},
		{"core windowed ad counts on 3 nodes", 3, "core", "ads", nil},
		{"core word count at-most-once on 2 nodes", 2, "core", "wordcount", []string{"--guarantee", "at-most-once", "--param", "sentences=1000"}},
		{"trident word count exactly-once on 3 nodes", 3, "trident", "wordcount", []string{"--param", "sentences=1000"}},
		{"trident windowed ad counts on 3 nodes", 3, "trident", "ads", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			args := append([]string{"run", "--engine", tc.engine, "--workload", tc.workload, "--records", "20000",
				"--nodes", strconv.Itoa(tc.nodes), "--timing", "fast", "--out", out}, tc.args...)
			c := startChild(t, args...)
			code, _ := c.wait(t, 3*time.Minute)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &c.stdout, c.stderrText())
			}
			r, err := resultfile.ReadResult(out)
			if err != nil {
				t.Fatal(err)
			}
			if v := r.Verification; !v.OK || v.Lost+v.Duplicated+v.Wrong != 0 {
				t.Errorf("verification %+v", r.Verification)
			}
			if r.Environment.Nodes != tc.nodes || r.Cluster == nil || len(r.Cluster.Nodes) != tc.nodes || r.Cluster.Workers != tc.nodes {
				t.Fatalf("environment %+v, cluster %+v", r.Environment, r.Cluster)
			}
			var read int64
			for _, n := range r.Cluster.Nodes {
				if n.Workers != 1 || n.CPUSeconds <= 0 {
					t.Errorf("node %+v", n)
				}
				read += n.RecordsRead
			}
			// A Trident coordinator looks into partitions other workers
			// read, so the nodes' own counts may add up to more.
			if read < 20000 || r.RecordsMeasured != 20000 || r.EngineSettings["cluster.timing"] != "fast" || r.EngineSettings["topology.workers"] == nil {
				t.Errorf("records read by the nodes %d, measured %d; settings %v", read, r.RecordsMeasured, r.EngineSettings)
			}
			if !strings.Contains(c.stdout.String(), "cluster       "+strconv.Itoa(tc.nodes)+" nodes started") {
				t.Errorf("the summary lacks the cluster:\n%s", &c.stdout)
			}
			if pids := processesOf(c.tmp); len(pids) > 0 {
				t.Errorf("processes left behind: %v", pids)
			}
			noTemporaries(t, c.tmp)
		})
	}
}

// TestInterruptedClusterRun: Ctrl-C during a cluster run stops the
// topology, the workers, the agents and the master, writes the interrupted
// result, exits 130 and leaves no process or temporary file behind.
func TestInterruptedClusterRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	c := startChild(t, "run", "--engine", "core", "--workload", "wordcount", "--param", "sentences=1000", "--rate", "20k", "--duration", "1m",
		"--nodes", "2", "--timing", "fast", "--out", out)
	c.waitRunning(t, 0.3)
	if pids := processesOf(c.tmp); len(pids) < 1+1+2+2 {
		t.Errorf("the run, its master, 2 agents and 2 workers should be running: %v", pids)
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	code, took := c.wait(t, 30*time.Second)
	t.Logf("stopped %v after SIGINT", took.Round(time.Millisecond))
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitInterrupted, c.stderrText())
	}
	r, err := resultfile.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || !r.Verification.OK || r.Cluster == nil {
		t.Errorf("interrupted %v, verification %+v, cluster %+v", r.Interrupted, r.Verification, r.Cluster)
	}
	if pids := processesOf(c.tmp); len(pids) > 0 {
		t.Errorf("processes left behind: %v", pids)
	}
	noTemporaries(t, c.tmp)
}

// TestRunOnRunningCluster: `streambench run --cluster NAME` submits the
// run's topology to a cluster whose master and agents were started with
// `streambench cluster master|agent` (here as processes on this machine, on
// a nats-server of the test's), measures it the same way, and leaves the
// cluster running and clean: its workers stop when the run ends.
func TestRunOnRunningCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	t.Parallel()
	url := clustertest.StartNATS(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--nats-url", url, "--cluster", "lab", "--token-file", tokenFile, "--timing", "fast"}
	roles := []*child{startChild(t, append([]string{"cluster", "master"}, common...)...)}
	for _, n := range []string{"a", "b"} {
		roles = append(roles, startChild(t, append([]string{"cluster", "agent", "--node", n, "--data-dir", filepath.Join(dir, n)}, common...)...))
	}
	out := filepath.Join(dir, "r.json")
	run := startChild(t, "run", "--cluster", "lab", "--nats-url", url, "--token-file", tokenFile, "--nodes", "2",
		"--engine", "core", "--workload", "wordcount", "--param", "sentences=1000", "--records", "20000", "--out", out)
	if code, _ := run.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &run.stdout, run.stderrText())
	}
	r, err := resultfile.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Verification; !v.OK || v.Lost+v.Duplicated+v.Wrong != 0 {
		t.Errorf("verification %+v", v)
	}
	if r.Cluster == nil || r.Cluster.Joined != "lab" || len(r.Cluster.Nodes) != 2 || r.Environment.Nodes != 2 {
		t.Errorf("cluster %+v, environment %+v", r.Cluster, r.Environment)
	}
	// The run's workers are gone; the master and the agents stay up.
	clustertest.Eventually(t, 30*time.Second, "only the master and the agents are left", func() bool {
		return len(processesOf(roles[0].tmp))+len(processesOf(roles[1].tmp))+len(processesOf(roles[2].tmp)) == 3
	})
	for _, c := range roles {
		c.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range roles {
		if code, _ := c.wait(t, 20*time.Second); code != 0 {
			t.Errorf("exit %d after SIGTERM\n%s", code, c.stderrText())
		}
		if pids := processesOf(c.tmp); len(pids) > 0 {
			t.Errorf("processes left behind: %v", pids)
		}
	}
}
