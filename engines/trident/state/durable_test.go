package state_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// The durable test runs the miniature word count in a child process (this
// test binary, re-executed) over a bbolt state file and a bbolt metadata
// file, stops the child at a fault point of a chosen txid, kills it with
// SIGKILL, and runs a new child, which must resume at that txid and end at
// the oracle's counts.

const (
	envCrashDir   = "STREAMBENCH_TRIDENT_CRASH_DIR"
	envCrashState = "STREAMBENCH_TRIDENT_CRASH_STATE"
	envCrashAt    = "STREAMBENCH_TRIDENT_CRASH_AT" // txid:faultPoint, or empty to run to the end
)

const crashParts = 2

// crashWorkload builds the child's source (the same in every child: a
// seeded, closed log) and its oracle.
func crashWorkload() (*enginetest.MemSource, map[string]int64) {
	src := enginetest.NewMemSource(3)
	oracle := make(map[string]int64)
	sentences(src, rand.New(rand.NewPCG(99, 1)), 300, oracle)
	src.CloseAll()
	return src, oracle
}

func openDurable(t testing.TB, dir string) (*state.BoltDB, *txstate.Bolt, []state.IBackingMap) {
	t.Helper()
	db, err := state.OpenBoltDB(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := txstate.OpenBolt(filepath.Join(dir, "tx.db"))
	if err != nil {
		t.Fatal(err)
	}
	var maps []state.IBackingMap
	for i := range crashParts {
		bm, err := db.BackingMap(fmt.Sprintf("counts-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, bm)
	}
	return db, meta, maps
}

// TestDurableCrashChild is the child's body; it runs only when re-executed.
func TestDurableCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("runs only as the child of TestDurableStateSurvivesKill")
	}
	st, err := state.ParseType(os.Getenv(envCrashState))
	if err != nil {
		t.Fatal(err)
	}
	kind := spout.Transactional
	if st == state.Opaque {
		kind = spout.Opaque
	}
	src, _ := crashWorkload()
	_, meta, maps := openDurable(t, dir)
	sp, err := spout.NewSourceSpout(src, kind, 40)
	if err != nil {
		t.Fatal(err)
	}
	m := newMiniTopology(t, sp, 2, st, crashParts, func(i int) state.IBackingMap { return maps[i] }, meta)
	last, err := meta.LastCommitted()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("resume %d\n", last+1)
	if at := os.Getenv(envCrashAt); at != "" {
		txid, point, _ := strings.Cut(at, ":")
		tx, _ := strconv.ParseInt(txid, 10, 64)
		fp, _ := strconv.Atoi(point)
		m.forced = map[int64]faultPoint{tx: faultPoint(fp)}
		m.onFault = func(txid int64, f faultPoint) {
			fmt.Printf("stopped %d %d\n", txid, f)
			// Wait to be killed, mid-batch.
			for {
				time.Sleep(time.Second)
			}
		}
	}
	m.runAll(t, rand.New(rand.NewPCG(5, 5)), 0, nil)
	last, _ = meta.LastCommitted()
	fmt.Printf("done %d\n", last)
}

// runChild starts a child and returns the lines it printed, killing it with
// SIGKILL once it reports that it stopped at its fault point.
func runChild(t *testing.T, dir string, st state.Type, crashAt string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashState+"="+st.String(), envCrashAt+"="+crashAt)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A watchdog, so a child that never reaches its fault cannot hang the test.
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if strings.HasPrefix(line, "stopped ") {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	killed := crashAt != ""
	if killed {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child for %s was not killed by SIGKILL: %v; output %q", crashAt, err, lines)
		}
	} else if err != nil {
		t.Fatalf("child failed: %v; output %q", err, lines)
	}
	return lines
}

func lineValue(t *testing.T, lines []string, prefix string) int64 {
	t.Helper()
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, prefix+" "); ok {
			n, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("child printed no %q line: %q", prefix, lines)
	return 0
}

// TestDurableStateSurvivesKill kills the child at several points of the
// batch lifecycle (after some state partitions were updated, after a put
// that wrote only some keys, after the spout committed but before the txid
// was recorded) and checks that each new child resumes at the txid that was
// in flight and that the final counts are exact.
func TestDurableStateSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	crashes := []struct {
		txid  int64
		point faultPoint
	}{{2, partialPartition}, {4, partialPut}, {5, beforeSpoutCommit}, {7, beforeTxCommit}}
	for _, st := range []state.Type{state.Transactional, state.Opaque} {
		t.Run(st.String(), func(t *testing.T) {
			dir := t.TempDir()
			want := int64(1)
			for _, c := range crashes {
				lines := runChild(t, dir, st, fmt.Sprintf("%d:%d", c.txid, c.point))
				if got := lineValue(t, lines, "resume"); got != want {
					t.Fatalf("child resumed at txid %d, want %d", got, want)
				}
				if got := lineValue(t, lines, "stopped"); got != c.txid {
					t.Fatalf("child stopped at txid %d, want %d", got, c.txid)
				}
				want = c.txid
			}
			lines := runChild(t, dir, st, "")
			if got := lineValue(t, lines, "resume"); got != want {
				t.Fatalf("final child resumed at txid %d, want %d", got, want)
			}
			_, oracle := crashWorkload()
			db, meta, maps := openDurable(t, dir)
			defer db.Close()
			defer meta.Close()
			states := make([]state.MapState, crashParts)
			for i := range states {
				states[i], _ = state.Wrap(st, maps[i])
			}
			m := &miniTopology{states: states}
			if d := diff(m.counts(t, vocabulary), oracle); d != "" {
				t.Errorf("counts after kills differ from the oracle:%s", d)
			}
			if last, _ := meta.LastCommitted(); last != lineValue(t, lines, "done") || last < 8 {
				t.Errorf("last committed txid %d, child reported %d", last, lineValue(t, lines, "done"))
			}
		})
	}
}
