package logs

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is log monitoring as a Spark Streaming user writes it:
//
//	counts = records.map(parse).map(l => ((l.service, window), (1, isError)))
//	                .reduceByKey(add)
//	updates = counts.map(c => (c.service, c)).mapWithState(detect)
//	updates.foreachRDD(write)
//
// The reduce folds a batch's lines of a (service, window) into one count of
// lines and errors; mapWithState keeps each service's windows and hands
// every folded count to Detector.Add, which re-judges the windows it
// affects, and writes the window's counts and every flag that changed. The
// windows are event-time windows kept in the state, since Spark's window
// operators cut windows by batch time (see wincount).
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	d := in.Detector()
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		lines := microbatch.Map(records, func(r engines.Record) microbatch.Pair[wincount.KeyWindow, lineCount] {
			l, ok := Parse(r.Value)
			if !ok {
				// An exception in a Spark task fails the job with it.
				panic(fmt.Errorf("record %d/%d is not a log line: %.60q", r.Partition, r.Offset, r.Value))
			}
			c := lineCount{seen: wincount.One(&r, 1)}
			if l.IsError() {
				c.errors = 1
			}
			return microbatch.KV(wincount.KeyWindow{Key: l.Service, Window: in.Window(l.TimeMs * 1e6)}, c)
		})
		perBatch := microbatch.ReduceByKey(lines, func(a, b lineCount) lineCount {
			return lineCount{seen: wincount.Fold(a.seen, b.seen), errors: a.errors + b.errors}
		}, p)
		byService := microbatch.Map(perBatch, func(kv microbatch.Pair[wincount.KeyWindow, lineCount]) microbatch.Pair[string, windowCount] {
			return microbatch.KV(kv.Key.Key, windowCount{window: kv.Key.Window, lineCount: kv.Value})
		})
		detect := func(service string, c microbatch.Option[windowCount], state *microbatch.State[*serviceWindows]) []engines.Output {
			s := state.Get()
			if s == nil {
				s = &serviceWindows{}
				state.Update(s)
			}
			return s.add(d, service, c.Value)
		}
		updates := microbatch.MapWithState(byService, microbatch.StateSpecFunction(detect).NumPartitions(p))
		return microbatch.WriteToSink(microbatch.FlatMap(updates.DStream, func(outs []engines.Output) []engines.Output { return outs }), sink)
	})
}

// lineCount is a batch's lines of one (service, window): how many, how
// many of them errors, and the records they came from.
type lineCount struct {
	seen   wincount.Seen
	errors int64
}

// windowCount is a lineCount on its way to its service's state.
type windowCount struct {
	window int64
	lineCount
}

// serviceWindows is the state mapWithState keeps per service: its windows
// as the Detector keeps them, and scratch for the flags that changed.
type serviceWindows struct {
	windows Service
	flags   []FlagUpdate
}

// add counts a batch's lines of one window and returns the window's new
// counts and every flag that changed.
func (s *serviceWindows) add(d Detector, service string, c windowCount) []engines.Output {
	st, flags := d.Add(&s.windows, c.window, c.seen.N, c.errors, c.seen.Latest, s.flags[:0])
	s.flags = flags
	outs := make([]engines.Output, 0, 2+len(flags))
	addr := engines.Output{Window: c.window, Partition: c.seen.Partition, Offset: c.seen.Offset, Intended: st.Intended}
	lines := addr
	lines.Key, lines.Value = LinesPrefix+service, st.Lines
	outs = append(outs, lines)
	if c.errors > 0 {
		errs := addr
		errs.Key, errs.Value = ErrorsPrefix+service, st.Errors
		outs = append(outs, errs)
	}
	for _, f := range flags {
		flag := addr
		flag.Key, flag.Window, flag.Value, flag.Intended = AnomalyPrefix+service, f.Window, f.Flag, f.Intended
		outs = append(outs, flag)
	}
	return outs
}

// windowsCheckpoint is what a checkpoint keeps of a service's windows.
type windowsCheckpoint struct {
	Starts []int64
	Stats  []WindowStats
	Judged []bool
}

// GobEncode writes the service's windows into a checkpoint: the state of
// mapWithState must be serialisable, as Spark's must.
func (s *serviceWindows) GobEncode() ([]byte, error) {
	st := windowsCheckpoint{Starts: s.windows.starts}
	for _, w := range s.windows.stats {
		st.Stats = append(st.Stats, *w)
		st.Judged = append(st.Judged, w.judged)
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(st)
	return buf.Bytes(), err
}

// GobDecode restores a service's windows from a checkpoint.
func (s *serviceWindows) GobDecode(b []byte) error {
	var st windowsCheckpoint
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err != nil {
		return fmt.Errorf("logs: decoding a service's windows: %w", err)
	}
	if len(st.Stats) != len(st.Starts) || len(st.Judged) != len(st.Starts) {
		return fmt.Errorf("logs: a service's checkpoint has %d windows, %d stats and %d flags", len(st.Starts), len(st.Stats), len(st.Judged))
	}
	s.windows = Service{starts: st.Starts}
	for i := range st.Stats {
		w := st.Stats[i]
		w.judged = st.Judged[i]
		s.windows.stats = append(s.windows.stats, &w)
	}
	return nil
}
