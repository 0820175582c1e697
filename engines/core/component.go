package core

// Component is what every spout and bolt has: the declaration of the
// streams it emits (Storm's IComponent.declareOutputFields).
type Component interface {
	DeclareOutputFields(declarer OutputFieldsDeclarer)
}

// Spout is a source of streams (Storm's IRichSpout). Each task of a spout
// is driven by one executor goroutine that calls NextTuple, Ack and Fail in
// one loop, so a spout needs no locks; NextTuple must not block, because
// acks and fails wait while it runs. NextTuple is not called while the
// topology is deactivated, while the task has topology.max.spout.pending
// tuples in flight, or while its output waits for room downstream.
//
// Ack and Fail are called with the message id of a tuple emitted with
// SpoutOutputCollector.Emit, on the task that emitted it: Ack once its tuple
// tree completed, Fail once any tuple of the tree failed or the tree timed
// out. A spout that wants at-least-once delivery emits the message again
// on Fail.
//
// Each task works on its own copy of the spout given to SetSpout, made as
// a shallow copy of the value it points to (Storm serializes the spout
// and gives each task its own): keep per-task state in fields set by Open.
type Spout interface {
	Component
	// Open is called once per task before any other method. An error
	// refuses the topology at submission.
	Open(conf Config, context *TopologyContext, collector *SpoutOutputCollector) error
	NextTuple()
	Ack(msgID any)
	Fail(msgID any)
	// Activate is called when the task starts in an active topology and
	// whenever the topology is activated; Deactivate when it is
	// deactivated (and before a kill or a rebalance).
	Activate()
	Deactivate()
	// Close is called once when the topology is killed.
	Close()
}

// Bolt consumes streams and may emit new ones (Storm's IRichBolt). Every
// tuple it is given must be acked or failed through its OutputCollector,
// now or later: an un-acked tuple keeps its spout tuple's tree incomplete
// until the message timeout fails it.
//
// As with spouts, each task has its own shallow copy, and Execute runs on
// the task's executor goroutine.
type Bolt interface {
	Component
	// Prepare is called once per task before Execute. An error refuses
	// the topology at submission.
	Prepare(conf Config, context *TopologyContext, collector *OutputCollector) error
	Execute(input *Tuple)
	// Cleanup is called once when the topology is killed.
	Cleanup()
}

// BasicBolt is a bolt for the common case (Storm's IBasicBolt): every tuple
// it emits is anchored to the input, and the input is acked when Execute
// returns nil. Returning an error fails the input, as Storm's
// FailedException does; wrap it with ReportedFailure to also report it.
//
// The executor reuses the memory of a basic bolt's input tuples once
// Execute returns: copy what you keep from input, never keep input itself.
type BasicBolt interface {
	Component
	Prepare(conf Config, context *TopologyContext) error
	Execute(input *Tuple, collector *BasicOutputCollector) error
	Cleanup()
}

// ComponentConfigurer is implemented by components that carry their own
// configuration (Storm's getComponentConfiguration): it overrides the
// topology's for that component, as the declarer's AddConfiguration does.
type ComponentConfigurer interface {
	ComponentConfiguration() Config
}

// FiniteSpout is implemented by a spout over input that ends, such as a
// replayable log that has been closed. Exhausted is called on the spout's
// executor after a NextTuple that emitted nothing; once every spout task is
// exhausted and no tuple tree is pending, a Job has drained its input.
// A spout with failed tuples still to replay is not exhausted.
type FiniteSpout interface {
	Spout
	Exhausted() bool
}

// Flusher is implemented by bolts that buffer work, such as writes to a
// database or to a topic, and complete it in batches. The executor calls
// Flush after it has executed the input batches waiting in its queue, just
// before it hands on its own output batches: the moment Storm 2's batching
// executors flush their outgoing tuples. A bolt that acks its inputs only
// once their outputs are written keeps at-least-once delivery and writes in
// batches without holding tuples back.
type Flusher interface {
	Flush()
}

// TupleReuser is implemented by a Bolt that promises not to touch a tuple
// once it has acked or failed it and its Execute (or Flush) has returned.
// The executor then reuses the memory of a batch of input tuples once every
// tuple of it is settled, as it always does for a BasicBolt, instead of
// leaving each batch to the garbage collector. A bolt that acks in batches
// (holding tuples until a Flush) gains the most.
type TupleReuser interface {
	ReuseAckedTuples() bool
}

// BaseRichSpout provides no-op Ack, Fail, Activate, Deactivate and Close
// for embedding, like Storm's BaseRichSpout.
type BaseRichSpout struct{}

// Ack does nothing.
func (BaseRichSpout) Ack(any) {}

// Fail does nothing.
func (BaseRichSpout) Fail(any) {}

// Activate does nothing.
func (BaseRichSpout) Activate() {}

// Deactivate does nothing.
func (BaseRichSpout) Deactivate() {}

// Close does nothing.
func (BaseRichSpout) Close() {}

// BaseRichBolt provides a no-op Cleanup for embedding.
type BaseRichBolt struct{}

// Cleanup does nothing.
func (BaseRichBolt) Cleanup() {}

// BaseBasicBolt provides no-op Prepare and Cleanup for embedding.
type BaseBasicBolt struct{}

// Prepare does nothing.
func (BaseBasicBolt) Prepare(Config, *TopologyContext) error { return nil }

// Cleanup does nothing.
func (BaseBasicBolt) Cleanup() {}

// OutputFieldsDeclarer collects the streams a component emits.
type OutputFieldsDeclarer interface {
	// Declare declares the default stream.
	Declare(fields Fields)
	// DeclareStream declares a named stream; a direct stream is one whose
	// tuples the emitter sends to a task of its choice with EmitDirect.
	DeclareStream(streamID string, direct bool, fields Fields)
}

// declaredStream is one stream a component declared.
type declaredStream struct {
	id     string
	direct bool
	fields Fields
}

type declarer struct {
	streams []declaredStream
	errs    []string
}

func (d *declarer) Declare(fields Fields) { d.DeclareStream(DefaultStreamID, false, fields) }

func (d *declarer) DeclareStream(id string, direct bool, fields Fields) {
	for _, s := range d.streams {
		if s.id == id {
			d.errs = append(d.errs, "stream "+quote(id)+" declared twice")
			return
		}
	}
	d.streams = append(d.streams, declaredStream{id: id, direct: direct, fields: fields})
}

func quote(s string) string { return "\"" + s + "\"" }
