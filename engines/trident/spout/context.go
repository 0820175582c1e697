package spout

import (
	"errors"
	"fmt"
)

// ErrNoState is returned by a transactional or opaque executor given no
// TransactionalState: it has nowhere to keep the metadata replays need.
var ErrNoState = errors.New("spout needs a transactional state for its batch metadata")

func checkContext(ctx Context) error {
	if ctx.State == nil {
		return fmt.Errorf("spout %q: %w (set Context.State, e.g. txstate.NewMemory())", ctx.SpoutID, ErrNoState)
	}
	if ctx.NumTasks < 1 || ctx.TaskIndex < 0 || ctx.TaskIndex >= ctx.NumTasks {
		return fmt.Errorf("spout %q: task index %d out of range for %d tasks", ctx.SpoutID, ctx.TaskIndex, ctx.NumTasks)
	}
	return nil
}

// ownedPartitions returns the partitions task TaskIndex of NumTasks emits:
// every NumTasks-th, starting at its index, as Storm's partitioned executors
// assign them.
func ownedPartitions(n int, ctx Context) []int {
	var ps []int
	for p := ctx.TaskIndex; p < n; p += ctx.NumTasks {
		ps = append(ps, p)
	}
	return ps
}
