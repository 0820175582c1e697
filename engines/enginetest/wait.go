package enginetest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// NoGoroutinesLeft fails t if goroutines started during it are still
// running ten seconds after it ends: an engine's Run returns only after
// every goroutine it started has stopped. Goroutines are told apart by id,
// not counted, so one that ends cannot hide one that leaked; those the
// testing and runtime packages start (other tests' runners, timers) are
// not the test's.
func NoGoroutinesLeft(t testing.TB) {
	t.Helper()
	before := map[string]bool{}
	for _, g := range goroutines() {
		before[g.id] = true
	}
	t.Cleanup(func() {
		t.Helper()
		var left []goroutine
		for deadline := time.Now().Add(leakWait); ; time.Sleep(time.Millisecond) {
			left = left[:0]
			for _, g := range goroutines() {
				if !before[g.id] && !g.harmless() {
					left = append(left, g)
				}
			}
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				break
			}
		}
		var b strings.Builder
		for _, g := range left {
			b.WriteString(g.stack + "\n\n")
		}
		t.Fatalf("%d goroutines started during the test are still running:\n%s", len(left), b.String())
	})
}

// leakWait is how long NoGoroutinesLeft waits for goroutines to end.
var leakWait = 10 * time.Second

// goroutine is one goroutine of a stack dump.
type goroutine struct {
	id, stack string
}

// harmless reports whether the goroutine is one the test did not start:
// created by the testing or runtime packages, or by os/signal.
func (g goroutine) harmless() bool {
	i := strings.LastIndex(g.stack, "\ncreated by ")
	if i < 0 {
		return true // the main goroutine
	}
	creator := g.stack[i+len("\ncreated by "):]
	for _, pkg := range []string{"testing.", "runtime.", "os/signal.", "runtime/trace."} {
		if strings.HasPrefix(creator, pkg) {
			return true
		}
	}
	return false
}

// goroutines returns every goroutine but the caller's.
func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	blocks := strings.Split(string(buf), "\n\n")
	var out []goroutine
	for _, b := range blocks[1:] { // the first is the caller's own
		id, _, ok := strings.Cut(strings.TrimPrefix(b, "goroutine "), " ")
		if ok && strings.HasPrefix(b, "goroutine ") {
			out = append(out, goroutine{id: id, stack: b})
		}
	}
	return out
}

// WaitFor polls cond until it holds, failing t after ten seconds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
