package core

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"
)

// boltKind tells how the executor calls a bolt.
type boltKind int

const (
	kindRich boltKind = iota
	kindBasic
	kindWindowed
)

// plan is a validated topology: its components with their streams,
// subscriptions and task ids, and the merged configuration.
type plan struct {
	name     string
	conf     Config
	comps    []*compPlan // sorted by id
	byID     map[string]*compPlan
	numTasks int         // task ids run from 1 to numTasks
	taskComp []*compPlan // by task id
	ackers   []int       // acker task ids
	seed     uint64
	timeout  time.Duration // 0: message timeouts disabled
}

// compPlan is one component of a plan.
type compPlan struct {
	id        string
	def       *componentDef // nil for the acker
	isSpout   bool
	isAcker   bool
	boltKind  boltKind
	tasks     []int
	executors int
	conf      Config
	streams   []*streamMeta
	byStream  map[string]*streamMeta
	defStream *streamMeta // byStream["default"], looked up once
	// subs lists, per stream index, the subscriptions to that stream.
	subs [][]*subscription
	// tick is the tick tuple period, 0 for none.
	tick       time.Duration
	maxPending int // 0: no limit
	batchSize  int
	queueCap   int // receive queue capacity in batches
	sampleN    uint64
	debug      bool
}

// subscription is one bolt's input from a stream.
type subscription struct {
	consumer *compPlan
	in       input
	fieldIdx []int
}

func (c *compPlan) defaultStream() *streamMeta { return c.defStream }

// buildPlan validates topology t under the layered configuration and lays
// out its tasks. Every problem found is reported, joined, not just the
// first.
func buildPlan(name string, clusterConf Config, conf Config, t *StormTopology, seed uint64) (*plan, error) {
	if t == nil {
		return nil, &TopologyError{Reason: "topology is nil; build one with TopologyBuilder.CreateTopology"}
	}
	var errs []error
	errs = append(errs, t.errs...)
	if name == "" || strings.ContainsAny(name, "/\\:") {
		errs = append(errs, &TopologyError{Reason: fmt.Sprintf("topology name %q must be non-empty and contain no / \\ :", name)})
	}
	topoConf, err := mergeConfigs(namedConfig{"storm.yaml", clusterConf}, namedConfig{"topology config", conf})
	if err != nil {
		return nil, err
	}
	topoConf[TopologyName] = name
	p := &plan{name: name, conf: topoConf, byID: make(map[string]*compPlan), seed: seed}
	if topoConf.Bool(TopologyEnableMessageTimeouts) {
		secs, _ := topoConf.Int(TopologyMessageTimeoutSecs)
		p.timeout = time.Duration(secs) * time.Second
	}

	spouts := 0
	for _, d := range t.defs {
		c, cerrs := planComponent(d, topoConf)
		errs = append(errs, cerrs...)
		if c == nil {
			continue
		}
		if c.isSpout {
			spouts++
		}
		p.byID[c.id] = c
		p.comps = append(p.comps, c)
	}
	if len(t.defs) > 0 && spouts == 0 {
		errs = append(errs, &TopologyError{Reason: "no spouts; a topology needs at least one SetSpout"})
	}
	if len(t.defs) == 0 {
		errs = append(errs, &TopologyError{Reason: "no components; add spouts and bolts with SetSpout and SetBolt"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, c := range p.comps {
		errs = append(errs, p.subscribe(c)...)
	}
	if len(errs) == 0 {
		if cyc := p.cycle(); cyc != nil {
			errs = append(errs, &TopologyError{Reason: fmt.Sprintf("cycle %s: a loop of bolts can deadlock once its queues fill (backpressure), so it is refused", strings.Join(cyc, " -> "))})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Storm's default of one acker executor per worker; zero turns
	// tracking off.
	ackers, ok := topoConf.Int(TopologyAckerExecutors)
	if !ok {
		ackers, _ = topoConf.Int(TopologyWorkers)
	}
	if ackers > 0 {
		a := &compPlan{id: AckerComponentID, isAcker: true, executors: ackers, conf: topoConf,
			tasks: make([]int, ackers), byStream: map[string]*streamMeta{}}
		a.finish(topoConf)
		p.comps = append(p.comps, a)
		p.byID[a.id] = a
	}

	// Task ids: contiguous per component, components in id order, from 1.
	sort.Slice(p.comps, func(i, j int) bool { return p.comps[i].id < p.comps[j].id })
	p.taskComp = []*compPlan{nil}
	next := 1
	for _, c := range p.comps {
		for i := range c.tasks {
			c.tasks[i] = next
			p.taskComp = append(p.taskComp, c)
			next++
		}
		if c.isAcker {
			p.ackers = c.tasks
		}
	}
	p.numTasks = next - 1
	return p, nil
}

// planComponent checks one component on its own: id, parallelism, kind,
// configuration and declared streams.
func planComponent(d *componentDef, topoConf Config) (*compPlan, []error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, &TopologyError{Component: d.id, Reason: fmt.Sprintf(format, args...)})
	}
	if d.id == "" {
		bad("empty component id")
	} else if strings.HasPrefix(d.id, "__") {
		bad("ids starting with __ are reserved for system components (%s, %s)", AckerComponentID, SystemComponentID)
	}
	c := &compPlan{id: d.id, def: d, isSpout: d.spout != nil, byStream: make(map[string]*streamMeta)}
	var comp Component
	switch {
	case d.spout != nil:
		if isNil(d.spout) {
			bad("spout is nil")
			return nil, errs
		}
		comp = d.spout
	case d.bolt == nil || isNil(d.bolt):
		bad("bolt is nil")
		return nil, errs
	default:
		comp = d.bolt
		switch d.bolt.(type) {
		case WindowedBolt:
			c.boltKind = kindWindowed
			if err := d.bolt.(WindowedBolt).windowing().validate(topoConf); err != nil {
				bad("%v", err)
			}
		case Bolt:
			c.boltKind = kindRich
		case BasicBolt:
			c.boltKind = kindBasic
		default:
			bad("%T is neither a Bolt, a BasicBolt nor a WindowedBolt", d.bolt)
		}
	}
	if d.parallelism < 1 {
		bad("parallelism %d must be at least 1", d.parallelism)
	}
	if d.numTasks != 0 && d.numTasks < d.parallelism {
		bad("parallelism %d is more than its %d tasks; an executor runs at least one task", d.parallelism, d.numTasks)
	}
	if d.numTasks < 0 {
		bad("number of tasks %d must be positive", d.numTasks)
	}
	if !c.isSpout && len(d.inputs) == 0 {
		bad("bolt subscribes to no stream; add a grouping such as ShuffleGrouping")
	}

	// Component configuration: the component's own, then the declarer's.
	layers := []namedConfig{{"topology config", topoConf}}
	if cc, ok := comp.(ComponentConfigurer); ok {
		layers = append(layers, namedConfig{fmt.Sprintf("component %q configuration", d.id), cc.ComponentConfiguration()})
	}
	layers = append(layers, namedConfig{fmt.Sprintf("component %q configuration", d.id), d.conf})
	conf, err := mergeConfigs(layers...)
	if err != nil {
		errs = append(errs, err)
		return nil, errs
	}
	c.conf = conf

	// Declared streams.
	var dec declarer
	if err := safeCall(func() { comp.DeclareOutputFields(&dec) }); err != nil {
		bad("DeclareOutputFields: %v", err)
	}
	if c.boltKind == kindWindowed {
		if late := d.bolt.(WindowedBolt).windowing().lateStream; late != "" {
			dec.DeclareStream(late, false, NewFields(lateTupleField))
		}
	}
	for _, e := range dec.errs {
		bad("%s", e)
	}
	for i, s := range dec.streams {
		if s.id == "" || strings.HasPrefix(s.id, "__") && s.id != CoordStreamID {
			bad("stream id %q is empty or reserved (ids starting with __ belong to the system)", s.id)
		}
		if dup := s.fields.duplicate(); dup != "" {
			bad("stream %q declares field %q twice", s.id, dup)
		}
		m := &streamMeta{component: d.id, stream: s.id, fields: s.fields, direct: s.direct, index: i}
		c.streams = append(c.streams, m)
		c.byStream[s.id] = m
	}
	c.subs = make([][]*subscription, len(c.streams))
	c.defStream = c.byStream[DefaultStreamID]
	c.executors = d.parallelism
	c.tasks = make([]int, d.tasks())
	c.finish(conf)
	return c, errs
}

// finish derives the executor settings from the component's configuration.
func (c *compPlan) finish(conf Config) {
	if secs, ok := conf.Int(TopologyTickTupleFreqSecs); ok && !c.isAcker {
		c.tick = time.Duration(secs) * time.Second
	}
	if n, ok := conf.Int(TopologyMaxSpoutPending); ok {
		c.maxPending = n
	}
	c.batchSize, _ = conf.Int(TopologyProducerBatchSize)
	buf, _ := conf.Int(TopologyExecutorReceiveBufferSize)
	c.queueCap = max(1, buf/c.batchSize)
	rate := conf.Float(TopologyStatsSampleRate)
	c.sampleN = uint64(max(1, int(1/rate+0.5)))
	c.debug = conf.Bool(TopologyDebug)
}

// subscribe checks c's inputs and records them with the streams they read.
func (p *plan) subscribe(c *compPlan) []error {
	if c.def == nil {
		return nil
	}
	var errs []error
	for _, in := range c.def.inputs {
		bad := func(format string, args ...any) {
			errs = append(errs, &TopologyError{Component: c.id, Reason: fmt.Sprintf("input from %q stream %q: ", in.component, in.stream) + fmt.Sprintf(format, args...)})
		}
		src, ok := p.byID[in.component]
		if !ok {
			bad("no such component (components: %s)", strings.Join(p.ids(), ", "))
			continue
		}
		s, ok := src.byStream[in.stream]
		if !ok {
			var ids []string
			for _, m := range src.streams {
				ids = append(ids, m.stream)
			}
			bad("%q declares no such stream (streams: %s)", in.component, strings.Join(ids, ", "))
			continue
		}
		sub := &subscription{consumer: c, in: in}
		switch in.grouping {
		case groupingFields, groupingPartialKey:
			if in.fields.Size() == 0 {
				bad("%s grouping needs at least one field", in.grouping)
				continue
			}
			idx, err := s.fields.indexes(in.fields)
			if err != nil {
				bad("%s grouping: %v", in.grouping, err)
				continue
			}
			sub.fieldIdx = idx
		case groupingCustom:
			if in.custom == nil || isNil(in.custom) {
				bad("custom grouping is nil")
				continue
			}
		}
		if s.direct && in.grouping != groupingDirect {
			bad("the stream is direct, so it needs DirectGrouping, not %s grouping", in.grouping)
			continue
		}
		if !s.direct && in.grouping == groupingDirect {
			bad("DirectGrouping needs a direct stream; declare it with DeclareStream(%q, true, fields)", in.stream)
			continue
		}
		for _, other := range p.subsOf(src, s) {
			if other.consumer == c {
				bad("subscribed twice to the same stream")
			}
		}
		src.subs[s.index] = append(src.subs[s.index], sub)
	}
	return errs
}

func (p *plan) subsOf(c *compPlan, s *streamMeta) []*subscription { return c.subs[s.index] }

func (p *plan) ids() []string {
	var ids []string
	for _, c := range p.comps {
		ids = append(ids, c.id)
	}
	slices.Sort(ids)
	return ids
}

// cycle returns a loop of components, or nil.
func (p *plan) cycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make(map[string]int)
	var stack []string
	var found []string
	var visit func(c *compPlan) bool
	visit = func(c *compPlan) bool {
		color[c.id] = grey
		stack = append(stack, c.id)
		for _, subs := range c.subs {
			for _, s := range subs {
				switch color[s.consumer.id] {
				case grey:
					i := slices.Index(stack, s.consumer.id)
					found = append(slices.Clone(stack[i:]), s.consumer.id)
					return true
				case white:
					if visit(s.consumer) {
						return true
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[c.id] = black
		return false
	}
	for _, id := range p.ids() {
		if color[id] == white && visit(p.byID[id]) {
			return found
		}
	}
	return nil
}

// safeCall runs fn, turning a panic into an error.
func safeCall(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// cloneComponent returns a shallow copy of the value v points to, so that
// each task has its own instance, as Storm's serialization gives each task
// its own copy of a component.
func cloneComponent[T any](v T) T {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return v
	}
	cp := reflect.New(rv.Elem().Type())
	cp.Elem().Set(rv.Elem())
	return cp.Interface().(T)
}
