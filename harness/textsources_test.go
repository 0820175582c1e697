package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/harness/sources/socket"
	"github.com/streambench/streambench/workloads"
)

// TestRunOnTextSources runs word count through the text sources: every
// engine with a socket connector over a socket per partition at
// at-most-once, and microbatch over a directory of files. At a low rate,
// and at max rate (where the driver keeps at most the socket's buffer
// queued), nothing is dropped, so each gives the oracle's
// answer; the result names the source and where it was, and nothing is left
// behind (goroutines, listeners, the files' directory).
func TestRunOnTextSources(t *testing.T) {
	dirs := func() []string {
		m, _ := filepath.Glob(filepath.Join(os.TempDir(), "streambench-files-*"))
		return m
	}
	before := len(dirs())
	for _, tc := range []struct {
		engine    string
		source    string
		guarantee engines.Guarantee
		rate      float64
	}{
		{"baseline", "socket", engines.AtMostOnce, 10000},
		{"core", "socket", engines.AtMostOnce, 10000},
		{"trident", "socket", engines.AtMostOnce, 10000},
		{"microbatch", "socket", engines.AtMostOnce, 10000},
		{"core", "socket", engines.AtMostOnce, 0},
		{"microbatch", "files", engines.ExactlyOnce, 10000},
		{"microbatch", "files", engines.AtLeastOnce, 10000},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s/rate=%g", tc.engine, tc.source, tc.guarantee, tc.rate), func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			m, err := Run(context.Background(), RunConfig{Engine: tc.engine, Workload: "wordcount", Seed: 5,
				Partitions: 2, Parallelism: 2, Guarantee: tc.guarantee, Rate: tc.rate, Records: 3000,
				DrainTimeout: 30 * time.Second, Source: SourceConfig{Name: tc.source},
				Conf: map[string]map[string]string{"microbatch": {"spark.streaming.batchDuration": "100ms"}}[tc.engine]})
			if err != nil {
				t.Fatal(err)
			}
			r := m.Result
			if v := r.Verification; !v.OK || v.Lost != 0 || v.Duplicated != 0 || v.Wrong != 0 || v.Expected == 0 {
				t.Errorf("verification %+v", v)
			}
			if r.Source != tc.source || r.Records != 3000 || r.SendsDropped != 0 || r.RecordsMeasured != 3000 {
				t.Errorf("source %q, records %d, measured %d, dropped %d", r.Source, r.Records, r.RecordsMeasured, r.SendsDropped)
			}
			switch tc.source {
			case "socket":
				addrs, _ := r.SourceSettings["addrs"].([]string)
				if len(addrs) != 2 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
					t.Errorf("settings %v: want the two addresses", r.SourceSettings)
				}
				if len(addrs) > 0 && listening(addrs[0]) {
					t.Errorf("%s still accepts connections after the run", addrs[0])
				}
			case "files":
				dir, _ := r.SourceSettings["dir"].(string)
				if !strings.Contains(dir, "streambench-files-") {
					t.Errorf("settings %v: want the directory", r.SourceSettings)
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("the directory %s is left: %v", dir, err)
				}
			}
		})
	}
	if after := len(dirs()); after > before {
		t.Errorf("%d files directories left behind", after-before)
	}
}

// listening reports whether something accepts connections at addr.
func listening(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	src, err := engines.DialSockets(ctx, []string{addr}, 1)
	if err != nil {
		return false
	}
	src.Close()
	return true
}

// TestRunTextSourceRefuses: what an engine's connector does not give is a
// usage error before anything runs, saying why and what to use instead.
func TestRunTextSourceRefuses(t *testing.T) {
	for _, tc := range []struct {
		engine    string
		src       SourceConfig
		guarantee engines.Guarantee
		want      string
	}{
		{"microbatch", SourceConfig{Name: "socket"}, engines.ExactlyOnce, "microbatch over a socket gives at-most-once, not exactly-once; a socket keeps nothing to replay"},
		{"microbatch", SourceConfig{Name: "socket"}, engines.AtLeastOnce, "use --source jetstream"},
		{"trident", SourceConfig{Name: "socket"}, engines.ExactlyOnce, "exactly-once needs a spout that can emit a batch again"},
		{"core", SourceConfig{Name: "socket"}, engines.AtLeastOnce, "a socket keeps nothing to replay: for at-least-once use --source jetstream"},
		{"core", SourceConfig{Name: "files"}, engines.AtMostOnce, "core has no connector for files (it reads: log, queue, feed and socket)"},
		{"baseline", SourceConfig{Name: "files"}, engines.AtMostOnce, "no connector"},
		{"microbatch", SourceConfig{Name: "files", NATSURL: "nats://127.0.0.1:4222"}, engines.ExactlyOnce, "apply to --source jetstream, not files"},
	} {
		t.Run(tc.engine+"/"+tc.src.Name+"/"+tc.guarantee.String(), func(t *testing.T) {
			_, err := Run(context.Background(), RunConfig{Engine: tc.engine, Workload: "wordcount", Seed: 1, Partitions: 1,
				Parallelism: 1, Guarantee: tc.guarantee, Records: 10, DrainTimeout: time.Second, Source: tc.src})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a usage error with %q", err, tc.want)
			}
		})
	}
}

// TestSocketClosedMidRun cuts partition 0's connection while word count
// runs. Spark's receiver restarts and connects again, so microbatch
// finishes, and the records published while it was away are counted as
// dropped; core, trident and the baseline read through a spout or loop
// that cannot get them back, and fail with an error naming the address.
func TestSocketClosedMidRun(t *testing.T) {
	for _, engine := range []string{"microbatch", "core", "trident", "baseline"} {
		t.Run(engine, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			w, err := LookupWorkload("wordcount")
			if err != nil {
				t.Fatal(err)
			}
			inst, err := w.New(workloads.Config{Seed: 2, Partitions: 2, EventStart: time.Now().UnixNano(), EventRate: 1000})
			if err != nil {
				t.Fatal(err)
			}
			eng, err := inst.Pipeline(engine, engines.Options{Parallelism: 2, Guarantee: engines.AtMostOnce,
				Conf: map[string]engines.Conf{"microbatch": {"spark.streaming.batchDuration": "50ms", "spark.streaming.receiverRestartDelay": "10ms"}}[engine]})
			if err != nil {
				t.Fatal(err)
			}
			l, err := socket.Listen(2, inst.Fill, socket.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Shutdown()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- engines.RunInput(ctx, eng, l.Input(), engines.SinkFunc(func([]engines.Output) error { return nil }))
			}()
			now := func(int64) int64 { return time.Now().UnixNano() }
			enginetest.WaitFor(t, "the engine connected", l.Connected)
			l.Publish(0, 100, now)
			l.Publish(1, 100, now)
			enginetest.WaitFor(t, "200 written", func() bool { return l.Read() == 200 })
			l.Disconnect(0)
			if engine != "microbatch" {
				err := <-done
				if !errors.Is(err, engines.ErrSocketClosed) || !strings.Contains(err.Error(), l.Addrs()[0]) {
					t.Fatalf("error %v, want %v naming %s", err, engines.ErrSocketClosed, l.Addrs()[0])
				}
				return
			}
			l.Publish(0, 150, now) // nobody connected: dropped
			enginetest.WaitFor(t, "the receiver connected again", func() bool { return l.Clients(0) == 2 && l.Connected() })
			l.Publish(0, 300, now)
			l.Publish(1, 300, now)
			l.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if l.Dropped() != 50 || l.Read() != 550 {
				t.Errorf("dropped %d, read %d; want 50 and 550", l.Dropped(), l.Read())
			}
		})
	}
}

// TestSuiteTextSources: a suite cell reads from a socket or files with
// source:, carried into its runs and their reproduce command; an unknown
// source names the known ones.
func TestSuiteTextSources(t *testing.T) {
	s, err := ParseSuite("s.yaml", []byte(`
name: t
cells:
  - engine: core
    guarantee: at-most-once
    source: socket
    workload: wordcount
  - engine: microbatch
    guarantee: exactly-once
    source: files
    workload: wordcount
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"socket", "files"} {
		c := resultfile.CellRecord{Cell: s.Cells[i], ResolvedGuarantee: s.Cells[i].Guarantee}
		cfg, _, err := CellRunConfig(&c, 1000, false)
		if err != nil {
			t.Fatal(err)
		}
		if c.Source != want || cfg.Source.Name != want || !strings.Contains(strings.Join(cfg.Command, " "), "--source "+want) {
			t.Errorf("cell %d: source %q, run on %q: %v", i, c.Source, cfg.Source.Name, cfg.Command)
		}
	}
	_, err = ParseSuite("s.yaml", []byte("name: t\ncells:\n  - engine: core\n    source: tcp\n    workload: wordcount\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown source "tcp"`) || !strings.Contains(err.Error(), "socket") {
		t.Errorf("source tcp: %v", err)
	}
}
