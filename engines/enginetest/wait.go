package enginetest

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// NoGoroutinesLeft fails t if goroutines started during it are still
// running ten seconds after it ends: an engine's Run returns only after
// every goroutine it started has stopped.
func NoGoroutinesLeft(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		WaitFor(t, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
	})
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
