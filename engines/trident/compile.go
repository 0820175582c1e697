package trident

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// Names of the components and streams a Trident topology compiles into, as
// Storm names them.
const (
	masterCoordPrefix = "$mastercoord-bg" // the master batch coordinator spout of a batch group
	coordStreamPrefix = "$coord-bg"       // per-task tuple counts that close a batch
	batchStream       = "$batch"          // a batch starts
	commitStream      = "$commit"         // a processed batch commits
	successStream     = "$success"        // a batch committed
	drainStream       = "$drain"          // does a batch drain the input? (acked: yes)
	batchIDField      = "$batchId"
)

// compileOptions are the runtime's shared parts a Job provides.
type compileOptions struct {
	txState txstate.TransactionalState
	clock   func() time.Time
	tconf   tridentConf
}

// compiled is a built topology with what its tasks in this process share.
type compiled struct {
	topology *core.StormTopology
	shared   *processShared
	drpc     bool // the topology serves DRPC streams
	bolts    []*boltSpec
	groups   int
}

// boltSpec is one compiled bolt: the nodes between two repartitions, or a
// spout's emitter and the nodes right after it.
type boltSpec struct {
	id          string
	batchGroup  int
	mbc         string // the batch group's master coordinator
	coordStream string
	nodes       []*node
	local       map[int]int // node id -> index in nodes
	children    [][]childRef
	outStream   []string // per local node, "" when no other bolt reads it
	inputs      map[core.GlobalStreamID]inputRef
	parallelism int
	committer   bool
	finite      bool     // the batch group ends with its input (not a DRPC group)
	upstream    []string // components whose coord tuples close a batch here
	downstream  []string // components this bolt sends coord tuples to

	// spout bolts
	spoutNode      *node
	spoutCommitter bool
}

type childRef struct{ idx, parent int }

// inputRef maps an input stream to the local node it enters and the
// parent position it has there.
type inputRef struct {
	idx, parent int
	schema      *tuple.Schema
}

func (t *TridentTopology) compile(opts *compileOptions) (*compiled, error) {
	if opts == nil {
		opts = &compileOptions{tconf: defaultTridentConf()}
	}
	if opts.txState == nil {
		opts.txState = txstate.NewMemory()
	}
	if opts.clock == nil {
		opts.clock = time.Now
	}
	t.addDRPCReturns()
	errs := slices.Clone(t.errs)
	if len(t.nodes) == 0 {
		errs = append(errs, errors.New("no streams: start one with NewStream"))
	}
	errs = append(errs, t.checkStates()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTopology, errors.Join(errs...))
	}

	// Bolts: an operation joins its parents' bolt; spouts and repartitions
	// start new ones. Merges and joins join their repartitioned inputs.
	boltOf := newUnionFind(len(t.nodes))
	batchOf := newUnionFind(len(t.nodes))
	for _, n := range t.nodes {
		for _, p := range n.parents {
			batchOf.union(n.id, p.id)
			if n.kind == opNode {
				boltOf.union(n.id, p.id)
			}
		}
	}
	byRoot := map[int]*boltSpec{}
	var bolts []*boltSpec
	groupIdx := map[int]int{}
	for _, n := range t.nodes {
		r := boltOf.find(n.id)
		b, ok := byRoot[r]
		if !ok {
			br := batchOf.find(n.id)
			g, ok := groupIdx[br]
			if !ok {
				g = len(groupIdx)
				groupIdx[br] = g
			}
			b = &boltSpec{batchGroup: g, local: map[int]int{}, inputs: map[core.GlobalStreamID]inputRef{}, parallelism: 1,
				mbc: fmt.Sprintf("%s%d", masterCoordPrefix, g), coordStream: fmt.Sprintf("%s%d", coordStreamPrefix, g)}
			byRoot[r] = b
			bolts = append(bolts, b)
		}
		b.local[n.id] = len(b.nodes)
		b.nodes = append(b.nodes, n)
		b.parallelism = max(b.parallelism, n.parallelism)
		if n.committer {
			b.committer = true
		}
		if n.kind == spoutNode {
			if b.spoutNode != nil {
				return nil, fmt.Errorf("%w: spouts %q and %q compiled into one bolt", ErrInvalidTopology, b.spoutNode.spoutID, n.spoutID)
			}
			b.spoutNode = n
			b.spoutCommitter = n.spout != nil && n.spout.Kind() == spout.Opaque
		}
	}
	boltByNode := map[int]*boltSpec{}
	for i, b := range bolts {
		if b.spoutNode != nil {
			b.id = "$spout-" + b.spoutNode.spoutID
		} else {
			b.id = fmt.Sprintf("b-%d", i)
		}
		for _, n := range b.nodes {
			boltByNode[n.id] = b
		}
		b.children = make([][]childRef, len(b.nodes))
		b.outStream = make([]string, len(b.nodes))
	}
	for _, n := range t.nodes {
		b := boltByNode[n.id]
		for pi, p := range n.parents {
			pb := boltByNode[p.id]
			if pb == b {
				b.children[b.local[p.id]] = append(b.children[b.local[p.id]], childRef{idx: b.local[n.id], parent: pi})
				continue
			}
			// A repartition: n reads p's stream from p's bolt.
			stream := fmt.Sprintf("s%d", p.id)
			pb.outStream[pb.local[p.id]] = stream
			b.inputs[core.GlobalStreamID{ComponentID: pb.id, StreamID: stream}] = inputRef{idx: b.local[n.id], parent: pi, schema: p.schema}
			if !slices.Contains(b.upstream, pb.id) {
				b.upstream = append(b.upstream, pb.id)
			}
			if !slices.Contains(pb.downstream, b.id) {
				pb.downstream = append(pb.downstream, b.id)
			}
		}
	}

	drpcGroups := map[int]bool{}
	for _, ds := range t.drpcs {
		for _, b := range bolts {
			if b.spoutNode == ds.node {
				drpcGroups[b.batchGroup] = true
			}
		}
	}
	// A run is done when every batch group over a bounded source is: DRPC
	// groups serve requests for as long as the topology lives.
	shared := newProcessShared(len(groupIdx)-len(drpcGroups), opts)
	for _, b := range bolts {
		b.finite = !drpcGroups[b.batchGroup]
	}
	builder := core.NewTopologyBuilder()
	for g := range len(groupIdx) {
		var spouts []*boltSpec
		for _, b := range bolts {
			if b.batchGroup == g && b.spoutNode != nil {
				spouts = append(spouts, b)
			}
		}
		if len(spouts) == 0 {
			return nil, fmt.Errorf("%w: a stream has no spout", ErrInvalidTopology)
		}
		mbc := &masterCoordinator{group: g, finite: !drpcGroups[g], shared: shared}
		for _, b := range spouts {
			r, ok := b.spoutNode.spout.(spout.Readier)
			if !ok {
				// A spout that cannot tell is always worth a batch.
				mbc.readiers = nil
				break
			}
			mbc.readiers = append(mbc.readiers, r)
		}
		builder.SetSpout(fmt.Sprintf("%s%d", masterCoordPrefix, g), mbc, 1)
	}
	for _, b := range bolts {
		d := builder.SetBolt(b.id, &tridentBolt{spec: b, shared: shared}, b.parallelism)
		if b.spoutNode != nil {
			d.AllGrouping(b.mbc, batchStream)
			d.AllGrouping(b.mbc, successStream)
			if b.finite {
				d.AllGrouping(b.mbc, drainStream)
			}
			if b.spoutCommitter || b.committer {
				d.AllGrouping(b.mbc, commitStream)
			}
		} else if b.committer {
			d.AllGrouping(b.mbc, commitStream)
		}
		for _, n := range b.nodes {
			for _, p := range n.parents {
				pb := boltByNode[p.id]
				if pb == b {
					continue
				}
				subscribe(d, pb.id, fmt.Sprintf("s%d", p.id), n.grouping)
			}
		}
		for _, up := range b.upstream {
			d.DirectGrouping(up, b.coordStream)
		}
	}
	return &compiled{topology: builder.CreateTopology(), shared: shared, drpc: len(drpcGroups) > 0, bolts: bolts, groups: len(groupIdx)}, nil
}

func subscribe(d *core.BoltDeclarer, component, stream string, g grouping) {
	switch g.kind {
	case groupShuffle:
		d.ShuffleGrouping(component, stream)
	case groupFields:
		d.FieldsGrouping(component, core.NewFields(g.fields...), stream)
	case groupGlobal:
		d.GlobalGrouping(component, stream)
	case groupBatchGlobal:
		d.CustomGrouping(component, &batchGlobalGrouping{}, stream)
	case groupBroadcast:
		d.AllGrouping(component, stream)
	case groupCustom:
		d.CustomGrouping(component, g.custom, stream)
	case groupLocalOrShuffle:
		d.LocalOrShuffleGrouping(component, stream)
	}
}

// checkStates refuses pairings that cannot be exactly-once: a
// transactional state skips a key already written by a txid, which is
// right only if a replay of the txid carries the same tuples, and an opaque
// spout does not promise that.
func (t *TridentTopology) checkStates() []error {
	var errs []error
	for _, n := range t.nodes {
		if !n.committer || n.stateType != state.Transactional {
			continue
		}
		for _, sp := range spoutsOf(n) {
			if sp.spout != nil && sp.spout.Kind() == spout.Opaque {
				errs = append(errs, fmt.Errorf("transactional state fed by opaque spout %q cannot be exactly-once: a replayed batch may differ; use opaque state (state.Opaque) or a transactional spout", sp.spoutID))
			}
		}
	}
	return errs
}

func spoutsOf(n *node) []*node {
	seen := map[int]bool{}
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if seen[x.id] {
			return
		}
		seen[x.id] = true
		if x.kind == spoutNode {
			out = append(out, x)
		}
		for _, p := range x.parents {
			walk(p)
		}
	}
	walk(n)
	return out
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(x int) int {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[max(ra, rb)] = min(ra, rb)
	}
}

// batchGlobalGrouping sends all of a batch's tuples to one task, chosen by
// the batch's txid, as Trident's batchGlobal.
type batchGlobalGrouping struct {
	mu      sync.RWMutex
	targets []int
}

func (g *batchGlobalGrouping) Prepare(_ *core.TopologyContext, _ core.GlobalStreamID, targets []int) {
	g.mu.Lock()
	g.targets = slices.Clone(targets)
	g.mu.Unlock()
}

func (g *batchGlobalGrouping) ChooseTasks(_ int, values core.Values) []int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	tx, _ := values[0].(spout.TransactionAttempt)
	return []int{g.targets[int(tx.Txid%int64(len(g.targets)))]}
}
