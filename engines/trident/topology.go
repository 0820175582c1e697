package trident

import (
	"errors"
	"fmt"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// ErrInvalidTopology wraps every reason a TridentTopology is refused at
// build time.
var ErrInvalidTopology = errors.New("invalid trident topology")

// ErrStopRun is wrapped by an error that no replay can mend (a sink that
// takes no more): a batch failing with it fails the job at once instead of
// being replayed.
var ErrStopRun = errors.New("the run cannot go on")

// TridentTopology is the builder of a Trident topology, as Storm's
// TridentTopology: streams start at spouts (NewStream) or DRPC functions
// (NewDRPCStream), operations chain on Streams, and Build compiles the
// whole graph into spouts and bolts of engines/core.
//
// Mistakes (an operation reading a field no upstream declared, a join on
// missing fields, a transactional state fed by an opaque spout) are
// collected as the topology is written and reported together by Build.
type TridentTopology struct {
	nodes  []*node
	errs   []error
	spouts map[string]bool
	drpcs  []*drpcStream
}

// NewTridentTopology returns an empty topology.
func NewTridentTopology() *TridentTopology {
	return &TridentTopology{spouts: make(map[string]bool)}
}

type nodeKind int

const (
	spoutNode     nodeKind = iota // a spout's batches enter here
	opNode                        // a partition-local operation
	partitionNode                 // a repartition: the next bolt starts here
)

// node is one vertex of the Trident graph: a spout, an operation or a
// repartition. Its output schema is what its tuples carry.
type node struct {
	id      int
	kind    nodeKind
	name    string
	parents []*node
	schema  *tuple.Schema
	// parallelism is the hint given on this node's stream; a bolt runs
	// with the largest hint of its nodes.
	parallelism int

	// spout nodes
	spoutID string
	spout   spout.TridentSpout

	// op nodes: newProc makes the node's processor for one task.
	newProc   func() processor
	committer bool // applies state at commit (partitionPersist)

	// partition nodes
	grouping grouping

	// state feeding: the spouts whose batches reach a persist node must
	// suit its state type.
	stateType state.Type
	stateName string
}

func (t *TridentTopology) addNode(n *node) *node {
	n.id = len(t.nodes)
	t.nodes = append(t.nodes, n)
	return n
}

func (t *TridentTopology) errorf(format string, args ...any) {
	t.errs = append(t.errs, fmt.Errorf(format, args...))
}

// NewStream starts a stream at a spout. txID names the spout's metadata in
// the topology's TransactionalState, as Storm's txStateId does, so it must
// be unique and stable across restarts.
func (t *TridentTopology) NewStream(txID string, sp spout.TridentSpout) *Stream {
	if txID == "" {
		t.errorf("NewStream: a stream needs a txid name for its spout")
	}
	if t.spouts[txID] {
		t.errorf("NewStream: spout %q used twice; spout names must be unique", txID)
	}
	t.spouts[txID] = true
	var fields tuple.Fields
	if sp == nil {
		t.errorf("NewStream(%q): nil spout", txID)
	} else {
		fields = sp.OutputFields()
	}
	schema, err := tuple.NewSchema(fields)
	if err != nil {
		t.errorf("spout %q: %v", txID, err)
		schema = tuple.MustSchema(nil)
	}
	n := t.addNode(&node{kind: spoutNode, name: txID, spoutID: txID, spout: sp, schema: schema})
	return &Stream{topo: t, node: n}
}

// Merge returns a stream of every tuple of streams, under the fields of the
// first; the others must have as many fields.
func (t *TridentTopology) Merge(streams ...*Stream) *Stream {
	if len(streams) == 0 {
		t.errorf("Merge: no streams")
		return &Stream{topo: t, node: t.addNode(&node{kind: opNode, name: "merge", schema: tuple.MustSchema(nil), newProc: passThrough})}
	}
	first := streams[0].node.schema
	parents := make([]*node, 0, len(streams))
	for i, s := range streams {
		if s.topo != t {
			t.errorf("Merge: stream %d belongs to another topology", i)
			continue
		}
		if got := len(s.node.schema.Fields()); got != len(first.Fields()) {
			t.errorf("Merge: stream %d has %d fields %v, the first has %d %v; project them alike first",
				i, got, s.node.schema.Fields(), len(first.Fields()), first.Fields())
		}
		parents = append(parents, t.addNode(&node{kind: partitionNode, name: "merge-input", parents: []*node{s.node}, schema: s.node.schema, grouping: grouping{kind: groupLocalOrShuffle}}))
	}
	n := t.addNode(&node{kind: opNode, name: "merge", parents: parents, schema: first, newProc: passThrough})
	return &Stream{topo: t, node: n}
}

func without(f, drop tuple.Fields) tuple.Fields {
	var out tuple.Fields
	for _, n := range f {
		if !drop.Contains(n) {
			out = append(out, n)
		}
	}
	return out
}

func mustIdx(s *tuple.Schema, f tuple.Fields) []int {
	idx, err := s.Indexes(f)
	if err != nil {
		panic(err) // callers checked the fields
	}
	return idx
}

// Build compiles the topology into an engines/core topology: a master
// batch coordinator spout per batch group, a bolt per spout that emits its
// batches, and a bolt per stretch of partition-local operations between
// repartitions. It returns every mistake found, wrapped in
// ErrInvalidTopology.
func (t *TridentTopology) Build() (*core.StormTopology, error) {
	c, err := t.compile(nil)
	if err != nil {
		return nil, err
	}
	return c.topology, nil
}

// BuildConfig is Build for a topology that will run under conf: it takes
// Trident's keys (topology.trident.batch.emit.interval.millis,
// topology.max.spout.pending as batches in flight) out of conf and returns
// the rest, the configuration to submit the topology with.
func (t *TridentTopology) BuildConfig(conf core.Config) (*core.StormTopology, core.Config, error) {
	tconf, rest, err := splitConfig(conf)
	if err != nil {
		return nil, nil, err
	}
	c, err := t.compile(&compileOptions{tconf: tconf})
	if err != nil {
		return nil, nil, err
	}
	return c.topology, rest, nil
}
