package core

import (
	"errors"
	"fmt"
)

// OutputCollector is how a Bolt emits tuples and acks or fails its inputs
// (Storm's OutputCollector). Anchoring an emitted tuple on an input adds it
// to the input's tuple tree, so that the spout tuple at the root is not
// acked until the new tuple is acked as well; an unanchored tuple is not
// tracked. Every emit returns the ids of the tasks the tuple was sent to;
// the slice is reused by the next emit.
//
// As in Storm 2, a collector is not safe for concurrent use: call it from
// the bolt's Execute, Flush or Prepare, on the executor's goroutine.
type OutputCollector struct{ t *task }

// Emit emits values on the default stream, anchored on anchor (nil for an
// unanchored tuple).
func (c *OutputCollector) Emit(anchor *Tuple, values Values) []int {
	return c.t.emit(c.t.comp.defaultStream(), DefaultStreamID, anchor, nil, values, -1)
}

// EmitAnchors emits values on the default stream anchored on several
// inputs (multi-anchoring: the tuple joins every input's tree).
func (c *OutputCollector) EmitAnchors(anchors []*Tuple, values Values) []int {
	return c.t.emit(c.t.comp.defaultStream(), DefaultStreamID, nil, anchors, values, -1)
}

// EmitStream emits values on a named stream, anchored on anchor (or nil).
func (c *OutputCollector) EmitStream(streamID string, anchor *Tuple, values Values) []int {
	return c.t.emit(c.t.comp.byStream[streamID], streamID, anchor, nil, values, -1)
}

// EmitStreamAnchors emits values on a named stream anchored on anchors.
func (c *OutputCollector) EmitStreamAnchors(streamID string, anchors []*Tuple, values Values) []int {
	return c.t.emit(c.t.comp.byStream[streamID], streamID, nil, anchors, values, -1)
}

// EmitDirect emits values on a direct stream to one task of a component
// that subscribes to it with DirectGrouping.
func (c *OutputCollector) EmitDirect(taskID int, streamID string, anchor *Tuple, values Values) {
	c.t.emit(c.t.comp.byStream[streamID], streamID, anchor, nil, values, taskID)
}

// EmitDirectAnchors is EmitDirect with several anchors.
func (c *OutputCollector) EmitDirectAnchors(taskID int, streamID string, anchors []*Tuple, values Values) {
	c.t.emit(c.t.comp.byStream[streamID], streamID, nil, anchors, values, taskID)
}

// Ack marks input as processed: once it and every tuple anchored on it
// are acked, its spout tuple's tree completes.
func (c *OutputCollector) Ack(input *Tuple) { c.t.ack(input) }

// Fail fails input's tuple trees at once: their spout tasks get Fail
// without waiting for the message timeout.
func (c *OutputCollector) Fail(input *Tuple) { c.t.fail(input) }

// ReportError records an error against the task. It shows in the
// topology's errors and metrics; the topology goes on running.
func (c *OutputCollector) ReportError(err error) { c.t.reportError(err) }

// ResetTimeout restarts the message timeout of input's tuple trees, for a
// bolt that holds a tuple longer than the timeout on purpose (Storm 2's
// resetTimeout, the answer to STORM-1549): the acker and the spout task
// both move the tree to their newest bucket.
func (c *OutputCollector) ResetTimeout(input *Tuple) { c.t.resetTimeout(input) }

// SpoutOutputCollector is how a Spout emits tuples (Storm's
// SpoutOutputCollector). A tuple emitted with a non-nil message id is
// tracked: the spout's Ack or Fail is called with that id once its tree
// completes or fails. Like OutputCollector it is for the executor's
// goroutine only.
type SpoutOutputCollector struct{ t *task }

// Emit emits values on the default stream; msgID nil means untracked.
func (c *SpoutOutputCollector) Emit(values Values, msgID any) []int {
	return c.t.spoutEmit(c.t.comp.defaultStream(), DefaultStreamID, values, msgID, -1)
}

// EmitStream emits values on a named stream.
func (c *SpoutOutputCollector) EmitStream(streamID string, values Values, msgID any) []int {
	return c.t.spoutEmit(c.t.comp.byStream[streamID], streamID, values, msgID, -1)
}

// EmitDirect emits values on a direct stream to one task.
func (c *SpoutOutputCollector) EmitDirect(taskID int, streamID string, values Values, msgID any) {
	c.t.spoutEmit(c.t.comp.byStream[streamID], streamID, values, msgID, taskID)
}

// ReportError records an error against the task.
func (c *SpoutOutputCollector) ReportError(err error) { c.t.reportError(err) }

// Pending returns the number of tuples this task has in flight: emitted
// with a message id and neither acked nor failed yet.
func (c *SpoutOutputCollector) Pending() int {
	if c.t.pending == nil {
		return 0
	}
	return c.t.pending.len()
}

// BasicOutputCollector is the collector of a BasicBolt: every emit is
// anchored on the input being executed.
type BasicOutputCollector struct {
	t     *task
	input *Tuple
	// sent, when set, is told the tasks of every emit: a CoordinatedBolt
	// counts what its basic bolt sends to each task.
	sent func(tasks []int)
}

// Emit emits values on the default stream, anchored on the input.
func (c *BasicOutputCollector) Emit(values Values) []int {
	return c.counted(c.t.emit(c.t.comp.defaultStream(), DefaultStreamID, c.input, nil, values, -1))
}

// EmitStream emits values on a named stream, anchored on the input.
func (c *BasicOutputCollector) EmitStream(streamID string, values Values) []int {
	return c.counted(c.t.emit(c.t.comp.byStream[streamID], streamID, c.input, nil, values, -1))
}

// EmitDirect emits values on a direct stream to one task, anchored on the
// input.
func (c *BasicOutputCollector) EmitDirect(taskID int, streamID string, values Values) {
	c.counted(c.t.emit(c.t.comp.byStream[streamID], streamID, c.input, nil, values, taskID))
}

func (c *BasicOutputCollector) counted(tasks []int) []int {
	if c.sent != nil {
		c.sent(tasks)
	}
	return tasks
}

// ReportError records an error against the task.
func (c *BasicOutputCollector) ReportError(err error) { c.t.reportError(err) }

// reportedFailure is an error that fails a basic bolt's input and is also
// reported, like Storm's ReportedFailedException.
type reportedFailure struct{ err error }

func (r *reportedFailure) Error() string { return r.err.Error() }
func (r *reportedFailure) Unwrap() error { return r.err }

// ReportedFailure wraps err so that a BasicBolt returning it both fails
// its input and reports err.
func ReportedFailure(err error) error { return &reportedFailure{err: err} }

func isReported(err error) bool {
	var r *reportedFailure
	return errors.As(err, &r)
}

// emitError raises an invalid emit as a panic, which the executor turns
// into a reported error and a failed input, as Storm turns the exception
// an invalid emit throws into a task error.
func (t *task) emitError(format string, args ...any) {
	panic(fmt.Errorf("%w: component %q: %s", ErrEmit, t.comp.id, fmt.Sprintf(format, args...)))
}
