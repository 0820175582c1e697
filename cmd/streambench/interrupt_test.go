package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// childEnv makes the test binary run as the streambench command (see
// TestMain), so the tests below drive a real process: real signals, real
// exit statuses, its own temporary directory.
const childEnv = "STREAMBENCH_TEST_AS_MAIN"

// child is a streambench process started by a test.
type child struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer // read once it has exited
	tmp    string       // its TMPDIR

	mu      sync.Mutex
	stderr  bytes.Buffer
	started chan struct{} // closed when it says it is measuring
	eof     chan struct{} // closed when its stderr ends
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{tmp: t.TempDir(), started: make(chan struct{}), eof: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], args...)
	c.cmd.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+c.tmp)
	c.cmd.Stdout = &c.stdout
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.eof)
		sc := bufio.NewScanner(stderr)
		once := sync.OnceFunc(func() { close(c.started) })
		for sc.Scan() {
			c.mu.Lock()
			c.stderr.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			if strings.Contains(sc.Text(), ": measuring ") {
				once()
			}
		}
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

func (c *child) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// waitRunning waits until the child says it is measuring and has then
// worked for cpu (CPU time, which a loaded machine stretches in wall time
// alike), so a signal lands in the run, with records flowing, not in its
// setup.
func (c *child) waitRunning(t *testing.T, cpu float64) {
	t.Helper()
	select {
	case <-c.started:
	case <-c.eof:
		t.Fatalf("the child ended before measuring:\n%s", c.stderrText())
	case <-time.After(30 * time.Second):
		t.Fatalf("the child did not start measuring:\n%s", c.stderrText())
	}
	pid := c.cmd.Process.Pid
	from := cpuSeconds(pid)
	for deadline := time.Now().Add(30 * time.Second); cpuSeconds(pid) < from+cpu; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child did no work:\n%s", c.stderrText())
		}
	}
}

// cpuSeconds is the user and system time of a process so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks; USER_HZ is 100 on Linux
}

// wait waits for the child to exit and returns its status and how long it
// took from now.
func (c *child) wait(t *testing.T, within time.Duration) (int, time.Duration) {
	t.Helper()
	began := time.Now()
	done := make(chan error, 1)
	go func() {
		<-c.eof // Wait closes the pipe: read it to the end first
		done <- c.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(within):
		c.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, to see why
		<-done
		<-c.eof
		t.Fatalf("still running %v after the signal\nstderr:\n%s", within, c.stderrText())
	}
	<-c.eof
	return c.cmd.ProcessState.ExitCode(), time.Since(began)
}

// noTemporaries fails t if dir holds a temporary file or directory.
func noTemporaries(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") || strings.HasPrefix(e.Name(), "streambench-") {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

// TestInterruptedRun: Ctrl-C during a run stops every engine promptly,
// writes a result marked interrupted whose verification covers what was
// published and finds nothing wrong, exits 130, and leaves no temporary
// file or checkpoint directory.
func TestInterruptedRun(t *testing.T) {
	for _, tc := range []struct {
		engine, guarantee string
	}{
		{"baseline", "at-most-once"},
		{"core", "at-least-once"},
		{"trident", "exactly-once"},
		{"microbatch", "at-least-once"},
		{"microbatch", "exactly-once"},
	} {
		t.Run(tc.engine+"-"+tc.guarantee, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			c := startChild(t, "run", "--engine", tc.engine, "--guarantee", tc.guarantee, "--workload", "wordcount", "--param", "sentences=1000",
				"--rate", "50k", "--duration", "1m", "--out", out)
			c.waitRunning(t, 0.5)
			c.cmd.Process.Signal(syscall.SIGINT)
			code, took := c.wait(t, 10*time.Second)
			t.Logf("%s stopped %v after SIGINT", tc.engine, took.Round(time.Millisecond))
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitInterrupted, c.stderrText())
			}
			r, err := resultfile.ReadResult(out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := resultfile.ReadHistogramLog(filepath.Join(dir, r.HistogramLog), r); err != nil {
				t.Error(err)
			}
			v := r.Verification
			if !r.Interrupted || !v.Interrupted || !v.OK || v.Note == "" || r.Records == 0 {
				t.Errorf("interrupted %v, verification %+v, records %d", r.Interrupted, v, r.Records)
			}
			if !strings.Contains(c.stdout.String(), "result        "+out) {
				t.Errorf("the summary does not name the result:\n%s", &c.stdout)
			}
			noTemporaries(t, dir)
			noTemporaries(t, c.tmp)
		})
	}
}

// TestSecondInterruptQuits: a second Ctrl-C quits at once, with 130.
func TestSecondInterruptQuits(t *testing.T) {
	c := startChild(t, "run", "--engine", "core", "--workload", "wordcount", "--param", "sentences=1000", "--rate", "50k", "--duration", "1m",
		"--out", filepath.Join(t.TempDir(), "r.json"))
	c.waitRunning(t, 0.5)
	c.cmd.Process.Signal(syscall.SIGINT)
	c.cmd.Process.Signal(syscall.SIGINT)
	if code, _ := c.wait(t, 10*time.Second); code != exitInterrupted {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitInterrupted, c.stderrText())
	}
}

// TestKilledRunLeavesNothing: a run killed outright (SIGKILL) leaves no
// result, log or temporary file, and the report of its directory shows
// the runs that were whole.
func TestKilledRunLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if code, stdout, stderr := cli(t, "run", "--engine", "baseline", "--workload", "wordcount", "--records", "20000",
		"--out", filepath.Join(dir, "whole.json")); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	c := startChild(t, "run", "--engine", "core", "--workload", "wordcount", "--param", "sentences=1000", "--rate", "50k", "--duration", "1m",
		"--out", filepath.Join(dir, "killed.json"))
	c.waitRunning(t, 0.5)
	c.cmd.Process.Kill()
	c.wait(t, 10*time.Second)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "whole.hlog whole.json" {
		t.Errorf("directory holds %v, want only the whole run", names)
	}
	code, stdout, stderr := cli(t, "report", dir, "-o", filepath.Join(t.TempDir(), "report.html"))
	if code != 0 || !strings.Contains(stdout, "(1 runs") {
		t.Errorf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestRunOutNoDamage: --out refuses what is not a regular file or a new
// path, and a run refused with exit 2, however late, creates no directory.
func TestRunOutNoDamage(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "--engine", "baseline", "--workload", "wordcount", "--records", "100"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a device", append(base, "--out", os.DevNull), "not a regular file (a character device)"},
		{"a directory", append(base, "--out", dir), "is a directory"},
		{"refused by the harness", append(base, "--partitions", "-1", "--out", filepath.Join(dir, "new", "sub", "r.json")), "--partitions"},
		{"refused by the workload", append(base, "--param", "sentences=0", "--out", filepath.Join(dir, "new", "r.json")), "sentences"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			if code != exitBadUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitBadUsage, tc.want)
			}
		})
	}
	if fi, err := os.Lstat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a character device", os.DevNull)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left %v", entries)
	}
}
