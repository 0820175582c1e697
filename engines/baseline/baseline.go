package baseline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/streambench/streambench/engines"
)

// BatchSize is how many records a loop fetches at a time.
const BatchSize = 512

// Loop is a hand-written pipeline: it reads src until every partition is
// drained, writes its outputs to sink, and returns only when every goroutine
// it started has stopped.
type Loop func(ctx context.Context, src engines.Source, sink engines.Sink) error

// Engine runs a Loop behind the engines.Engine seam.
type Engine struct {
	workers int
	loop    Loop
}

var (
	_ engines.Engine      = (*Engine)(nil)
	_ engines.InputRunner = (*Engine)(nil)
)

// New returns an engine that runs loop with the given number of workers
// (recorded in the settings; the loop itself starts them).
func New(workers int, loop Loop) *Engine {
	return &Engine{workers: workers, loop: loop}
}

// Run implements engines.Engine.
func (e *Engine) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return e.loop(ctx, src, sink)
}

// RunInput implements engines.InputRunner: the loop over a log, or over a
// text socket per partition (engines.KindSocket) read through an
// engines.ForwardSource. A loop reads forward only, which is all a socket
// gives; a connection that closes before its end line fails the run with
// an error naming the address.
func (e *Engine) RunInput(ctx context.Context, in engines.Input, sink engines.Sink) error {
	switch in.Kind {
	case engines.KindLog, "":
		return e.loop(ctx, in.Log, sink)
	case engines.KindSocket:
		src, err := engines.DialSockets(ctx, in.Addrs, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		return e.loop(ctx, src, sink)
	}
	return fmt.Errorf("%w: the baseline reads a log or a socket, not %s", engines.ErrSourceKind, in.Kind.Noun())
}

// Settings implements engines.Engine.
func (e *Engine) Settings() engines.Settings {
	return engines.Settings{"workers": e.workers, "fetch.batch.size": BatchSize}
}

// Workers is how many workers a loop runs for a run of the given
// parallelism: at least one per core the process may use (GOMAXPROCS). The
// engines' executors, receivers and tasks are goroutines that spread over
// every core whatever their parallelism, so a yardstick held to the
// parallelism alone would measure one core against two. A loop runs at most
// one reader per source partition (see Readers).
func Workers(parallelism int) int {
	return max(parallelism, runtime.GOMAXPROCS(0))
}

// Readers is how many of p workers can read a source of the given
// partitions: each reader needs a partition of its own.
func Readers(p, partitions int) int {
	return max(1, min(p, partitions))
}

// Assign returns the partitions worker w of n reads: those with p mod n == w.
func Assign(partitions, w, n int) []int {
	var ps []int
	for p := w; p < partitions; p += n {
		ps = append(ps, p)
	}
	return ps
}

// ReadAll reads the given partitions of src from offset 0, round-robin, and
// calls fn with each batch until every partition is closed and drained (then
// it returns nil), ctx is done, or fn fails. buf is reused between calls.
//
// When no partition has anything to read it waits on the open partition it
// has read least from: the harness publishes to every partition on each
// tick, so that one is woken as soon as any is.
func ReadAll(ctx context.Context, src engines.Source, parts []int, buf []engines.Record, fn func([]engines.Record) error) error {
	offsets := make([]int64, len(parts))
	open := make([]bool, len(parts))
	for i := range open {
		open[i] = true
	}
	remaining := len(parts)
	for remaining > 0 {
		// A source that always has records never makes ReadAll wait, where
		// ctx is also checked: a cancelled run must not drain its backlog.
		if err := ctx.Err(); err != nil {
			return err
		}
		progressed := false
		for i, p := range parts {
			if !open[i] {
				continue
			}
			n, err := src.Fetch(p, offsets[i], buf)
			if n > 0 {
				offsets[i] += int64(n)
				progressed = true
				if err := fn(buf[:n]); err != nil {
					return err
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				open[i] = false
				remaining--
				continue
			}
			if err != nil {
				return err
			}
		}
		if progressed || remaining == 0 {
			continue
		}
		lag := -1
		for i := range parts {
			if open[i] && (lag < 0 || offsets[i] < offsets[lag]) {
				lag = i
			}
		}
		if err := src.Wait(ctx, parts[lag], offsets[lag]); err != nil {
			return err
		}
	}
	return nil
}

// Group runs goroutines that share a context: the first error cancels the
// others, and Wait returns it once all have stopped.
type Group struct {
	wg     sync.WaitGroup
	once   sync.Once
	err    error
	cancel context.CancelFunc
}

// NewGroup returns a group and the context its goroutines should use.
func NewGroup(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{cancel: cancel}, ctx
}

// Go runs fn in a new goroutine of the group.
func (g *Group) Go(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

// Wait waits for every goroutine and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
