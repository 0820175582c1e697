package logs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// tridentPipeline is log monitoring as a Trident user writes it:
//
//	stream.Each(["value", "record"], Parse, ["service", "window", "error"])
//	      .PartitionBy(["service"])
//	      .PartitionPersist(services, Monitor, ["out"])   // each service's windows in a map state
//	      .NewValuesStream()
//	      .PartitionPersist(sink, ["out"], WriteOutputs)
//
// Monitor folds a batch's lines of a service per window and adds each
// window's lines and errors with Detector.Add, which re-judges the flags
// they affect; it writes each window's counts once per batch, and every
// flag that changed. A service's windows are stored in the map state with
// the outputs of the batch that last changed them, so a transactional
// replay of a batch the state already holds writes those outputs again
// rather than nothing. The flags are right whatever order the windows'
// lines come in (see Detector), so nothing here needs per-key order.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("logs", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("lines", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, ParseFunction{Window: in.Window}, tuple.NewFields("service", "window", "error")).
			PartitionBy(tuple.NewFields("service")).
			PartitionPersist(pl.MapState(), tuple.NewFields("service", "window", "error", "record"), MonitorUpdater{Detector: in.Detector()}, trident.OutFields).
			ParallelismHint(pl.Parallelism).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// ParseFunction parses a log line and appends its service, its event-time
// window and whether it is an error. Its input is spout.SourceFields.
type ParseFunction struct {
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64
}

var _ operation.Function = ParseFunction{}

// Execute implements operation.Function.
func (f ParseFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	l, ok := Parse(t.GetString(0))
	if !ok {
		r := t.Get(1).(*engines.Record)
		c.ReportError(fmt.Errorf("record %d/%d is not a log line: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	c.Emit(tuple.Values{l.Service, f.Window(l.TimeMs * 1e6), l.IsError()})
}

// serviceValue is what the services state stores per service: its windows
// and the outputs of the batch that last changed them. It is never changed
// in place, since an opaque map keeps the previous value beside the
// current one.
type serviceValue struct {
	windows Service
	outs    []engines.Output
}

// batchWindow is a service's lines of one window in a batch.
type batchWindow struct {
	window, lines, errors, intended int64
	latest                          *engines.Record
}

// monitorService is the ValueUpdater of one service in one batch.
type monitorService struct {
	detector              Detector
	lines, errors, anomal string // output keys
	windows               []batchWindow
}

// Update adds the batch's lines of the service to a copy of its stored
// windows, window by window, and keeps the outputs.
func (m *monitorService) Update(stored any) any {
	var v serviceValue
	if s, ok := stored.(serviceValue); ok {
		v.windows.starts = slices.Clone(s.windows.starts)
		v.windows.stats = make([]*WindowStats, len(s.windows.stats))
		for i, st := range s.windows.stats {
			c := *st
			v.windows.stats[i] = &c
		}
	}
	var flags []FlagUpdate
	for _, w := range m.windows {
		var st *WindowStats
		st, flags = m.detector.Add(&v.windows, w.window, w.lines, w.errors, w.intended, flags[:0])
		r := w.latest
		v.outs = append(v.outs, engines.Output{Key: m.lines, Window: w.window, Value: st.Lines, Partition: r.Partition, Offset: r.Offset, Intended: st.Intended})
		if w.errors > 0 {
			v.outs = append(v.outs, engines.Output{Key: m.errors, Window: w.window, Value: st.Errors, Partition: r.Partition, Offset: r.Offset, Intended: st.Intended})
		}
		for _, f := range flags {
			v.outs = append(v.outs, engines.Output{Key: m.anomal, Window: f.Window, Value: f.Flag, Partition: r.Partition, Offset: r.Offset, Intended: f.Intended})
		}
	}
	return v
}

// MonitorUpdater applies a partition's lines of a batch to the services'
// windows and emits the counts and flags that changed. Its input tuples
// are [service, window, error, record].
type MonitorUpdater struct {
	Detector Detector
}

var _ state.StateUpdater = MonitorUpdater{}

// UpdateState implements state.StateUpdater.
func (u MonitorUpdater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(state.MapState)
	if !ok {
		return fmt.Errorf("log monitoring needs a map state, got %T", s)
	}
	index := make(map[string]int, 64)
	var keys [][]any
	var ups []state.ValueUpdater
	var mons []*monitorService
	for _, t := range tuples {
		service := t.GetString(0)
		i, ok := index[service]
		if !ok {
			i = len(mons)
			service = strings.Clone(service) // the state keeps the key, not the record
			index[service] = i
			keys = append(keys, []any{service})
			m := &monitorService{detector: u.Detector, lines: LinesPrefix + service, errors: ErrorsPrefix + service, anomal: AnomalyPrefix + service}
			mons = append(mons, m)
			ups = append(ups, m)
		}
		m := mons[i]
		window, r := t.GetLong(1), t.Get(3).(*engines.Record)
		j := slices.IndexFunc(m.windows, func(w batchWindow) bool { return w.window == window })
		if j < 0 {
			j = len(m.windows)
			m.windows = append(m.windows, batchWindow{window: window})
		}
		w := &m.windows[j]
		w.lines++
		if isErr, _ := t.Get(2).(bool); isErr {
			w.errors++
		}
		if w.latest == nil || r.Intended > w.latest.Intended {
			w.latest = r
		}
		w.intended = max(w.intended, r.Intended)
	}
	vals, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for _, v := range vals {
		for _, o := range v.(serviceValue).outs {
			c.Emit(tuple.Values{o})
		}
	}
	return nil
}
