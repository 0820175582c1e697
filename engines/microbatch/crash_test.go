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
// checkpointed, its output (the counts after each batch) written
// idempotently to counts.json.
func crashApp(dir string) (*StreamingContext, error) {
	return GetOrCreate(dir, func() (*StreamingContext, error) {
		conf := NewConf().SetAppName("crash").
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
		err = counts.ForeachRDD(func(r *rdd.RDD[Pair[string, int64]], t Time) error {
			kvs, err := r.Collect()
			if err != nil {
				return err
			}
			m := map[string]int64{}
			for _, kv := range kvs {
				m[kv.Key] = kv.Value
			}
			data, _ := json.Marshal(m)
			return writeFileAtomic(filepath.Join(dir, "counts.json"), data)
		})
		return ssc, err
	})
}

// TestCrashChild is the child process of TestCrashRecovery.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("MICROBATCH_CRASH_DIR")
	if dir == "" {
		t.Skip("run by TestCrashRecovery in a child process")
	}
	ssc, err := crashApp(dir)
	if err != nil {
		t.Fatal(err)
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

// TestCrashRecovery kills a real child process with SIGKILL in the middle of
// the stream, restarts it on the same checkpoint directory with
// GetOrCreate, and checks that the final counts are exactly the oracle's:
// with the write-ahead log and a reliable receiver nothing received is lost,
// and the checkpointed state is not counted twice.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MICROBATCH_CRASH_DIR="+dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	total := int64(crashSource.parts * crashSource.perPart * 3)
	child := run()
	// Kill once a checkpoint exists and part of the stream is counted.
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := checkpointFiles(dir)
		var n int64
		for _, v := range readCounts(t, dir) {
			n += v
		}
		if len(files) > 0 && n > total/4 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the child made no progress")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		t.Fatal("the child finished before it was killed; slow it down")
	}
	before := readCounts(t, dir)
	t.Logf("killed with counts %v", before)
	child = run()
	if err := child.Wait(); err != nil {
		t.Fatalf("recovered child: %v", err)
	}
	got, want := readCounts(t, dir), crashSource.oracle()
	if !maps.Equal(got, want) {
		t.Fatalf("final counts %v, want the oracle's %v (counts when killed: %v)", got, want, before)
	}
}
