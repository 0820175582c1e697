package microbatch

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// recoverableWordCount is Spark's RecoverableNetworkWordCount example over
// textFileStream: each batch's word counts are written, idempotently, to
// out/counts-<batch time>.json, and the context is built by GetOrCreate so a
// restarted process carries on from its checkpoint. It prints whether it
// was created or recovered. (Go cannot serialise the DStream graph's
// functions, so GetOrCreate calls the create function on recovery too, to
// rebuild the graph; Recovery says which happened.)
func recoverableWordCount(dir string, stdout *os.File) (*StreamingContext, error) {
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	ssc, err := GetOrCreate(filepath.Join(dir, "checkpoint"), func() (*StreamingContext, error) {
		fmt.Fprintln(stdout, "building the DStream graph")
		ssc, err := NewStreamingContext(NewConf().SetAppName("RecoverableNetworkWordCount"), 100*time.Millisecond, WithOutput(stdout))
		if err != nil {
			return nil, err
		}
		words := FlatMap(ssc.TextFileStream(in), strings.Fields)
		counts := ReduceByKey(Map(words, func(w string) Pair[string, int] { return KV(w, 1) }), func(a, b int) int { return a + b })
		return ssc, counts.ForeachRDD(func(r *rdd.RDD[Pair[string, int]], t Time) error {
			kvs, err := r.Collect()
			if err != nil || len(kvs) == 0 {
				return err
			}
			m := map[string]int{}
			for _, kv := range kvs {
				m[kv.Key] = kv.Value
			}
			data, _ := json.Marshal(m)
			return writeFileAtomic(filepath.Join(out, fmt.Sprintf("counts-%d.json", t.Milliseconds())), data)
		})
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout, ssc.Recovery())
	return ssc, nil
}

// TestRecoverableWordCountChild is the child process of
// TestRecoverableWordCount: it runs until the file "stop" appears.
func TestRecoverableWordCountChild(t *testing.T) {
	dir := os.Getenv("MICROBATCH_RNWC_DIR")
	if dir == "" {
		t.Skip("run by TestRecoverableWordCount in a child process")
	}
	ssc, err := recoverableWordCount(dir, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	if err := ssc.Start(); err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(dir, "stop")) {
		if stopped, err := ssc.AwaitTerminationOrTimeout(5 * time.Millisecond); stopped {
			t.Fatal(err)
		}
	}
	if err := ssc.Stop(true); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverableWordCount runs the word count in a child process, kills it
// with SIGKILL, adds more files, restarts it on the same checkpoint with
// GetOrCreate, and checks that the restarted process says it recovered and
// that the counts over every batch are the
// words of every file, each counted once.
func TestRecoverableWordCount(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	for _, sub := range []string{"in", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{}
	files := 0
	addFiles := func(n int) {
		for range n {
			files++
			var b strings.Builder
			for i := range 50 {
				w := crashWords[(files*7+i)%len(crashWords)]
				want[w]++
				fmt.Fprintln(&b, w)
			}
			// Moved in atomically, as textFileStream requires.
			tmp := filepath.Join(dir, "in", fmt.Sprintf(".file-%d", files))
			if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(dir, "in", fmt.Sprintf("file-%d", files))); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func() (*exec.Cmd, *syncBuffer) {
		out := &syncBuffer{}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRecoverableWordCountChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MICROBATCH_RNWC_DIR="+dir)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, out
	}
	total := func() map[string]int {
		sum := map[string]int{}
		entries, _ := os.ReadDir(filepath.Join(dir, "out"))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue // a temporary file a killed process left behind
			}
			data, err := os.ReadFile(filepath.Join(dir, "out", e.Name()))
			if err != nil {
				continue
			}
			m := map[string]int{}
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			for k, v := range m {
				sum[k] += v
			}
		}
		return sum
	}
	waitCounts := func(cmd *exec.Cmd, out *syncBuffer, what string) {
		deadline := time.Now().Add(20 * time.Second)
		for !maps.Equal(total(), want) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%s: counts %v, want %v; child output:\n%s", what, total(), want, out)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	child, out := run()
	addFiles(4)
	waitCounts(child, out, "first run")
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if !strings.Contains(out.String(), "\ncreated\n") {
		t.Errorf("the first run did not say it created its context:\n%s", out)
	}

	addFiles(3) // arrive while the application is down
	child, out = run()
	waitCounts(child, out, "after recovery")
	addFiles(2)
	waitCounts(child, out, "after recovery, new files")
	os.WriteFile(filepath.Join(dir, "stop"), nil, 0o644)
	if err := child.Wait(); err != nil {
		t.Fatalf("recovered child: %v\n%s", err, out)
	}
	if s := out.String(); !strings.Contains(s, "recovered from checkpoint at batch time") {
		t.Errorf("the restarted run did not say it recovered from the checkpoint:\n%s", s)
	}
	if got := total(); !maps.Equal(got, want) {
		t.Errorf("final counts %v, want %v", got, want)
	}
}
