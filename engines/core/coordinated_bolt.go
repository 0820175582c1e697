package core

import (
	"fmt"
	"reflect"
)

// CoordStreamID is the direct stream on which a coordinated component tells
// each task of the coordinated components downstream of it how many tuples
// of a request it sent that task, once it has finished the request
// (Storm's CoordinatedBolt coordination stream). Its fields are
// ("id", "count").
const CoordStreamID = "__coord"

// IBatchBolt is a bolt that processes the tuples of one request (a batch)
// together and emits when all of them have arrived (Storm's IBatchBolt). A
// CoordinatedBolt makes a fresh instance per request id, as a shallow copy
// of the bolt given to it, calls Prepare with the id, Execute with each
// tuple of the request, and FinishBatch once every tuple of the request
// sent to this task has arrived. The first value of every input tuple is
// the request id.
//
// An error from Execute or FinishBatch fails the request: its tuple tree
// fails, and a DRPC request fails back to its client.
type IBatchBolt interface {
	Component
	Prepare(conf Config, context *TopologyContext, collector *BatchOutputCollector, id any) error
	Execute(input *Tuple) error
	FinishBatch() error
}

// BatchOutputCollector is the collector of an IBatchBolt (Storm's
// BatchOutputCollector). Every tuple it emits joins the request's tuple
// tree, and is counted for the coordination of the components downstream.
// Like every collector it is for the executor's goroutine only.
type BatchOutputCollector struct {
	c *CoordinatedBolt
	r *coordRequest
}

// Emit emits values on the default stream.
func (c *BatchOutputCollector) Emit(values Values) []int {
	return c.EmitStream(DefaultStreamID, values)
}

// EmitStream emits values on a named stream.
func (c *BatchOutputCollector) EmitStream(streamID string, values Values) []int {
	t := c.c.out.t
	tasks := t.emit(t.comp.byStream[streamID], streamID, c.r.anchor, nil, values, -1)
	c.r.count(tasks)
	return tasks
}

// EmitDirect emits values on a direct stream to one task.
func (c *BatchOutputCollector) EmitDirect(taskID int, streamID string, values Values) {
	t := c.c.out.t
	c.r.count(t.emit(t.comp.byStream[streamID], streamID, c.r.anchor, nil, values, taskID))
}

// ReportError records an error against the task.
func (c *BatchOutputCollector) ReportError(err error) { c.c.out.ReportError(err) }

// SourceArgs says how many tasks of a coordinated source report on each
// request (Storm's SourceArgs): every task of the source (All), because
// each of them sees every request, or the single task that handled it
// (Single), for a source such as DRPC's PrepareRequest where one task
// handles each request.
type SourceArgs struct{ single bool }

// SourceAll expects a report from every task of the source.
func SourceAll() SourceArgs { return SourceArgs{} }

// SourceSingle expects a report from one task of the source.
func SourceSingle() SourceArgs { return SourceArgs{single: true} }

// CoordinatedBolt runs an IBatchBolt or a BasicBolt so that it knows when
// it has seen every tuple of a request (Storm's CoordinatedBolt, on which
// LinearDRPCTopologyBuilder is built). The first value of every tuple is a
// request id. Each coordinated source, once it has finished a request,
// sends every task of this bolt a tuple on its CoordStreamID stream with
// the number of the request's tuples it sent that task. A task has
// finished a request when the reports of its sources are in (one per task
// of a SourceAll source, one for a SourceSingle source) and it has
// received as many tuples as they add up to, in whatever order tuples and
// reports arrive. It then calls FinishBatch, reports in its turn to the
// coordinated components that subscribe to its own CoordStreamID stream,
// and acks the request's tuples.
//
// Until then it holds the acks of the request's tuples, so the request's
// tuple tree cannot complete early; what the bolt emits is anchored on a
// held tuple, so it joins the tree. A request that does not finish within
// topology.message.timeout.secs (its tree failed or timed out upstream) is
// dropped and its tuples failed, as Storm's CoordinatedBolt forgets ids in
// a time-out map.
type CoordinatedBolt struct {
	delegate Component
	sources  map[string]SourceArgs
	idStream GlobalStreamID // when set, only the task given the id finishes its batch

	conf     Config
	ctx      *TopologyContext
	out      *OutputCollector
	expected int   // reports that finish a request
	targets  []int // tasks of the coordinated components downstream
	timeout  int   // ticks a request may live
	ticks    int
	requests map[any]*coordRequest
}

// NewCoordinatedBolt wraps delegate, an IBatchBolt or a BasicBolt, whose
// coordinated inputs are the components of sources.
func NewCoordinatedBolt(delegate Component, sources map[string]SourceArgs) *CoordinatedBolt {
	return &CoordinatedBolt{delegate: delegate, sources: sources}
}

// WithIDStream names a stream that gives each request id to one task of
// this bolt (Storm's IdStreamSpec): only that task calls its batch bolt's
// FinishBatch, the others finish the request silently. Storm's
// LinearDRPCTopologyBuilder uses it for the last bolt, so that one task
// emits the request's result. The stream's tuples are not given to the
// delegate.
func (b *CoordinatedBolt) WithIDStream(component, stream string) *CoordinatedBolt {
	b.idStream = GlobalStreamID{ComponentID: component, StreamID: stream}
	return b
}

// coordRequest is what a task knows of one request.
type coordRequest struct {
	id       any
	batch    IBatchBolt
	anchor   *Tuple   // the first held tuple: emits anchor on it
	held     []*Tuple // tuples whose acks wait for the request to finish
	received int      // data tuples from coordinated sources
	counted  int      // the sum of the counts reported
	reports  int
	sent     map[int]int // coordinated downstream task -> tuples sent
	failed   bool
	owner    bool // got the id on the id stream
	born     int  // tick count when first seen
}

func (r *coordRequest) count(tasks []int) {
	for _, t := range tasks {
		if _, ok := r.sent[t]; ok {
			r.sent[t]++
		}
	}
}

// ComponentConfiguration asks for a tick every second, on which requests
// older than the message timeout are dropped.
func (b *CoordinatedBolt) ComponentConfiguration() Config {
	return Config{TopologyTickTupleFreqSecs: 1}
}

// DeclareOutputFields declares the delegate's streams and CoordStreamID.
func (b *CoordinatedBolt) DeclareOutputFields(d OutputFieldsDeclarer) {
	b.delegate.DeclareOutputFields(d)
	d.DeclareStream(CoordStreamID, true, NewFields("id", "count"))
}

// Prepare prepares a BasicBolt delegate; an IBatchBolt is prepared per
// request.
func (b *CoordinatedBolt) Prepare(conf Config, ctx *TopologyContext, c *OutputCollector) error {
	b.conf, b.ctx, b.out = conf, ctx, c
	b.requests = make(map[any]*coordRequest)
	switch d := b.delegate.(type) {
	case IBatchBolt:
	case BasicBolt:
		b.delegate = cloneComponent(d)
		if err := b.delegate.(BasicBolt).Prepare(conf, ctx); err != nil {
			return err
		}
	default:
		return fmt.Errorf("coordinated bolt %q: %T is neither an IBatchBolt nor a BasicBolt", ctx.ThisComponentID(), d)
	}
	for src, args := range b.sources {
		if args.single {
			b.expected++
		} else {
			b.expected += len(ctx.ComponentTasks(src))
		}
	}
	me := ctx.comp
	if m, ok := me.byStream[CoordStreamID]; ok {
		for _, sub := range me.subs[m.index] {
			b.targets = append(b.targets, sub.consumer.tasks...)
		}
	}
	b.timeout = 30
	if n, ok := conf.Int(TopologyMessageTimeoutSecs); ok && n > 0 {
		b.timeout = n
	}
	return nil
}

// Execute handles one tuple of a request, a coordination report or a tick.
func (b *CoordinatedBolt) Execute(t *Tuple) {
	if IsTick(t) {
		b.expire()
		b.out.Ack(t)
		return
	}
	if t.Size() == 0 {
		b.out.ReportError(fmt.Errorf("coordinated bolt %q: tuple from %q has no request id", b.ctx.ThisComponentID(), t.SourceComponent()))
		b.out.Fail(t)
		return
	}
	id := t.GetValue(0)
	if id == nil || !reflect.TypeOf(id).Comparable() {
		b.out.ReportError(fmt.Errorf("coordinated bolt %q: request id %v from %q is not comparable", b.ctx.ThisComponentID(), id, t.SourceComponent()))
		b.out.Fail(t)
		return
	}
	r := b.requests[id]
	if r == nil {
		r = b.start(id)
	}
	if r.failed {
		b.out.Fail(t)
		return
	}
	r.held = append(r.held, t)
	if r.anchor == nil {
		r.anchor = t
	}
	_, coordinated := b.sources[t.SourceComponent()]
	switch {
	case t.SourceStreamID() == CoordStreamID && coordinated:
		r.reports++
		if n, ok := asInt(t.GetValue(1)); ok {
			r.counted += n
		}
	case t.SourceComponent() == b.idStream.ComponentID && t.SourceStreamID() == b.idStream.StreamID:
		r.owner = true
		if coordinated {
			r.received++
		}
	default:
		if coordinated {
			r.received++
		}
		if err := b.call(func() error { return b.executeDelegate(r, t) }); err != nil {
			b.fail(r, err)
			return
		}
	}
	if r.reports >= b.expected && r.received >= r.counted {
		b.finish(r)
	}
}

// start begins a request, with a fresh batch bolt for it.
func (b *CoordinatedBolt) start(id any) *coordRequest {
	r := &coordRequest{id: id, born: b.ticks, sent: make(map[int]int, len(b.targets))}
	for _, t := range b.targets {
		r.sent[t] = 0
	}
	b.requests[id] = r
	if proto, ok := b.delegate.(IBatchBolt); ok {
		r.batch = cloneComponent(proto)
		if err := b.call(func() error {
			return r.batch.Prepare(b.conf, b.ctx, &BatchOutputCollector{c: b, r: r}, id)
		}); err != nil {
			r.failed = true
			b.out.ReportError(fmt.Errorf("coordinated bolt %q: prepare of request %v: %w", b.ctx.ThisComponentID(), id, err))
		}
	}
	return r
}

func (b *CoordinatedBolt) executeDelegate(r *coordRequest, t *Tuple) error {
	if r.batch != nil {
		return r.batch.Execute(t)
	}
	c := &BasicOutputCollector{t: b.out.t, input: t, sent: r.count}
	return b.delegate.(BasicBolt).Execute(t, c)
}

// call runs f, turning a panic into an error, so that one bad request
// does not lose the others this task holds.
func (b *CoordinatedBolt) call(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

// finish ends a request: FinishBatch, the reports downstream, the acks.
func (b *CoordinatedBolt) finish(r *coordRequest) {
	delete(b.requests, r.id)
	if r.batch != nil && (r.owner || b.idStream.ComponentID == "") {
		if err := b.call(r.batch.FinishBatch); err != nil {
			r.failed = true
			b.failHeld(r, err)
			return
		}
	}
	t := b.out.t
	m := t.comp.byStream[CoordStreamID]
	for _, task := range b.targets {
		t.emit(m, CoordStreamID, r.anchor, nil, Values{r.id, r.sent[task]}, task)
	}
	for _, h := range r.held {
		b.out.Ack(h)
	}
}

// fail fails a request: its held tuples now, its later tuples as they come.
func (b *CoordinatedBolt) fail(r *coordRequest, err error) {
	r.failed = true
	b.failHeld(r, err)
}

func (b *CoordinatedBolt) failHeld(r *coordRequest, err error) {
	if err != nil {
		b.out.ReportError(fmt.Errorf("coordinated bolt %q: request %v failed: %w", b.ctx.ThisComponentID(), r.id, err))
	}
	for _, h := range r.held {
		b.out.Fail(h)
	}
	r.held, r.anchor = nil, nil
}

// expire drops requests older than the message timeout.
func (b *CoordinatedBolt) expire() {
	b.ticks++
	for id, r := range b.requests {
		if b.ticks-r.born > b.timeout {
			delete(b.requests, id)
			if !r.failed {
				b.failHeld(r, nil)
			}
		}
	}
}

// Cleanup cleans up a BasicBolt delegate.
func (b *CoordinatedBolt) Cleanup() {
	if d, ok := b.delegate.(BasicBolt); ok {
		d.Cleanup()
	}
}
