// Package schedule is Storm's even scheduler as pure functions: where the
// workers of a topology go among the free slots of the live nodes, and
// which executors each worker runs; and, when a node is lost, where its
// workers go while every other worker stays put.
//
// Slots are taken round-robin over the nodes (Storm's EvenScheduler sorts
// the free slots so that consecutive ones are on different hosts), so three
// workers on three nodes get one node each. Executors are dealt
// round-robin over the workers in component order, as the local engine's
// assignment does, so a topology's executors land on the same worker index
// in both deployments.
package schedule

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"

	"github.com/streambench/streambench/cluster/coord"
)

// ErrNotEnoughSlots is returned (wrapped) when the live nodes have fewer
// free slots than the workers to place.
var ErrNotEnoughSlots = errors.New("not enough free slots")

// NodeSlots is one live node's free slots: the ports a worker may listen
// on at Host.
type NodeSlots struct {
	Node  string
	Host  string
	Ports []int
}

// Slot is one place for a worker.
type Slot struct {
	Node string
	Addr string
}

// Interleave orders the free slots round-robin over the nodes (nodes by
// name, each node's ports ascending): the first slot of every node, then
// the second of every node, and so on.
func Interleave(free []NodeSlots) []Slot {
	nodes := append([]NodeSlots(nil), free...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Node < nodes[j].Node })
	var out []Slot
	for round := 0; ; round++ {
		added := false
		for _, n := range nodes {
			ports := append([]int(nil), n.Ports...)
			sort.Ints(ports)
			if round < len(ports) {
				out = append(out, Slot{Node: n.Node, Addr: net.JoinHostPort(n.Host, strconv.Itoa(ports[round]))})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// Even places workers workers on the free slots and deals the executors
// (in component order) over them. With too few slots it returns
// ErrNotEnoughSlots and no assignment: Storm's Nimbus likewise leaves a
// topology unassigned until slots are free.
func Even(executors []coord.Executor, workers int, free []NodeSlots) ([]coord.WorkerAssignment, error) {
	if workers < 1 {
		return nil, fmt.Errorf("%d workers: want at least 1", workers)
	}
	if len(executors) == 0 {
		return nil, errors.New("no executors to assign")
	}
	slots := Interleave(free)
	if len(slots) < workers {
		return nil, fmt.Errorf("%w: %d workers need %d slots, %d free on %d live nodes (start more agents or give them more --slots)",
			ErrNotEnoughSlots, workers, workers, len(slots), len(free))
	}
	out := make([]coord.WorkerAssignment, workers)
	for i := range out {
		out[i] = coord.WorkerAssignment{Worker: i, Node: slots[i].Node, Addr: slots[i].Addr, Executors: []int{}}
	}
	for i, e := range executors {
		w := &out[i%workers]
		w.Executors = append(w.Executors, e.ID)
	}
	return out, nil
}

// Reassign moves the workers on lost nodes to free slots on live nodes,
// taken round-robin over the nodes, and leaves every other worker
// unchanged, executors included. It returns the new assignment and the
// indices of the workers moved. When there are fewer free slots than
// workers to move, it moves as many as it can, leaves the rest where they
// were, and returns an error wrapping ErrNotEnoughSlots that names them: a
// partial reassignment, stated as such.
func Reassign(current []coord.WorkerAssignment, lost func(node string) bool, free []NodeSlots) ([]coord.WorkerAssignment, []int, error) {
	out := make([]coord.WorkerAssignment, len(current))
	copy(out, current)
	slots := Interleave(free)
	var moved, stranded []int
	for i := range out {
		if !lost(out[i].Node) {
			continue
		}
		if len(slots) == 0 {
			stranded = append(stranded, out[i].Worker)
			continue
		}
		s := slots[0]
		slots = slots[1:]
		out[i].Node, out[i].Addr = s.Node, s.Addr
		out[i].Executors = append([]int(nil), current[i].Executors...)
		moved = append(moved, out[i].Worker)
	}
	if len(stranded) > 0 {
		return out, moved, fmt.Errorf("%w: workers %v stay on their lost nodes until slots free up (moved %v)", ErrNotEnoughSlots, stranded, moved)
	}
	return out, moved, nil
}
