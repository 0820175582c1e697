package engines

// Sink receives a pipeline's outputs: the role of the database or topic the
// results of a real topology land in. The harness's sink timestamps each
// batch on arrival, so an engine should write outputs as soon as they are
// final rather than hold them back.
//
// Write is safe for concurrent use by every task of a pipeline. It does not
// keep outs after it returns, so the caller may reuse the slice. An error
// means the sink can take no more (the run is over or failed) and the engine
// should stop.
type Sink interface {
	Write(outs []Output) error
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(outs []Output) error

// Write calls f(outs).
func (f SinkFunc) Write(outs []Output) error { return f(outs) }
