package core

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// GlobalStreamID names a stream by its component and stream id.
type GlobalStreamID struct {
	ComponentID string
	StreamID    string
}

// CustomStreamGrouping chooses the tasks of each tuple itself (Storm's
// CustomStreamGrouping). Prepare is called once per emitting task with the
// ids of the subscribing bolt's tasks; ChooseTasks then returns, for the
// values emitted by task taskID, a subset of them. ChooseTasks runs on the
// emitting task's executor and may keep state.
type CustomStreamGrouping interface {
	Prepare(context *TopologyContext, stream GlobalStreamID, targetTasks []int)
	ChooseTasks(taskID int, values Values) []int
}

// grouper is one emitting task's instance of a subscription's grouping. It
// appends the target tasks of values to out.
type grouper interface {
	choose(values Values, out []int) []int
}

// shuffleGrouper deals tuples round-robin over a shuffled list of the
// targets, as Storm 2's ShuffleGrouping does: each task gets an equal
// share, and emitters start at different places.
type shuffleGrouper struct {
	targets []int
	next    int
}

func newShuffleGrouper(targets []int, rng *rng) *shuffleGrouper {
	t := slices.Clone(targets)
	for i := len(t) - 1; i > 0; i-- {
		j := int(rng.next() % uint64(i+1))
		t[i], t[j] = t[j], t[i]
	}
	return &shuffleGrouper{targets: t, next: int(rng.next() % uint64(len(t)))}
}

func (g *shuffleGrouper) choose(_ Values, out []int) []int {
	out = append(out, g.targets[g.next])
	g.next++
	if g.next == len(g.targets) {
		g.next = 0
	}
	return out
}

// fieldsGrouper hashes the grouping fields' values to pick a task. The hash
// is deterministic (not seeded per process), so every emitter, in any
// worker, and every assignment after a rebalance, sends a key to the same
// task: tasks are fixed for the topology's life.
type fieldsGrouper struct {
	targets []int
	idx     []int
}

func (g *fieldsGrouper) choose(values Values, out []int) []int {
	h := hashValues(values, g.idx, fnvOffset)
	return append(out, g.targets[h%uint64(len(g.targets))])
}

// partialKeyGrouper sends each key to the less loaded of two candidate
// tasks chosen by two hashes (Storm's PartialKeyGrouping), counting load
// as the tuples this emitter sent to each.
type partialKeyGrouper struct {
	targets []int
	idx     []int
	load    []int64
}

func (g *partialKeyGrouper) choose(values Values, out []int) []int {
	n := uint64(len(g.targets))
	a := hashValues(values, g.idx, fnvOffset) % n
	b := hashValues(values, g.idx, fnvOffset^0x9e3779b97f4a7c15) % n
	if g.load[b] < g.load[a] {
		a = b
	}
	g.load[a]++
	return append(out, g.targets[a])
}

type allGrouper struct{ targets []int }

func (g *allGrouper) choose(_ Values, out []int) []int { return append(out, g.targets...) }

type globalGrouper struct{ target int }

func (g *globalGrouper) choose(_ Values, out []int) []int { return append(out, g.target) }

// customGrouper adapts a user's CustomStreamGrouping, checking its answer.
type customGrouper struct {
	g       CustomStreamGrouping
	task    int
	targets map[int]bool
	comp    string
}

func (g *customGrouper) choose(values Values, out []int) []int {
	for _, t := range g.g.ChooseTasks(g.task, values) {
		if !g.targets[t] {
			panic(fmt.Errorf("%w: custom grouping chose task %d, which is not a task of %q", ErrEmit, t, g.comp))
		}
		out = append(out, t)
	}
	return out
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashValues hashes the values at idx with FNV-1a, finishing with a mix so
// that nearby keys spread over tasks.
func hashValues(values Values, idx []int, h uint64) uint64 {
	for _, i := range idx {
		h = hashValue(values[i], h)
		h ^= 0xff
		h *= fnvPrime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

func hashString(s string, h uint64) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashUint(v uint64, h uint64) uint64 {
	for range 8 {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}

func hashValue(v any, h uint64) uint64 {
	switch x := v.(type) {
	case string:
		return hashString(x, h)
	case []byte:
		return hashString(string(x), h)
	case int:
		return hashUint(uint64(x), h)
	case int64:
		return hashUint(uint64(x), h)
	case int32:
		return hashUint(uint64(x), h)
	case uint64:
		return hashUint(x, h)
	case uint32:
		return hashUint(uint64(x), h)
	case bool:
		if x {
			return hashUint(1, h)
		}
		return hashUint(0, h)
	case float64:
		return hashUint(math.Float64bits(x), h)
	case nil:
		return hashUint(0x6e696c, h)
	}
	return hashString(fmt.Sprint(v), h)
}

// rng is a small, fast generator (SplitMix64) for edge ids and shuffles.
// Each task has its own, so no lock is taken on the emit path.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// id returns a random non-zero 64-bit id: Storm's edge and root ids. Zero
// is kept for "not tracked".
func (r *rng) id() uint64 {
	for {
		if v := r.next(); v != 0 {
			return v
		}
	}
}

func seedFor(base uint64, task int) uint64 {
	return base ^ bits.RotateLeft64(uint64(task)*0x9e3779b97f4a7c15, 17)
}
