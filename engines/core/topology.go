package core

import (
	"fmt"
)

// groupingKind is one of Storm's stream groupings.
type groupingKind int

const (
	groupingShuffle groupingKind = iota
	groupingFields
	groupingPartialKey
	groupingAll
	groupingGlobal
	groupingNone
	groupingDirect
	groupingLocalOrShuffle
	groupingCustom
)

var groupingNames = [...]string{"shuffle", "fields", "partialKey", "all", "global", "none", "direct", "localOrShuffle", "custom"}

func (g groupingKind) String() string { return groupingNames[g] }

// input is one subscription of a bolt: a stream of another component and
// the grouping that spreads it over the bolt's tasks.
type input struct {
	component string
	stream    string
	grouping  groupingKind
	fields    Fields
	custom    CustomStreamGrouping
}

// componentDef is a spout or bolt as declared in a TopologyBuilder.
type componentDef struct {
	id          string
	spout       Spout
	bolt        Component
	parallelism int
	numTasks    int // 0: as many as parallelism
	inputs      []input
	conf        Config
}

func (c *componentDef) tasks() int {
	if c.numTasks > 0 {
		return c.numTasks
	}
	return c.parallelism
}

// TopologyBuilder builds a topology: spouts, bolts, and the stream
// groupings that wire them together (Storm's TopologyBuilder).
//
//	b := core.NewTopologyBuilder()
//	b.SetSpout("sentences", &SentenceSpout{}, 2)
//	b.SetBolt("split", &SplitBolt{}, 4).ShuffleGrouping("sentences")
//	b.SetBolt("count", &CountBolt{}, 4).FieldsGrouping("split", core.NewFields("word"))
//	topology := b.CreateTopology()
//
// Mistakes (a duplicate id, an unknown component or stream, a field not
// declared) are reported when the topology is validated, at submission.
type TopologyBuilder struct {
	defs  []*componentDef
	byID  map[string]*componentDef
	errs  []error
	built bool
}

// NewTopologyBuilder returns an empty builder.
func NewTopologyBuilder() *TopologyBuilder {
	return &TopologyBuilder{byID: make(map[string]*componentDef)}
}

func (b *TopologyBuilder) add(d *componentDef) {
	if _, dup := b.byID[d.id]; dup {
		b.errs = append(b.errs, &TopologyError{Component: d.id, Reason: "id used by two components; component ids must be unique"})
		return
	}
	b.byID[d.id] = d
	b.defs = append(b.defs, d)
}

// SetSpout adds a spout with parallelism executors (Storm's parallelism
// hint), each running one task unless SetNumTasks says otherwise.
func (b *TopologyBuilder) SetSpout(id string, spout Spout, parallelism int) *SpoutDeclarer {
	d := &componentDef{id: id, spout: spout, parallelism: parallelism, conf: Config{}}
	b.add(d)
	return &SpoutDeclarer{def: d}
}

// SetBolt adds a bolt with parallelism executors. bolt is a Bolt, a
// BasicBolt or a windowed bolt (see WindowedBolt); anything else is refused
// when the topology is validated.
func (b *TopologyBuilder) SetBolt(id string, bolt Component, parallelism int) *BoltDeclarer {
	d := &componentDef{id: id, bolt: bolt, parallelism: parallelism, conf: Config{}}
	b.add(d)
	return &BoltDeclarer{def: d, b: b}
}

// CreateTopology returns the topology built so far. The builder can go on
// being used; the topology does not change with it.
func (b *TopologyBuilder) CreateTopology() *StormTopology {
	t := &StormTopology{errs: append([]error(nil), b.errs...)}
	for _, d := range b.defs {
		c := *d
		c.inputs = append([]input(nil), d.inputs...)
		c.conf = d.conf.clone()
		t.defs = append(t.defs, &c)
	}
	return t
}

// StormTopology is a built topology, ready to submit.
type StormTopology struct {
	defs []*componentDef
	errs []error
}

// SpoutDeclarer configures a spout added with SetSpout.
type SpoutDeclarer struct{ def *componentDef }

// SetNumTasks sets the number of tasks, fixed for the topology's life; the
// executors share them. It must be at least the parallelism.
func (d *SpoutDeclarer) SetNumTasks(n int) *SpoutDeclarer { d.def.numTasks = n; return d }

// AddConfiguration sets a configuration key for this component only.
func (d *SpoutDeclarer) AddConfiguration(key string, value any) *SpoutDeclarer {
	d.def.conf[key] = value
	return d
}

// SetMaxSpoutPending sets topology.max.spout.pending for this spout.
func (d *SpoutDeclarer) SetMaxSpoutPending(n int) *SpoutDeclarer {
	return d.AddConfiguration(TopologyMaxSpoutPending, n)
}

// BoltDeclarer configures a bolt added with SetBolt: its tasks and the
// streams it subscribes to. Each grouping subscribes to the component's
// default stream, or to the stream named by the optional last argument.
type BoltDeclarer struct {
	def *componentDef
	b   *TopologyBuilder
}

// SetNumTasks sets the number of tasks, fixed for the topology's life.
func (d *BoltDeclarer) SetNumTasks(n int) *BoltDeclarer { d.def.numTasks = n; return d }

// AddConfiguration sets a configuration key for this component only, such
// as topology.tick.tuple.freq.secs.
func (d *BoltDeclarer) AddConfiguration(key string, value any) *BoltDeclarer {
	d.def.conf[key] = value
	return d
}

func (d *BoltDeclarer) subscribe(component string, g groupingKind, fields Fields, custom CustomStreamGrouping, stream []string) *BoltDeclarer {
	in := input{component: component, stream: DefaultStreamID, grouping: g, fields: fields, custom: custom}
	switch len(stream) {
	case 0:
	case 1:
		in.stream = stream[0]
	default:
		d.b.errs = append(d.b.errs, &TopologyError{Component: d.def.id,
			Reason: fmt.Sprintf("%s grouping on %q names streams %q; a grouping subscribes to one stream (add one grouping per stream)", g, component, stream)})
		return d
	}
	d.def.inputs = append(d.def.inputs, in)
	return d
}

// ShuffleGrouping spreads tuples over the bolt's tasks so that each gets
// an equal share.
func (d *BoltDeclarer) ShuffleGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingShuffle, Fields{}, nil, stream)
}

// FieldsGrouping sends tuples with equal values of fields to the same
// task: the hash of the values, modulo the number of tasks.
func (d *BoltDeclarer) FieldsGrouping(component string, fields Fields, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingFields, fields, nil, stream)
}

// PartialKeyGrouping is a fields grouping that splits each key over two
// candidate tasks, sending each tuple to the less loaded of the two
// ("the power of both choices"), so that a hot key does not overload one
// task. The bolt must combine the partial results of a key.
func (d *BoltDeclarer) PartialKeyGrouping(component string, fields Fields, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingPartialKey, fields, nil, stream)
}

// AllGrouping sends every tuple to every task of the bolt.
func (d *BoltDeclarer) AllGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingAll, Fields{}, nil, stream)
}

// GlobalGrouping sends every tuple to the bolt's task with the lowest id.
func (d *BoltDeclarer) GlobalGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingGlobal, Fields{}, nil, stream)
}

// NoneGrouping says the bolt does not care where tuples go; like Storm, it
// behaves as a shuffle grouping.
func (d *BoltDeclarer) NoneGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingNone, Fields{}, nil, stream)
}

// DirectGrouping lets the emitter choose the task with EmitDirect. The
// stream must be declared direct.
func (d *BoltDeclarer) DirectGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingDirect, Fields{}, nil, stream)
}

// LocalOrShuffleGrouping shuffles over the bolt's tasks in the emitter's
// worker when there are any, saving a network hop, and over all tasks
// otherwise.
func (d *BoltDeclarer) LocalOrShuffleGrouping(component string, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingLocalOrShuffle, Fields{}, nil, stream)
}

// CustomGrouping lets grouping choose the tasks of each tuple. Each
// emitting task gets its own shallow copy of grouping.
func (d *BoltDeclarer) CustomGrouping(component string, grouping CustomStreamGrouping, stream ...string) *BoltDeclarer {
	return d.subscribe(component, groupingCustom, Fields{}, grouping, stream)
}
