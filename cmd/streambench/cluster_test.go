package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/cluster/coord"
)

// The CLI tests' engine: it reports a status until its context ends.
func init() {
	cluster.RegisterWorker("clitest", func(ctx context.Context, env *cluster.WorkerEnv) error {
		env.SetStatus(json.RawMessage(`{"ok":true}`))
		<-ctx.Done()
		return nil
	})
}

func TestClusterBadInput(t *testing.T) {
	t.Setenv(cluster.EnvToken, "")
	tokenFile := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(tokenFile, []byte("  \n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster"}, "name a role"},
		{[]string{"cluster", "nimbus"}, `unknown role "nimbus"`},
		{[]string{"cluster", "master"}, "--nats-url is required"},
		{[]string{"cluster", "master", "--nats-url", "nats://127.0.0.1:1"}, "no cluster token"},
		{[]string{"cluster", "master", "--nats-url", "nats://127.0.0.1:1", "--token-file", tokenFile}, "is empty"},
		{[]string{"cluster", "master", "--nats-url", "nats://127.0.0.1:1", "--token", "t", "--timing", "slow"}, `unknown timing profile "slow"`},
		{[]string{"cluster", "master", "--nats-url", "u", "--token", "t", "--timing-set", "nimbus.monitor.freq.secs"}, "want KEY=SECONDS"},
		{[]string{"cluster", "master", "--nats-url", "u", "--token", "t", "--cluster", "a.b"}, "cluster name"},
		{[]string{"cluster", "agent", "--nats-url", "u", "--token", "t", "--slots", "0"}, "--slots 0"},
		{[]string{"cluster", "agent", "--nats-url", "u", "--token", "t", "--ports", "6700,x"}, `--ports "6700,x"`},
		{[]string{"cluster", "agent", "--nats-url", "u", "--token", "t", "--cpus", "3-1"}, "--cpus"},
		{[]string{"cluster", "agent", "--nats-url", "u", "--token", "t", "--cpus", "4000"}, "not on this machine"},
		{[]string{"cluster", "agent", "--nats-url", "u", "--token", "t", "--node", "a b"}, "--node"},
		{[]string{"cluster", "agent", "--speed", "1"}, "unknown flag"},
		{[]string{"cluster", "worker", "--nats-url", "u", "--token", "t"}, "unknown flag: --token"},
		{[]string{"cluster", "worker", "--nats-url", "u"}, "no cluster token"},
	} {
		code, _, errOut := cli(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and one line with %q", tc.args, code, errOut, tc.want)
		}
	}
	t.Setenv(cluster.EnvToken, "t")
	if code, _, errOut := cli(t, "cluster", "worker", "--nats-url", "u"); code != 2 || !strings.Contains(errOut, "started by an agent") {
		t.Errorf("worker by hand: exit %d, %q", code, errOut)
	}
	for _, args := range [][]string{{"cluster", "--help"}, {"cluster", "master", "--help"}, {"cluster", "agent", "-h"}, {"cluster", "worker", "--help"}} {
		if code, out, _ := cli(t, args...); code != 0 || !strings.Contains(out, "Exit status") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

// TestClusterCommands starts `streambench cluster master` and two `cluster
// agent` processes (this test binary as the command), submits a topology
// and waits for its workers' heartbeats, then stops everything by pid with
// SIGTERM: the agents stop their workers before they exit.
func TestClusterCommands(t *testing.T) {
	url := clustertest.StartNATS(t)
	dir := t.TempDir()
	var logs syncBuf
	start := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), childEnv+"=1", cluster.EnvToken+"=s3cret")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	common := []string{"--nats-url", url, "--cluster", "clitest", "--timing", "fast"}
	procs := []*exec.Cmd{start(append([]string{"cluster", "master"}, common...)...)}
	for _, n := range []string{"a", "b"} {
		procs = append(procs, start(append([]string{"cluster", "agent", "--node", n, "--data-dir", filepath.Join(dir, n)}, common...)...))
	}
	defer func() {
		for _, p := range procs {
			_ = syscall.Kill(p.Process.Pid, syscall.SIGKILL)
			_ = p.Wait()
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	ctx := context.Background()
	store, err := coord.Dial(ctx, url, "test", coord.Options{Cluster: "clitest", Timing: coord.FastTiming()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sub := &coord.Submission{Topology: "t", Engine: "clitest", Workers: 2, Executors: []coord.Executor{{ID: 0, Component: "s", FirstTask: 1, LastTask: 1}, {ID: 1, Component: "b", FirstTask: 2, LastTask: 2}}}
	if err := store.Submit(ctx, sub); err != nil {
		t.Fatal(err)
	}
	var pids []int
	clustertest.Eventually(t, 30*time.Second, "two workers heartbeat", func() bool {
		hs, _ := store.Workers(ctx, "t")
		pids = pids[:0]
		for _, h := range hs {
			if string(h.Status) == `{"ok":true}` && time.Since(h.Time) < time.Second {
				pids = append(pids, h.PID)
			}
		}
		return len(pids) == 2
	})
	for _, p := range procs {
		_ = syscall.Kill(p.Process.Pid, syscall.SIGTERM)
	}
	for _, p := range procs {
		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("pid %d after SIGTERM: %v", p.Process.Pid, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("pid %d ignored SIGTERM", p.Process.Pid)
		}
	}
	procs = nil
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("worker pid %d outlived its agent's SIGTERM", pid)
		}
	}
	if !strings.Contains(logs.String(), "topology assigned") {
		t.Errorf("the master logged no assignment:\n%s", logs.String())
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
