package microbatch

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// stopGracefully stops the context gracefully, advancing the manual clock so
// the batches a graceful stop waits for are generated.
func (h *harness) stopGracefully() error {
	h.t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.ssc.Stop(true) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatal("graceful stop did not finish")
		}
		h.clock.Advance(h.ssc.batch)
	}
}

// collect records every batch's elements, sorted, per batch time.
func collect[T any](t *testing.T, d *DStream[T]) func() map[Time][]string {
	var mu sync.Mutex
	got := map[Time][]string{}
	err := d.ForeachRDD(func(r *rdd.RDD[T], bt Time) error {
		vs, err := r.Collect()
		if err != nil {
			return err
		}
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = fmt.Sprint(v)
		}
		slices.Sort(s)
		mu.Lock()
		got[bt] = s
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() map[Time][]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[Time][]string{}
		for k, v := range got {
			out[k] = v
		}
		return out
	}
}

func TestSocketTextStream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		fmt.Fprint(c, "to be or\nnot to be\n")
		c.Close()
	}()
	h := newHarness(t, time.Second, NewConf().Set(ConfBlockInterval, "250ms"))
	addr := ln.Addr().(*net.TCPAddr)
	lines := h.ssc.SocketTextStream("127.0.0.1", addr.Port)
	got := collect(t, lines)
	h.start()
	// The server closes the connection after its lines: the receiver has
	// read everything once it reports the end of the stream.
	h.counter.waitFor(t, "the end of the socket stream", func() bool {
		h.counter.mu.Lock()
		defer h.counter.mu.Unlock()
		for _, e := range h.counter.errors {
			if strings.Contains(e.LastErrorMessage, "no more data") {
				return true
			}
		}
		return false
	})
	h.runBatches(2)
	want := map[Time][]string{h.batchTime(1): {"not to be", "to be or"}, h.batchTime(2): {}}
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("batches %v, want %v", g, want)
	}
	<-served
}

func TestSocketRefusedIsReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	h := newHarness(t, time.Second, nil)
	h.ssc.SocketTextStream("127.0.0.1", port).Print()
	h.start()
	want := fmt.Sprintf("error connecting to 127.0.0.1:%d", port)
	h.counter.waitFor(t, "a receiver error", func() bool {
		h.counter.mu.Lock()
		defer h.counter.mu.Unlock()
		return len(h.counter.errors) > 0
	})
	e := h.counter.errors[0]
	if !strings.Contains(e.LastErrorMessage, want) || !strings.Contains(e.LastError, "refused") {
		t.Fatalf("receiver error %q / %q, want %q and connection refused", e.LastErrorMessage, e.LastError, want)
	}
	// The receiver keeps retrying, as Spark's does; the context stays up and
	// its batches run.
	h.runBatches(2)
}

// moveIn writes a file beside dir and renames it in, as textFileStream needs.
func moveIn(t *testing.T, dir, name, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(dir), "."+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestTextFileStream(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "in")
	os.Mkdir(dir, 0o755)
	h := newHarness(t, time.Second, nil)
	got := collect(t, h.ssc.TextFileStream(dir))
	h.start()
	moveIn(t, dir, "a.txt", "one\ntwo\n")
	os.WriteFile(filepath.Join(dir, ".partial"), []byte("hidden\n"), 0o644)
	h.runBatches(1)
	moveIn(t, dir, "b.txt", "three")
	h.runBatches(2)
	want := map[Time][]string{h.batchTime(1): {"one", "two"}, h.batchTime(2): {"three"}, h.batchTime(3): {}}
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("batches %v, want %v", g, want)
	}
}

func TestTextFileStreamUnreadableFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "in")
	os.Mkdir(dir, 0o755)
	h := newHarness(t, time.Second, nil)
	h.ssc.TextFileStream(dir).Print()
	h.start()
	bad := filepath.Join(dir, "broken.txt")
	if err := os.Symlink(filepath.Join(dir, "missing-target"), bad); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second)
	err := h.ssc.AwaitTermination()
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("AwaitTermination = %v, want an error naming %s", err, bad)
	}
}

func TestTextFileStreamMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	h := newHarness(t, time.Second, nil)
	h.ssc.TextFileStream(dir).Print()
	h.start()
	h.clock.Advance(time.Second)
	if err := h.ssc.AwaitTermination(); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("AwaitTermination = %v, want an error naming %s", err, dir)
	}
}

// counterReceiver stores n numbers, one at a time (unreliable) or in blocks
// of 10 with StoreBlock (reliable), then stops itself if asked.
type counterReceiver struct {
	BaseReceiver[int]
	n        int
	reliable bool
	stopSelf bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	acked    int
}

func (r *counterReceiver) OnStart() {
	r.wg.Go(func() {
		for i := 0; i < r.n; {
			if r.reliable {
				blk := make([]int, 0, 10)
				for ; i < r.n && len(blk) < 10; i++ {
					blk = append(blk, i)
				}
				if err := r.StoreBlock(blk, nil); err != nil {
					return
				}
				r.mu.Lock()
				r.acked += len(blk)
				r.mu.Unlock()
				continue
			}
			if r.Store(i) != nil {
				return
			}
			i++
		}
		if r.stopSelf {
			r.Stop("done", nil)
		}
	})
}

func (r *counterReceiver) OnStop() { r.wg.Wait() }

func TestReceiversGracefulStop(t *testing.T) {
	for _, reliable := range []bool{false, true} {
		t.Run(fmt.Sprintf("reliable=%v", reliable), func(t *testing.T) {
			before := runtime.NumGoroutine()
			h := newHarness(t, 100*time.Millisecond, NewConf().Set(ConfBlockInterval, "20ms"))
			recv := &counterReceiver{n: 1000, reliable: reliable}
			var mu sync.Mutex
			total, sum := int64(0), 0
			ReceiverStream[int](h.ssc, recv).ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
				vs, err := r.Collect()
				mu.Lock()
				defer mu.Unlock()
				for _, v := range vs {
					total++
					sum += v
				}
				return err
			})
			h.start()
			recv.wg.Wait() // every record is stored or buffered
			if err := h.stopGracefully(); err != nil {
				t.Fatal(err)
			}
			if total != 1000 || sum != 999*1000/2 {
				t.Fatalf("processed %d records summing to %d, want 1000 summing to %d", total, sum, 999*1000/2)
			}
			if reliable && recv.acked != 1000 {
				t.Fatalf("acknowledged %d records", recv.acked)
			}
			waitGoroutines(t, before)
		})
	}
}

// waitGoroutines checks that the goroutines started since before have ended.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left behind:\n%s", runtime.NumGoroutine()-before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBlocksBecomePartitions(t *testing.T) {
	h := newHarness(t, time.Second, NewConf().Set(ConfBlockInterval, "250ms"))
	recv := &counterReceiver{n: 0}
	var parts []int
	ReceiverStream[int](h.ssc, recv).ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
		parts = append(parts, r.NumPartitions())
		return nil
	})
	h.start()
	// Store one record per block interval: four blocks, one batch.
	bg := recv.sup.Load().bg
	for i := range 4 {
		if err := recv.Store(i); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(250 * time.Millisecond)
		cut := TimeOf(h.clock.Now())
		h.counter.waitFor(t, "the block to be cut", func() bool {
			bg.mu.Lock()
			defer bg.mu.Unlock()
			return bg.lastCut >= cut
		})
	}
	h.counter.waitBatches(t, 1)
	if !slices.Equal(parts, []int{4}) {
		t.Fatalf("partitions per batch %v, want [4]", parts)
	}
}
