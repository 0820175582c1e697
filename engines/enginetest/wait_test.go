package enginetest

import (
	"strings"
	"testing"
	"time"
)

// fakeTB records a failure instead of failing, and runs cleanups on demand.
type fakeTB struct {
	testing.TB
	failed   bool
	cleanups []func()
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

// TestNoGoroutinesLeft: a goroutine the test started and left running fails
// the check even when one started before the test ended meanwhile, which
// a count would balance; a test that leaves nothing passes.
func TestNoGoroutinesLeft(t *testing.T) {
	defer func(d time.Duration) { leakWait = d }(leakWait)
	leakWait = 50 * time.Millisecond
	for _, tc := range []struct {
		name string
		leak bool
	}{
		{"leak hidden by an ended goroutine", true},
		{"nothing left", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			older := make(chan struct{})
			go func() { <-older }()
			f := &fakeTB{TB: t}
			NoGoroutinesLeft(f)
			close(older)
			WaitFor(t, "the older goroutine to end", func() bool {
				for _, g := range goroutines() {
					if strings.Contains(g.stack, "TestNoGoroutinesLeft.func2.1()") {
						return false
					}
				}
				return true
			})
			stop, stopped := make(chan struct{}), make(chan struct{})
			if tc.leak {
				go func() { <-stop; close(stopped) }()
			} else {
				close(stopped)
			}
			for _, fn := range f.cleanups {
				fn()
			}
			close(stop)
			<-stopped
			if f.failed != tc.leak {
				t.Errorf("check failed %v, want %v", f.failed, tc.leak)
			}
		})
	}
}
