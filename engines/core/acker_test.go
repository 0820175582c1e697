package core

import (
	"math/rand/v2"
	"testing"
)

// tree is a random tuple tree: each node is an edge with a random id; the
// root's children are the spout's emits.
type tree struct {
	root     uint64
	edges    []uint64 // edge id of node i
	children [][]int  // child nodes of node i
	top      []int    // nodes emitted by the spout
}

func randomTree(r *rand.Rand, ids *rng, maxNodes int) *tree {
	t := &tree{root: ids.id()}
	n := 1 + r.IntN(maxNodes)
	for i := range n {
		t.edges = append(t.edges, ids.id())
		t.children = append(t.children, nil)
		if i == 0 || r.IntN(4) == 0 {
			t.top = append(t.top, i)
		} else {
			parent := r.IntN(i)
			t.children[parent] = append(t.children[parent], i)
		}
	}
	return t
}

// messages returns the acker messages the tree produces: the spout's init
// (the XOR of its emitted edges) and one ack per node (its edge XOR its
// children's edges), each with the set of edges it carries.
func (t *tree) messages(spoutTask int32) ([]Tuple, [][]int) {
	var msgs []Tuple
	var carries [][]int
	var init uint64
	for _, n := range t.top {
		init ^= t.edges[n]
	}
	msgs = append(msgs, Tuple{meta: ackInitMeta, root: t.root, edge: init, srcTask: spoutTask})
	carries = append(carries, append([]int(nil), t.top...))
	for n := range t.edges {
		v := t.edges[n]
		c := []int{n}
		for _, ch := range t.children[n] {
			v ^= t.edges[ch]
			c = append(c, ch)
		}
		msgs = append(msgs, Tuple{meta: ackAckMeta, root: t.root, edge: v})
		carries = append(carries, c)
	}
	return msgs, carries
}

// TestAckerProperty delivers the acker messages of random trees in random
// order, interleaved across trees, sometimes duplicated, and checks the
// acker against a model that counts edges instead of XORing them: a tree
// completes when the init has arrived and every edge has been seen an even
// number of times (once created, once acked), and only then.
func TestAckerProperty(t *testing.T) {
	for _, tc := range []struct {
		name       string
		seed       uint64
		trees      int
		maxNodes   int
		duplicates bool
	}{
		{"single small trees", 1, 200, 4, false},
		{"large trees interleaved", 2, 100, 60, false},
		{"duplicated messages", 3, 200, 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 7))
			ids := &rng{s: tc.seed}
			a := newAcker()
			type pending struct {
				tr      *tree
				parity  []int
				inited  bool
				done    bool
				allSeen bool
			}
			type delivery struct {
				p       *pending
				msg     Tuple
				carries []int
			}
			var queue []delivery
			var trees []*pending
			for range tc.trees {
				tr := randomTree(r, ids, tc.maxNodes)
				p := &pending{tr: tr, parity: make([]int, len(tr.edges))}
				trees = append(trees, p)
				msgs, carries := tr.messages(7)
				for i := range msgs {
					queue = append(queue, delivery{p, msgs[i], carries[i]})
					if tc.duplicates && r.IntN(10) == 0 {
						queue = append(queue, delivery{p, msgs[i], carries[i]})
					}
				}
			}
			r.Shuffle(len(queue), func(i, j int) { queue[i], queue[j] = queue[j], queue[i] })
			seen := make(map[*pending][]int)
			for step, d := range queue {
				p := d.p
				if d.msg.meta.kind == kindAckInit {
					p.inited = true
				}
				for _, e := range d.carries {
					p.parity[e] ^= 1
				}
				if seen[p] == nil {
					seen[p] = make([]int, len(p.tr.edges))
				}
				if d.msg.meta.kind == kindAckAck {
					seen[p][d.carries[0]]++
				}
				even := true
				for _, x := range p.parity {
					even = even && x == 0
				}
				want := p.inited && even && !p.done
				out, got := a.handle(&d.msg)
				if got != want {
					t.Fatalf("step %d: tree %x: acker completed=%v, model says %v", step, p.tr.root, got, want)
				}
				if got {
					if out.meta.kind != kindAckAck || out.root != p.tr.root || out.dstTask != 7 {
						t.Fatalf("step %d: completion message %+v", step, out)
					}
					p.done = true
					if !tc.duplicates {
						for n, c := range seen[p] {
							if c == 0 {
								t.Fatalf("tree %x completed before node %d was acked", p.tr.root, n)
							}
						}
					}
				}
			}
			if !tc.duplicates {
				for _, p := range trees {
					if !p.done {
						t.Fatalf("tree %x never completed", p.tr.root)
					}
				}
				if n := a.pending.len(); n != 0 {
					t.Fatalf("%d entries left in the acker", n)
				}
			}
		})
	}
}

func TestAckerFail(t *testing.T) {
	for _, tc := range []struct {
		name      string
		initFirst bool
	}{{"fail after init", true}, {"fail before init", false}} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAcker()
			init := Tuple{meta: ackInitMeta, root: 42, edge: 0xabc, srcTask: 3}
			fail := Tuple{meta: ackFailMeta, root: 42}
			first, second := &init, &fail
			if !tc.initFirst {
				first, second = &fail, &init
			}
			if _, ok := a.handle(first); ok {
				t.Fatal("verdict before both messages")
			}
			out, ok := a.handle(second)
			if !ok || out.meta.kind != kindAckFail || out.dstTask != 3 || out.root != 42 {
				t.Fatalf("got %+v, %v; want a fail for task 3", out, ok)
			}
			if a.pending.len() != 0 {
				t.Fatal("failed tree left in the acker")
			}
		})
	}
}

func TestAckerRotationForgetsStaleTrees(t *testing.T) {
	a := newAcker()
	a.handle(&Tuple{meta: ackInitMeta, root: 1, edge: 5, srcTask: 1})
	a.rotate()
	// Touching the entry keeps it alive through the next rotation.
	a.handle(&Tuple{meta: ackAckMeta, root: 1, edge: 4})
	a.handle(&Tuple{meta: ackInitMeta, root: 2, edge: 5, srcTask: 1})
	a.rotate()
	if _, _, ok := a.pending.get(1); !ok {
		t.Fatal("touched entry forgotten after one rotation")
	}
	a.rotate()
	a.rotate()
	if n := a.pending.len(); n != 0 {
		t.Fatalf("%d stale entries survived two rotations", n)
	}
	// The tree completes normally when its last ack arrives in time.
	a.handle(&Tuple{meta: ackInitMeta, root: 3, edge: 6, srcTask: 1})
	a.rotate()
	if _, ok := a.handle(&Tuple{meta: ackAckMeta, root: 3, edge: 6}); !ok {
		t.Fatal("tree in the older bucket did not complete")
	}
}
