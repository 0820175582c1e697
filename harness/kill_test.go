package harness

import (
	"bufio"
	"context"
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

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
	"github.com/streambench/streambench/harness/sources/jetstream"
	"github.com/streambench/streambench/harness/sources/jetstream/jetstreamtest"
	"github.com/streambench/streambench/workloads/wordcount"
)

// The engine process of TestEngineProcessKilled is this test binary run
// again with these variables set.
const (
	envChild  = "STREAMBENCH_KILL_CHILD" // core-queue or trident-log
	envURL    = "STREAMBENCH_KILL_URL"
	envStream = "STREAMBENCH_KILL_STREAM"
	envDir    = "STREAMBENCH_KILL_DIR"
)

// killSentence is the sentence of record (p, offset).
func killSentence(p int32, o int64) string {
	w := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}
	return fmt.Sprintf("%s %s %s", w[(int64(p)*7+o)%8], w[(o*3)%8], w[(o*5+int64(p))%8])
}

// TestEngineProcessKilled kills the engine's process (SIGKILL, a real
// child process) while it reads from an external nats-server, and starts
// it again on the same stream, as a supervisor restarts a worker:
//
//   - Storm core at at-least-once over the reliable queue: the durable
//     consumer redelivers what the dead process had not acked, so no word
//     occurrence is lost (some are counted twice);
//   - Trident at exactly-once over the log, its transaction metadata in the
//     run's key-value bucket and its counts in a transactional state file:
//     the new topology resumes after the last committed txid and ends with
//     exactly the oracle's counts.
func TestEngineProcessKilled(t *testing.T) {
	if os.Getenv(envChild) != "" {
		t.Skip("this is the engine process")
	}
	url := jetstreamtest.StartExternal(t)
	conn, err := jetstream.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const partitions, perPartition = 2, 6000
	oracle := map[string]int64{}
	for p := range int32(partitions) {
		for o := range int64(perPartition) {
			for _, w := range strings.Fields(killSentence(p, o)) {
				oracle[w]++
			}
		}
	}
	for _, mode := range []string{"core-queue", "trident-log"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			stream := "kill-" + mode
			log, err := jetstream.CreateLog(ctx, conn, jetstream.LogConfig{Stream: stream, Partitions: partitions, BatchRecords: 50},
				func(r *engines.Record) { r.Value, r.EventTime = killSentence(r.Partition, r.Offset), r.Offset })
			if err != nil {
				t.Fatal(err)
			}
			for p := range partitions {
				if err := log.Publish(p, perPartition, func(o int64) int64 { return o }); err != nil {
					t.Fatal(err)
				}
			}
			if err := log.Close(ctx); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			child := func() (*exec.Cmd, <-chan int64, <-chan error) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestEngineProcessChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), envChild+"="+mode, envURL+"="+url, envStream+"="+stream, envDir+"="+dir)
				cmd.Stderr = os.Stderr
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				progress := make(chan int64, 1024)
				exited := make(chan error, 1)
				go func() {
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if n, ok := strings.CutPrefix(sc.Text(), "progress "); ok {
							v, _ := strconv.ParseInt(n, 10, 64)
							select {
							case progress <- v:
							default:
							}
						}
					}
					exited <- cmd.Wait()
				}()
				return cmd, progress, exited
			}

			// The first process runs until it has done part of the work,
			// then dies without a chance to clean up.
			threshold := int64(map[string]int{"core-queue": 8000, "trident-log": 15}[mode])
			cmd, progress, exited := child()
			var killedAt int64
			for done := false; !done; {
				select {
				case v := <-progress:
					killedAt, done = v, v >= threshold
				case err := <-exited:
					t.Fatalf("the engine process ended before it was killed: %v", err)
				case <-ctx.Done():
					_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
					t.Fatal("the engine process made no progress")
				}
			}
			if err := syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("first engine process: %v, want killed", err)
			}

			// The second runs the rest to the end of the input.
			cmd, progress, exited = child()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("restarted engine process: %v", err)
				}
				if mode == "trident-log" {
					// Its first report is where it resumed: after the
					// last txid the killed process committed.
					if resumed := <-progress; resumed < threshold || resumed > killedAt+1 {
						t.Errorf("killed after txid %d committed, restarted at txid %d", killedAt, resumed)
					}
				}
			case <-ctx.Done():
				_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
				<-exited
				t.Fatal("the restarted engine process did not finish")
			}

			got := killCounts(t, mode, dir)
			var lost, dup int64
			for w, want := range oracle {
				if g := got[w]; g < want {
					lost += want - g
				} else {
					dup += g - want
				}
			}
			t.Logf("%s: killed at progress %d; %d word occurrences, lost %d, duplicated %d", mode, killedAt, sum(oracle), lost, dup)
			switch mode {
			case "core-queue":
				if lost != 0 {
					t.Errorf("at-least-once lost %d word occurrences across the kill", lost)
				}
			case "trident-log":
				if lost != 0 || dup != 0 || len(got) != len(oracle) {
					t.Errorf("exactly-once counts off the oracle: lost %d, duplicated %d, %d words of %d", lost, dup, len(got), len(oracle))
				}
			}
		})
	}
}

func sum(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// killCounts reads what the engine processes left: core's output file (one
// line per word occurrence written) or Trident's state file.
func killCounts(t *testing.T, mode, dir string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	if mode == "core-queue" {
		data, err := os.ReadFile(filepath.Join(dir, "outputs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.Fields(string(data)) {
			got[w]++
		}
		return got
	}
	db, err := state.OpenBoltDB(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, err := db.BackingMap("counts")
	if err != nil {
		t.Fatal(err)
	}
	err = counts.Range(func(key []any, stored any) bool {
		v, ok := stored.(state.TransactionalValue)
		if !ok {
			t.Errorf("state of %v holds %T", key, stored)
			return false
		}
		got[key[0].(string)] = v.Val.(int64)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestEngineProcessChild is the engine process of TestEngineProcessKilled;
// it runs only when that test starts it.
func TestEngineProcessChild(t *testing.T) {
	mode := os.Getenv(envChild)
	if mode == "" {
		t.Skip("run by TestEngineProcessKilled")
	}
	ctx := context.Background()
	conn, err := jetstream.Connect(os.Getenv(envURL))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, dir := os.Getenv(envStream), os.Getenv(envDir)
	var mu sync.Mutex
	report := func(n int64) {
		mu.Lock()
		fmt.Printf("progress %d\n", n)
		mu.Unlock()
	}
	switch mode {
	case "core-queue":
		q, err := jetstream.OpenQueue(ctx, conn, stream, jetstream.QueueConfig{Durable: "spout", AckWait: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		in := jetstream.NewQueueInput(q)
		defer in.Close()
		f, err := os.OpenFile(filepath.Join(dir, "outputs"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sink := &fileSink{f: f, report: report}
		job, err := core.JobFor("wordcount", engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce},
			func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
				b := core.NewTopologyBuilder()
				b.SetSpout("sentences", &core.SourceSpout{Source: src}, 2)
				b.SetBolt("split", &wordcount.SplitBolt{}, 2).ShuffleGrouping("sentences")
				b.SetBolt("count", &wordcount.CountBolt{SinkWriter: core.SinkWriter{Sink: sink}}, 2).FieldsGrouping("split", core.NewFields("word"))
				return b.CreateTopology(), nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if err := job.RunInput(ctx, engines.Input{Kind: engines.KindQueue, Queue: in}, sink); err != nil {
			t.Fatal(err)
		}
	case "trident-log":
		src, err := jetstream.OpenSource(ctx, conn, stream, jetstream.SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		kv, err := jetstream.OpenKV(ctx, conn, stream+"-coordination")
		if err != nil {
			t.Fatal(err)
		}
		meta, err := txstate.OpenStore(ctx, kv, "wordcount")
		if err != nil {
			t.Fatal(err)
		}
		db, err := state.OpenBoltDB(filepath.Join(dir, "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		counts, err := db.BackingMap("counts")
		if err != nil {
			t.Fatal(err)
		}
		split := operation.FunctionFunc(func(tp tuple.Tuple, c operation.TridentCollector) {
			for _, w := range strings.Fields(tp.GetString(0)) {
				c.Emit(tuple.Values{w})
			}
		})
		job, err := trident.NewJob("wordcount", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, core.TopologyMaxSpoutPending: 2},
			func(src engines.Source, _ engines.Sink) (*trident.TridentTopology, error) {
				sp, err := spout.NewSourceSpout(src, spout.Transactional, 200)
				if err != nil {
					return nil, err
				}
				topo := trident.NewTridentTopology()
				topo.NewStream("sentences", sp).
					Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
					GroupBy(tuple.NewFields("word")).
					PersistentAggregate(&state.MapFactory{Type: state.Transactional, Backing: counts, CacheSize: 100}, nil, builtin.Count{}, tuple.NewFields("count"))
				return topo, nil
			}, trident.WithTransactionalState(meta))
		if err != nil {
			t.Fatal(err)
		}
		resumed, _ := meta.LastCommitted()
		report(resumed)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					txid, _ := meta.LastCommitted()
					report(txid)
				}
			}
		}()
		if err := job.Run(ctx, src, discardSink{}); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

// fileSink appends each output's word to a file, synced before Write
// returns, so an output the engine acked survives the process.
type fileSink struct {
	f      *os.File
	n      int64
	report func(int64)
	mu     sync.Mutex
}

func (s *fileSink) Write(outs []engines.Output) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(o.Key)
		b.WriteByte('\n')
	}
	if _, err := s.f.WriteString(b.String()); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.n += int64(len(outs))
	s.report(s.n)
	return nil
}

type discardSink struct{}

func (discardSink) Write([]engines.Output) error { return nil }
