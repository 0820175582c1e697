package microbatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// genSource is a replayable source whose record (p, o) is a fixed sentence:
// every process that builds one sees the same log, like a Kafka topic.
type genSource struct {
	parts, perPart int
}

var crashWords = []string{"to", "be", "or", "not", "that", "is", "the", "question"}

func (g genSource) value(p int, o int64) string {
	i := int(o)*g.parts + p
	return fmt.Sprintf("%s %s %s", crashWords[i%8], crashWords[(i/8)%8], crashWords[(i*7)%8])
}

func (g genSource) Partitions() int { return g.parts }

func (g genSource) Fetch(p int, offset int64, buf []engines.Record) (int, error) {
	if offset == int64(g.perPart) {
		return 0, io.EOF
	}
	if offset < 0 || offset > int64(g.perPart) {
		return 0, engines.ErrOffsetOutOfRange
	}
	n := min(len(buf), g.perPart-int(offset))
	for i := range n {
		o := offset + int64(i)
		buf[i] = engines.Record{Partition: int32(p), Offset: o, Value: g.value(p, o)}
	}
	return n, nil
}

func (g genSource) Wait(context.Context, int, int64) error { return nil }

func (g genSource) oracle() map[string]int64 {
	want := map[string]int64{}
	for p := range g.parts {
		for o := range g.perPart {
			for _, w := range strings.Fields(g.value(p, int64(o))) {
				want[w]++
			}
		}
	}
	return want
}

var crashSource = genSource{parts: 2, perPart: 1500}

// crashApp is the application the crash test kills and recovers: a running
// word count over a reliable receiver with the write-ahead log, its state
// checkpointed every three batches, its output (the counts after each
// batch) written idempotently to counts.json. Every batch whose output runs
// also appends its time to outputs.log, so the test can count the batches
// that ran twice. hang, when set, makes the k-th output of this process hang
// (before writing anything, "between", or after, "mid") so the test can kill
// it at a known point.
func crashApp(dir string, hang crashPoint) (*StreamingContext, error) {
	return GetOrCreate(dir, func() (*StreamingContext, error) {
		conf := NewConf().SetAppName("crash").
			SetMaster("local[3]"). // two receivers, one core left for the batches
			Set(ConfWALEnable, "true").
			Set(ConfBlockInterval, "20ms").
			Set(ConfReceiverMaxRate, "400")
		ssc, err := NewStreamingContext(conf, 100*time.Millisecond)
		if err != nil {
			return nil, err
		}
		if err := ssc.Checkpoint(dir); err != nil {
			return nil, err
		}
		words := FlatMap(SourceStream(ssc, crashSource, true), func(r engines.Record) []Pair[string, int64] {
			var out []Pair[string, int64]
			for _, w := range strings.Fields(r.Value) {
				out = append(out, KV(w, int64(1)))
			}
			return out
		})
		counts := UpdateStateByKey(words, func(vs []int64, s Option[int64]) Option[int64] {
			for _, v := range vs {
				s.Value += v
			}
			return Some(s.Value)
		}, 2).Checkpoint(300 * time.Millisecond)
		outputs := 0
		err = counts.ForeachRDD(func(r *rdd.RDD[Pair[string, int64]], t Time) error {
			outputs++
			kvs, err := r.Collect()
			if err != nil {
				return err
			}
			if hang.at == outputs && hang.mode == "between" {
				hang.wait(dir)
			}
			m := map[string]int64{}
			for _, kv := range kvs {
				m[kv.Key] = kv.Value
			}
			if err := appendLine(filepath.Join(dir, "outputs.log"), fmt.Sprint(t.Milliseconds())); err != nil {
				return err
			}
			data, _ := json.Marshal(m)
			if err := writeFileAtomic(filepath.Join(dir, "counts.json"), data); err != nil {
				return err
			}
			if hang.at == outputs && hang.mode == "mid" {
				hang.wait(dir)
			}
			return nil
		})
		return ssc, err
	})
}

// crashPoint is where the child hangs to be killed: at its at-th output,
// "between" batches (the output has written nothing) or "mid" batch (the
// output has written, the batch has not completed).
type crashPoint struct {
	mode string
	at   int
}

// wait tells the parent the child is at its crash point, and hangs.
func (c crashPoint) wait(dir string) {
	os.WriteFile(filepath.Join(dir, "hung"), nil, 0o644)
	select {}
}

func appendLine(name, line string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestCrashChild is the child process of TestCrashRecovery.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("MICROBATCH_CRASH_DIR")
	if dir == "" {
		t.Skip("run by TestCrashRecovery in a child process")
	}
	var hang crashPoint
	if v := os.Getenv("MICROBATCH_CRASH_HANG"); v != "" {
		mode, at, _ := strings.Cut(v, ":")
		n, err := strconv.Atoi(at)
		if err != nil {
			t.Fatal(err)
		}
		hang = crashPoint{mode: mode, at: n}
	}
	ssc, err := crashApp(dir, hang)
	if err != nil {
		t.Fatal(err)
	}
	if rec := ssc.Recovery(); rec.Recovered {
		data, _ := json.Marshal(rec)
		if err := writeFileAtomic(filepath.Join(dir, "recovery.json"), data); err != nil {
			t.Fatal(err)
		}
	}
	if err := ssc.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ssc.tracker.allStopped():
	case <-ssc.terminated:
		t.Fatal(ssc.AwaitTermination())
	}
	if err := ssc.Stop(true); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
}

func readCounts(t *testing.T, dir string) map[string]int64 {
	data, err := os.ReadFile(filepath.Join(dir, "counts.json"))
	if err != nil {
		return nil
	}
	m := map[string]int64{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rerunBatches reads outputs.log and returns the batch times whose output
// ran more than once.
func rerunBatches(t *testing.T, dir string) []Time {
	data, err := os.ReadFile(filepath.Join(dir, "outputs.log"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Time]int{}
	var twice []Time
	for _, line := range strings.Fields(string(data)) {
		ms, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("outputs.log: %v", err)
		}
		seen[Time(ms)]++
		if seen[Time(ms)] == 2 {
			twice = append(twice, Time(ms))
		}
	}
	return twice
}

// TestCrashRecovery kills a real child process with SIGKILL, between two
// batches and in the middle of one, restarts it on the same checkpoint
// directory with GetOrCreate, and checks that the final counts are exactly
// the oracle's (with the write-ahead log and a reliable receiver nothing
// received is lost, and the checkpointed state is not counted twice) and
// that only the batch in flight at the crash ran its output again: the
// metadata checkpoint written as each batch completes tells the restarted
// application which batches are done, though the state itself is
// checkpointed only every three batches.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, tc := range []struct {
		mode      string
		maxReruns int // batches in flight with their output written
	}{
		{"between", 0},
		{"mid", 1},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			run := func(hang string) *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "MICROBATCH_CRASH_DIR="+dir, "MICROBATCH_CRASH_HANG="+hang)
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd
			}
			// The 11th output comes a third of the way through the stream,
			// one batch after a state checkpoint (every 3 batches): a
			// restart from the state checkpoint alone would run it again.
			child := run(fmt.Sprintf("%s:11", tc.mode))
			deadline := time.Now().Add(30 * time.Second)
			for !exists(filepath.Join(dir, "hung")) {
				if time.Now().After(deadline) {
					child.Process.Kill()
					child.Wait()
					t.Fatal("the child never reached its crash point")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			child.Wait()
			if exists(filepath.Join(dir, "done")) {
				t.Fatal("the child finished before it was killed")
			}
			before := readCounts(t, dir)
			child = run("")
			if err := child.Wait(); err != nil {
				t.Fatalf("recovered child: %v", err)
			}
			got, want := readCounts(t, dir), crashSource.oracle()
			if !maps.Equal(got, want) {
				t.Fatalf("final counts %v, want the oracle's %v (counts when killed: %v)", got, want, before)
			}
			var rec RecoveryInfo
			data, err := os.ReadFile(filepath.Join(dir, "recovery.json"))
			if err != nil {
				t.Fatalf("the restarted child did not recover from the checkpoint: %v", err)
			}
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatal(err)
			}
			reruns := rerunBatches(t, dir)
			t.Logf("%s; batches whose output ran again after the restart: %v", rec, reruns)
			if len(reruns) > tc.maxReruns {
				t.Errorf("%d batches ran their output again after the restart (%v), want at most %d, the batches in flight at the crash", len(reruns), reruns, tc.maxReruns)
			}
			for _, bt := range reruns {
				if !slices.Contains(rec.Pending, bt) {
					t.Errorf("batch %s ran its output again but the checkpoint did not list it as pending (%v)", bt, rec.Pending)
				}
			}
		})
	}
}
