package logs

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// monitor keeps the counts and flags of the services it owns.
type monitor struct {
	detector Detector
	services map[string]*serviceState
	flags    []FlagUpdate
}

// serviceState is one service's windows and its output keys, made once.
type serviceState struct {
	lines, errors, anomaly string
	windows                Service
}

func newMonitor(d Detector) *monitor {
	return &monitor{detector: d, services: map[string]*serviceState{}}
}

// add counts one line of service in window and appends its updates to outs:
// the window's lines, its errors when the line is one, and every anomaly
// flag that changed.
func (m *monitor) add(outs []engines.Output, service string, window int64, isError bool, p int32, offset, intended int64) []engines.Output {
	s := m.services[service]
	if s == nil {
		service = strings.Clone(service) // not the whole record
		s = &serviceState{lines: LinesPrefix + service, errors: ErrorsPrefix + service, anomaly: AnomalyPrefix + service}
		m.services[service] = s
	}
	var errs int64
	if isError {
		errs = 1
	}
	st, flags := m.detector.Add(&s.windows, window, 1, errs, intended, m.flags[:0])
	m.flags = flags
	outs = append(outs, engines.Output{Key: s.lines, Window: window, Value: st.Lines, Partition: p, Offset: offset, Intended: st.Intended})
	if isError {
		outs = append(outs, engines.Output{Key: s.errors, Window: window, Value: st.Errors, Partition: p, Offset: offset, Intended: st.Intended})
	}
	for _, f := range flags {
		outs = append(outs, engines.Output{Key: s.anomaly, Window: f.Window, Value: f.Flag, Partition: p, Offset: offset, Intended: f.Intended})
	}
	return outs
}

// baselinePipeline is log monitoring as a Go programmer writes it by hand.
// One worker: parse, count the line in its service's window, re-judge the
// flags it affects. P workers: readers parse and hand each line to the
// monitor that owns its service.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			m := newMonitor(in.Detector())
			outs := make([]engines.Output, 0, 2*baseline.BatchSize)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					l, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a log line: %.60q", r.Partition, r.Offset, r.Value)
					}
					outs = m.add(outs, l.Service, in.Window(l.TimeMs*1e6), l.IsError(), r.Partition, r.Offset, r.Intended)
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type logged struct {
		service   string
		window    int64
		isError   bool
		partition int32
		offset    int64
		intended  int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		seed := maphash.MakeSeed()
		monitors := make([]*monitor, p)
		outs := make([][]engines.Output, p)
		for c := range p {
			monitors[c] = newMonitor(in.Detector())
		}
		return baseline.Shuffled(ctx, src, p,
			func(_ int, batch []engines.Record, send func(int, logged) bool) error {
				for i := range batch {
					r := &batch[i]
					l, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a log line: %.60q", r.Partition, r.Offset, r.Value)
					}
					if !send(int(maphash.String(seed, l.Service)%uint64(p)),
						logged{l.Service, in.Window(l.TimeMs * 1e6), l.IsError(), r.Partition, r.Offset, r.Intended}) {
						return nil // the run is over
					}
				}
				return nil
			},
			func(c int, batch []logged) error {
				out := outs[c][:0]
				for _, l := range batch {
					out = monitors[c].add(out, l.service, l.window, l.isError, l.partition, l.offset, l.intended)
				}
				outs[c] = out
				return sink.Write(out)
			})
	}), nil
}
