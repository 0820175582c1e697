package schedule

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/cluster/coord"
)

func execs(n int) []coord.Executor {
	out := make([]coord.Executor, n)
	for i := range out {
		out[i] = coord.Executor{ID: i, Component: "c", FirstTask: i + 1, LastTask: i + 1}
	}
	return out
}

func nodes(n, slots int) []NodeSlots {
	var out []NodeSlots
	for i := range n {
		ns := NodeSlots{Node: "node-" + string(rune('a'+i)), Host: "127.0.0.1"}
		for s := range slots {
			ns.Ports = append(ns.Ports, 7000+10*i+s)
		}
		out = append(out, ns)
	}
	return out
}

func TestEven(t *testing.T) {
	for _, tc := range []struct {
		name      string
		executors int
		workers   int
		free      []NodeSlots
		want      []coord.WorkerAssignment
		err       error
	}{
		{"one worker per node", 5, 3, nodes(3, 2), []coord.WorkerAssignment{
			wa(0, "node-a", "127.0.0.1:7000", []int{0, 3}), wa(1, "node-b", "127.0.0.1:7010", []int{1, 4}), wa(2, "node-c", "127.0.0.1:7020", []int{2})}, nil},
		{"wraps to second slots", 4, 4, nodes(2, 2), []coord.WorkerAssignment{
			wa(0, "node-a", "127.0.0.1:7000", []int{0}), wa(1, "node-b", "127.0.0.1:7010", []int{1}),
			wa(2, "node-a", "127.0.0.1:7001", []int{2}), wa(3, "node-b", "127.0.0.1:7011", []int{3})}, nil},
		{"more workers than executors", 1, 2, nodes(2, 1), []coord.WorkerAssignment{
			wa(0, "node-a", "127.0.0.1:7000", []int{0}), wa(1, "node-b", "127.0.0.1:7010", []int{})}, nil},
		{"uneven nodes", 3, 3, []NodeSlots{{"z", "h2", []int{9}}, {"a", "h1", []int{2, 1}}}, []coord.WorkerAssignment{
			wa(0, "a", "h1:1", []int{0}), wa(1, "z", "h2:9", []int{1}), wa(2, "a", "h1:2", []int{2})}, nil},
		{"ipv6 host", 1, 1, []NodeSlots{{"a", "::1", []int{5}}}, []coord.WorkerAssignment{wa(0, "a", "[::1]:5", []int{0})}, nil},
		{"too few slots", 4, 3, nodes(1, 2), nil, ErrNotEnoughSlots},
		{"no nodes", 4, 1, nil, nil, ErrNotEnoughSlots},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Even(execs(tc.executors), tc.workers, tc.free)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := Even(execs(1), 0, nodes(1, 1)); err == nil {
		t.Error("0 workers accepted")
	}
	if _, err := Even(nil, 1, nodes(1, 1)); err == nil {
		t.Error("no executors accepted")
	}
}

func TestReassign(t *testing.T) {
	current := []coord.WorkerAssignment{
		wa(0, "a", "h:1", []int{0, 3}), wa(1, "b", "h:2", []int{1}), wa(2, "c", "h:3", []int{2})}
	lostB := func(n string) bool { return n == "b" }
	for _, tc := range []struct {
		name  string
		lost  func(string) bool
		free  []NodeSlots
		want  []coord.WorkerAssignment
		moved []int
		err   error
	}{
		{"lost node moves, others stay", lostB, []NodeSlots{{"c", "h", []int{4}}, {"a", "h", []int{5}}},
			[]coord.WorkerAssignment{wa(0, "a", "h:1", []int{0, 3}), wa(1, "a", "h:5", []int{1}), wa(2, "c", "h:3", []int{2})}, []int{1}, nil},
		{"nothing lost", func(string) bool { return false }, nil, current, nil, nil},
		{"two lost, one slot: partial", func(n string) bool { return n != "a" }, []NodeSlots{{"a", "h", []int{9}}},
			[]coord.WorkerAssignment{wa(0, "a", "h:1", []int{0, 3}), wa(1, "a", "h:9", []int{1}), wa(2, "c", "h:3", []int{2})}, []int{1}, ErrNotEnoughSlots},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, moved, err := Reassign(current, tc.lost, tc.free)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(moved, tc.moved) {
				t.Errorf("got %+v moved %v\nwant %+v moved %v", got, moved, tc.want, tc.moved)
			}
		})
	}
	if current[1].Node != "b" {
		t.Error("Reassign changed its input")
	}
}

func wa(w int, node, addr string, executors []int) coord.WorkerAssignment {
	return coord.WorkerAssignment{Worker: w, Node: node, Addr: addr, Executors: executors}
}
