package core

import (
	"fmt"

	"github.com/streambench/streambench/engines"
)

// SinkWriterMaxHeld bounds the outputs a bolt task buffers between flushes.
const SinkWriterMaxHeld = 4096

// SinkWriter is the end of a bolt that writes results to the sink, batching as
// Storm's store bolts do with their BatchHelper. Embed it in a rich bolt,
// set Sink in the bolt given to SetBolt, call Open from Prepare, and give
// each input to Write with the outputs it caused. The outputs are written in one batch when the executor flushes (Flusher,
// promoted from SinkWriter) or when SinkWriterMaxHeld are waiting, and the inputs acked
// only after their batch is written: a replay may write an output twice,
// but an acked input's outputs are never lost. A failed write fails the
// batch's inputs (their spout tuples are replayed) and is reported, which
// ends a Job's run.
//
// SinkWriter also promises the executor that the bolt does not touch a tuple
// once it is acked (TupleReuser), so a bolt embedding it must keep no
// *Tuple beyond Write.
type SinkWriter struct {
	Sink engines.Sink

	collector *OutputCollector
	outs      []engines.Output
	held      []*Tuple
}

var (
	_ Flusher     = (*SinkWriter)(nil)
	_ TupleReuser = (*SinkWriter)(nil)
)

// Open readies the writer of one task.
func (w *SinkWriter) Open(c *OutputCollector) {
	w.collector = c
	w.outs = make([]engines.Output, 0, SinkWriterMaxHeld)
	w.held = make([]*Tuple, 0, SinkWriterMaxHeld)
}

// Write buffers outs, the outputs input caused, and acks input once they are
// written; an input that caused none is acked at once.
func (w *SinkWriter) Write(input *Tuple, outs ...engines.Output) {
	if len(outs) == 0 {
		w.collector.Ack(input)
		return
	}
	w.outs = append(w.outs, outs...)
	w.held = append(w.held, input)
	if len(w.outs) >= SinkWriterMaxHeld {
		w.Flush()
	}
}

// Reject reports err against the task and fails input: a record the
// pipeline cannot read ends the run, as it does the baseline's loop.
func (w *SinkWriter) Reject(input *Tuple, err error) {
	w.collector.ReportError(err)
	w.collector.Fail(input)
}

// Flush writes the buffered outputs and acks their inputs; a failed write
// fails them and reports the error.
func (w *SinkWriter) Flush() {
	if len(w.held) == 0 {
		return
	}
	err := w.Sink.Write(w.outs)
	for i, t := range w.held {
		if err != nil {
			w.collector.Fail(t)
		} else {
			w.collector.Ack(t)
		}
		w.held[i] = nil
	}
	if err != nil {
		w.collector.ReportError(fmt.Errorf("write %d outputs to the sink: %w", len(w.outs), err))
	}
	w.outs = w.outs[:0]
	w.held = w.held[:0]
}

// ReuseAckedTuples implements TupleReuser: Flush acks a tuple last and
// never touches it again.
func (w *SinkWriter) ReuseAckedTuples() bool { return true }
