package drpc

import (
	"fmt"
	"math/rand/v2"

	"github.com/streambench/streambench/engines/core"
)

// Component ids of a linear DRPC topology, as Storm names them.
const (
	SpoutID         = "spout"
	PrepareID       = "prepare-request"
	JoinResultID    = "join-result"
	ReturnResultsID = "return-results"
)

// Streams of PrepareRequest (Storm's PrepareRequest.ARGS_STREAM and
// RETURN_STREAM).
const (
	ArgsStream   = "args"
	ReturnStream = "ret"
	IDStream     = "id"
)

// BoltID is the component id of the i-th bolt added, from 0.
func BoltID(i int) string { return fmt.Sprintf("bolt%d", i) }

// LinearDRPCTopologyBuilder builds a DRPC topology from a chain of bolts
// (Storm's LinearDRPCTopologyBuilder). The first bolt gets tuples
// ("request", "args"), the request's id and arguments; every bolt's tuples
// carry the request id first; the last bolt emits (id, result). Each bolt
// is an IBatchBolt or a BasicBolt, run by a CoordinatedBolt, so that a
// batch bolt's FinishBatch runs once every tuple of its request has
// reached it; a request's tuples are acked only when it is finished.
//
// The topology it creates is
//
//	spout (DRPCSpout) -> prepare-request -> bolt0 -> ... -> boltN-1 -> join-result -> return-results
//
// where prepare-request gives each request a random 64-bit id and sends the
// return-info to join-result, which joins it with the last bolt's result
// (fields grouping on the id) for ReturnResults. A request the chain
// finishes without a result, whose tuple fails, or that outlives
// topology.message.timeout.secs fails back to its client.
type LinearDRPCTopologyBuilder struct {
	function string
	bolts    []*LinearDRPCInputDeclarer
}

// NewLinearDRPCTopologyBuilder returns a builder for function.
func NewLinearDRPCTopologyBuilder(function string) *LinearDRPCTopologyBuilder {
	return &LinearDRPCTopologyBuilder{function: function}
}

// LinearDRPCInputDeclarer says how a bolt of the chain gets the previous
// bolt's tuples (Storm's LinearDRPCInputDeclarer): shuffled unless said
// otherwise (for the first bolt, from prepare-request's "args" stream).
type LinearDRPCInputDeclarer struct {
	bolt        core.Component
	parallelism int
	numTasks    int
	conf        core.Config
	grouping    func(d *core.BoltDeclarer, source, stream string)
	stream      string
}

// AddBolt adds bolt, an IBatchBolt or a BasicBolt, at the end of the chain
// with parallelism executors.
func (b *LinearDRPCTopologyBuilder) AddBolt(bolt core.Component, parallelism int) *LinearDRPCInputDeclarer {
	d := &LinearDRPCInputDeclarer{bolt: bolt, parallelism: parallelism, conf: core.Config{}}
	b.bolts = append(b.bolts, d)
	return d
}

func (d *LinearDRPCInputDeclarer) set(stream []string, g func(*core.BoltDeclarer, string, string)) *LinearDRPCInputDeclarer {
	if len(stream) > 0 {
		d.stream = stream[0]
	}
	d.grouping = g
	return d
}

// ShuffleGrouping spreads the previous bolt's tuples evenly.
func (d *LinearDRPCInputDeclarer) ShuffleGrouping(stream ...string) *LinearDRPCInputDeclarer {
	return d.set(stream, func(b *core.BoltDeclarer, src, s string) { b.ShuffleGrouping(src, s) })
}

// FieldsGrouping sends tuples with equal fields to the same task.
func (d *LinearDRPCInputDeclarer) FieldsGrouping(fields core.Fields, stream ...string) *LinearDRPCInputDeclarer {
	return d.set(stream, func(b *core.BoltDeclarer, src, s string) { b.FieldsGrouping(src, fields, s) })
}

// GlobalGrouping sends every tuple to one task.
func (d *LinearDRPCInputDeclarer) GlobalGrouping(stream ...string) *LinearDRPCInputDeclarer {
	return d.set(stream, func(b *core.BoltDeclarer, src, s string) { b.GlobalGrouping(src, s) })
}

// AllGrouping sends every tuple to every task.
func (d *LinearDRPCInputDeclarer) AllGrouping(stream ...string) *LinearDRPCInputDeclarer {
	return d.set(stream, func(b *core.BoltDeclarer, src, s string) { b.AllGrouping(src, s) })
}

// NoneGrouping says the bolt does not care (a shuffle).
func (d *LinearDRPCInputDeclarer) NoneGrouping(stream ...string) *LinearDRPCInputDeclarer {
	return d.set(stream, func(b *core.BoltDeclarer, src, s string) { b.NoneGrouping(src, s) })
}

// SetNumTasks sets the bolt's number of tasks.
func (d *LinearDRPCInputDeclarer) SetNumTasks(n int) *LinearDRPCInputDeclarer {
	d.numTasks = n
	return d
}

// AddConfiguration sets a configuration key for the bolt only.
func (d *LinearDRPCInputDeclarer) AddConfiguration(key string, value any) *LinearDRPCInputDeclarer {
	d.conf[key] = value
	return d
}

// CreateLocalTopology builds the topology on a server in this process.
func (b *LinearDRPCTopologyBuilder) CreateLocalTopology(d *LocalDRPC) *core.StormTopology {
	return b.CreateTopology(d)
}

// CreateRemoteTopology builds the topology on the server whose
// invocations side is at invocationsURL (a `streambench drpc` server).
func (b *LinearDRPCTopologyBuilder) CreateRemoteTopology(invocationsURL string) (*core.StormTopology, error) {
	c, err := NewInvocationsClient(invocationsURL)
	if err != nil {
		return nil, err
	}
	return b.CreateTopology(c), nil
}

// CreateTopology builds the topology on inv.
func (b *LinearDRPCTopologyBuilder) CreateTopology(inv Invocations) *core.StormTopology {
	tb := core.NewTopologyBuilder()
	tb.SetSpout(SpoutID, NewDRPCSpout(b.function, inv), 1)
	last := len(b.bolts) - 1
	targets := []string{JoinResultID}
	if last >= 0 {
		targets = append(targets, BoltID(0))
	}
	lastIsBatch := false
	if last >= 0 {
		_, lastIsBatch = b.bolts[last].bolt.(core.IBatchBolt)
	}
	if lastIsBatch && last > 0 {
		targets = append(targets, BoltID(last))
	}
	tb.SetBolt(PrepareID, &PrepareRequest{Targets: targets}, 1).NoneGrouping(SpoutID)
	source, sourceArgs, stream := PrepareID, core.SourceSingle(), ArgsStream
	for i, d := range b.bolts {
		id := BoltID(i)
		sources := map[string]core.SourceArgs{source: sourceArgs}
		cb := core.NewCoordinatedBolt(d.bolt, sources)
		if i == last && lastIsBatch {
			// Storm's IdStreamSpec: one task of the last bolt owns each
			// request and emits its result.
			sources[PrepareID] = core.SourceSingle()
			cb.WithIDStream(PrepareID, IDStream)
		}
		bd := tb.SetBolt(id, cb, d.parallelism)
		if d.numTasks > 0 {
			bd.SetNumTasks(d.numTasks)
		}
		for k, v := range d.conf {
			bd.AddConfiguration(k, v)
		}
		in := stream
		if d.stream != "" && i > 0 {
			in = d.stream
		}
		g := d.grouping
		if g == nil {
			g = func(b *core.BoltDeclarer, src, s string) { b.ShuffleGrouping(src, s) }
		}
		g(bd, source, in)
		bd.DirectGrouping(source, core.CoordStreamID)
		if i == last && lastIsBatch {
			bd.FieldsGrouping(PrepareID, core.NewFields("request"), IDStream)
			if i > 0 {
				bd.DirectGrouping(PrepareID, core.CoordStreamID)
			}
		}
		source, sourceArgs, stream = id, core.SourceAll(), core.DefaultStreamID
	}
	join := tb.SetBolt(JoinResultID, core.NewCoordinatedBolt(&JoinResult{}, map[string]core.SourceArgs{
		PrepareID: core.SourceSingle(), source: sourceArgs}), 1)
	join.FieldsGrouping(PrepareID, core.NewFields("request"), ReturnStream).DirectGrouping(PrepareID, core.CoordStreamID)
	if source != PrepareID {
		join.FieldsGrouping(source, core.NewFields(firstField(b.bolts[len(b.bolts)-1].bolt)), stream).DirectGrouping(source, core.CoordStreamID)
	}
	tb.SetBolt(ReturnResultsID, &ReturnResults{}, 1).NoneGrouping(JoinResultID)
	return tb.CreateTopology()
}

// firstField is the first field of a component's default stream: the
// request id of the last bolt's (id, result).
func firstField(c core.Component) string {
	var f fieldsOf
	c.DeclareOutputFields(&f)
	if len(f.fields) == 0 {
		return "id"
	}
	return f.fields[0]
}

type fieldsOf struct{ fields []string }

func (f *fieldsOf) Declare(fields core.Fields) { f.DeclareStream(core.DefaultStreamID, false, fields) }
func (f *fieldsOf) DeclareStream(id string, _ bool, fields core.Fields) {
	if id == core.DefaultStreamID {
		f.fields = fields.ToList()
	}
}

// PrepareRequest starts a request in a linear DRPC topology (Storm's
// PrepareRequest): it gives the request a random id, emits (request, args)
// on "args" to the first bolt, (request, return-info) on "ret" to
// join-result and (request) on "id" to the task of the last bolt that owns
// the request, and reports to every task of its Targets how many of the
// request's tuples each got (the coordination CoordinatedBolt waits for).
type PrepareRequest struct {
	core.BaseRichBolt
	Targets []string

	collector *core.OutputCollector
	tasks     []int
	sent      map[int]int
}

// DeclareOutputFields declares "args", "ret" and the coordination stream.
func (*PrepareRequest) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.DeclareStream(ArgsStream, false, core.NewFields("request", "args"))
	d.DeclareStream(ReturnStream, false, core.NewFields("request", "return"))
	d.DeclareStream(IDStream, false, core.NewFields("request"))
	d.DeclareStream(core.CoordStreamID, true, core.NewFields("id", "count"))
}

// Prepare finds the tasks of the coordinated components downstream.
func (p *PrepareRequest) Prepare(_ core.Config, ctx *core.TopologyContext, c *core.OutputCollector) error {
	p.collector = c
	p.tasks = nil
	for _, t := range p.Targets {
		p.tasks = append(p.tasks, ctx.ComponentTasks(t)...)
	}
	p.sent = make(map[int]int, len(p.tasks))
	return nil
}

// Execute starts one request.
func (p *PrepareRequest) Execute(t *core.Tuple) {
	id := rand.Int64()
	clear(p.sent)
	for _, task := range p.collector.EmitStream(ArgsStream, t, core.Values{id, t.GetValue(0)}) {
		p.sent[task]++
	}
	for _, task := range p.collector.EmitStream(ReturnStream, t, core.Values{id, t.GetValue(1)}) {
		p.sent[task]++
	}
	for _, task := range p.collector.EmitStream(IDStream, t, core.Values{id}) {
		p.sent[task]++
	}
	for _, task := range p.tasks {
		p.collector.EmitDirect(task, core.CoordStreamID, t, core.Values{id, p.sent[task]})
	}
	p.collector.Ack(t)
}

// JoinResult joins a request's return-info with the last bolt's result
// (Storm's JoinResult), run as a batch bolt so that it knows when a
// request finished without a result and can fail it instead of leaving its
// client to time out.
type JoinResult struct {
	collector  *core.BatchOutputCollector
	id         any
	returnInfo any
	result     any
	hasResult  bool
}

// DeclareOutputFields declares ("result", "return-info").
func (*JoinResult) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("result", "return-info"))
}

// Prepare starts a request.
func (j *JoinResult) Prepare(_ core.Config, _ *core.TopologyContext, c *core.BatchOutputCollector, id any) error {
	j.collector, j.id = c, id
	return nil
}

// Execute keeps the return-info or the first result.
func (j *JoinResult) Execute(t *core.Tuple) error {
	if t.SourceComponent() == PrepareID {
		j.returnInfo = t.GetValue(1)
		return nil
	}
	if !j.hasResult && t.Size() > 1 {
		j.result, j.hasResult = t.GetValue(1), true
	}
	return nil
}

// FinishBatch emits the joined result; a request without one fails.
func (j *JoinResult) FinishBatch() error {
	switch {
	case j.returnInfo == nil:
		return nil // another task of join-result has the request
	case !j.hasResult:
		return fmt.Errorf("the last bolt emitted no result for request %v", j.id)
	}
	j.collector.Emit(core.Values{j.result, j.returnInfo})
	return nil
}
