package trident

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/windowing"
)

// WindowConfig describes a window of a stream, as Storm Trident's
// WindowConfig: tumbling or sliding, by tuple count or by duration. Count
// windows hold the last Count tuples and fire every SlideCount tuples;
// duration windows hold the tuples of [end-Duration, end) and fire, every
// SlideDuration, once the clock passes end. A tumbling window has a slide
// equal to its length.
//
// Trident's windows are processing-time windows: a tuple's time is when
// the window operation received it. Storm's core windowed bolts also offer
// event time (withTimestampField, withLag), and so do these: a duration
// window WithTimestampField windows on the tuples' own times (see
// WithTimestampField).
type WindowConfig struct {
	// Count windows.
	Count, SlideCount int
	// Duration windows (used when Count is 0).
	Duration, SlideDuration time.Duration
	// TimestampField, when set, makes a duration window an event-time
	// one; Lag is how late a tuple may come.
	TimestampField string
	Lag            time.Duration
}

// TumblingCountWindow is a window of every n tuples, as Storm's
// TumblingCountWindow.of.
func TumblingCountWindow(n int) WindowConfig { return WindowConfig{Count: n, SlideCount: n} }

// SlidingCountWindow is a window of the last n tuples every slide tuples,
// as Storm's SlidingCountWindow.of.
func SlidingCountWindow(n, slide int) WindowConfig { return WindowConfig{Count: n, SlideCount: slide} }

// TumblingDurationWindow is a window of every d, as Storm's
// TumblingDurationWindow.of.
func TumblingDurationWindow(d time.Duration) WindowConfig {
	return WindowConfig{Duration: d, SlideDuration: d}
}

// SlidingDurationWindow is a window of the last d every slide, as Storm's
// SlidingDurationWindow.of.
func SlidingDurationWindow(d, slide time.Duration) WindowConfig {
	return WindowConfig{Duration: d, SlideDuration: slide}
}

// WithTimestampField makes a duration window an event-time window, as
// Storm's BaseWindowedBolt.withTimestampField: a tuple's time is the value
// of field (int64 milliseconds since the Unix epoch, as Storm's timestamp
// extractor reads, or a time.Time), the field need not be among the
// window's input fields, and the window ending at end holds the tuples of
// (end-Duration, end]. Each partition keeps a watermark, the greatest time
// it has seen minus the lag, updated at the end of every batch (where
// Storm emits one every second): a window fires in the batch whose
// watermark reaches its end, and a tuple older than the watermark is late
// and dropped, as Storm drops late tuples when no late-tuple stream is
// set. Window ends are multiples of the slide since the epoch.
func (c WindowConfig) WithTimestampField(field string) WindowConfig {
	c.TimestampField = field
	return c
}

// WithLag sets how far behind the greatest time seen a tuple may come
// before it is late, as Storm's withLag (0 by default: tuples in order).
func (c WindowConfig) WithLag(lag time.Duration) WindowConfig {
	c.Lag = lag
	return c
}

// TumblingWindow aggregates every windowCount tuples of a partition.
// factory keeps the window's tuples (nil: in memory only).
func (s *Stream) TumblingWindow(windowCount int, factory windowing.WindowsStoreFactory, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(TumblingCountWindow(windowCount), factory, inFields, agg, outFields)
}

// SlidingWindow aggregates the last windowCount tuples of a partition every
// slideCount tuples.
func (s *Stream) SlidingWindow(windowCount, slideCount int, factory windowing.WindowsStoreFactory, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(SlidingCountWindow(windowCount, slideCount), factory, inFields, agg, outFields)
}

// TumblingDurationWindow aggregates a partition's tuples per window of d.
func (s *Stream) TumblingDurationWindow(d time.Duration, factory windowing.WindowsStoreFactory, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(TumblingDurationWindow(d), factory, inFields, agg, outFields)
}

// SlidingDurationWindow aggregates a partition's tuples of the last d,
// every slide.
func (s *Stream) SlidingDurationWindow(d, slide time.Duration, factory windowing.WindowsStoreFactory, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(SlidingDurationWindow(d, slide), factory, inFields, agg, outFields)
}

// Window aggregates windows of the stream's tuples, per partition, across
// batches, as Storm's Stream.window: the tuples of each batch join the
// window, and when a window fires agg runs over its tuples, in arrival
// order, and its output (outFields) is emitted in the batch that fired
// it. A replayed batch adds nothing to the window again and emits again
// what it fired, so downstream state sees each window once.
//
// factory makes each task's windowing.WindowsStore, where the window keeps
// a record per batch: its tuples, with their times, what it fired and
// where the window's triggers stood (Storm's WindowTridentProcessor keeps
// its tuples and triggers in the store the same way). A task prepared over
// a store that holds records takes them back, so a topology restarted over
// a durable store (windowing.BoltWindowsStoreFactory,
// windowing.KVWindowsStoreFactory) goes on with its windows where they
// stood, and replays its uncommitted batches with what they fired. The
// records are keyed by the window's place in the topology and the task's
// partition: the restarted topology must be built alike, with the same
// parallelism. Stored tuples keep what the package state codec keeps
// (integers come back as int64). A nil factory keeps the window in memory
// only, as Storm's window without a store factory.
func (s *Stream) Window(cfg WindowConfig, factory windowing.WindowsStoreFactory, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	switch {
	case cfg.Count < 0 || cfg.SlideCount < 0 || cfg.Duration < 0 || cfg.SlideDuration < 0 || cfg.Lag < 0:
		return s.failed("Window after %s: negative window length, slide or lag in %+v", s.node.name, cfg)
	case cfg.Count > 0 && (cfg.SlideCount < 1 || cfg.SlideCount > cfg.Count):
		return s.failed("Window after %s: slide of %d tuples must be in [1, %d], the window length", s.node.name, cfg.SlideCount, cfg.Count)
	case cfg.Count > 0 && (cfg.Duration != 0 || cfg.SlideDuration != 0):
		return s.failed("Window after %s: both a tuple count and a duration in %+v; a window has one or the other", s.node.name, cfg)
	case cfg.Count == 0 && (cfg.Duration <= 0 || cfg.SlideDuration <= 0 || cfg.SlideDuration > cfg.Duration):
		return s.failed("Window after %s: a window needs a tuple count or a duration, with a slide no longer than the window (%+v)", s.node.name, cfg)
	case cfg.Count > 0 && cfg.TimestampField != "":
		return s.failed("Window after %s: event time (timestamp field %q) applies to duration windows, not count ones", s.node.name, cfg.TimestampField)
	case cfg.TimestampField == "" && cfg.Lag != 0:
		return s.failed("Window after %s: a lag of %v without a timestamp field; set WithTimestampField too", s.node.name, cfg.Lag)
	}
	tsIdx := -1
	if cfg.TimestampField != "" {
		if tsIdx = s.node.schema.Index(cfg.TimestampField); tsIdx < 0 {
			return s.failed("Window after %s: timestamp field %q is not declared (the stream has %v)", s.node.name, cfg.TimestampField, s.node.schema.Fields())
		}
	}
	in, idx, err := s.inputs("Window", inFields)
	if err != nil {
		return s.failed("%v", err)
	}
	mk, err := batchAggFor(agg, false)
	if err != nil {
		return s.failed("Window after %s: %v", s.node.name, err)
	}
	if _, general := agg.(operation.Aggregator); !general && len(outFields) != 1 {
		return s.failed("Window after %s: a %T emits one value, so it takes one output field, not %v", s.node.name, agg, outFields)
	}
	schema, err := tuple.NewSchema(outFields)
	if err != nil {
		return s.failed("Window after %s: output fields: %v", s.node.name, err)
	}
	var id string
	out := s.op("window", schema, func() processor {
		return &windowProc{cfg: cfg, mk: mk, in: in, idx: idx, tsIdx: tsIdx, out: schema, factory: factory, windowID: id}
	})
	// Storm names a window by a topology-wide counter; the node id is ours.
	id = fmt.Sprintf("w%d", out.node.id)
	return out
}

// windowReplayHorizon is how many txids back a window remembers what a
// batch fired, for its replay: at least topology.max.spout.pending, since a
// batch starts only once fewer are in flight, so the txid that many below
// it has committed and is never replayed again. Storm instead removes a
// batch's triggers from the store once it committed.
const windowReplayHorizon = 64

func (p *windowProc) horizon() int64 { return int64(max(windowReplayHorizon, p.pc.maxPending)) }

// windowProc keeps a partition's window: the tuples that a window may
// still hold, each with its time, and where the triggers stand.
type windowProc struct {
	baseProc
	cfg      WindowConfig
	mk       func() batchAgg
	in       *tuple.Schema
	idx      []int
	tsIdx    int // the timestamp field's position, or -1 for processing time
	out      *tuple.Schema
	sel      selection
	factory  windowing.WindowsStoreFactory
	windowID string

	store   windowing.WindowsStore
	prefix  string
	records map[int64]bool // txids with a record in the store
	unsaved []windowRecord // records a failed write left behind
	seen    map[int64]bool // txids whose tuples are in the window
	fired   map[int64][]tuple.Values
	collect []tuple.Values

	windowState
}

// windowState is what a window's record carries beside its batch: where
// the triggers stand after the batch.
type windowState struct {
	seq       int64 // batches added, in order of processing
	tuples    []windowed
	added     int64     // count windows: tuples ever added
	lastFired int64     // count windows: tuple count at the last firing
	lastEnd   time.Time // duration windows: end of the last window passed
	watermark time.Time // event time: greatest time seen minus the lag
}

type windowed struct {
	t    tuple.Tuple
	at   time.Time
	txid int64
}

type windowBatch struct {
	txid   int64
	replay bool
	tuples []windowed
}

func (p *windowProc) prepare(pc *procContext) error {
	p.pc = pc
	p.seen = make(map[int64]bool)
	p.fired = make(map[int64][]tuple.Values)
	p.records = make(map[int64]bool)
	if p.factory == nil {
		return nil
	}
	st, err := p.factory.Create(pc.conf)
	if err != nil {
		return fmt.Errorf("window store: %w", err)
	}
	p.store = st
	p.prefix = fmt.Sprintf("wb|%s|%d|", p.windowID, pc.partitionIdx)
	return p.restore()
}

func (p *windowProc) cleanup() {
	if p.store != nil {
		if err := p.store.Shutdown(); err != nil {
			p.pc.reportError(fmt.Errorf("window store: %w", err))
		}
	}
}

func (p *windowProc) startBatch(b *batch) {
	b.slots[p.pc.slot] = &windowBatch{txid: b.tx.Txid, replay: p.seen[b.tx.Txid]}
}

func (p *windowProc) execute(b *batch, _ int, t tuple.Tuple) {
	wb := b.slots[p.pc.slot].(*windowBatch)
	if wb.replay {
		return
	}
	at := p.pc.clock()
	if p.tsIdx >= 0 {
		var ok bool
		if at, ok = eventTime(t.Get(p.tsIdx)); !ok {
			p.pc.reportError(fmt.Errorf("window: timestamp field %q holds %T %v; want int64 milliseconds since the epoch or a time.Time (tuple dropped)",
				p.cfg.TimestampField, t.Get(p.tsIdx), t.Get(p.tsIdx)))
			return
		}
	}
	wb.tuples = append(wb.tuples, windowed{t: p.sel.project(t, p.idx, p.in), at: at, txid: wb.txid})
}

func eventTime(v any) (time.Time, bool) {
	if t, ok := v.(time.Time); ok {
		return t, true
	}
	if ms, ok := tuple.AsInt64(v); ok {
		return time.UnixMilli(ms), true
	}
	return time.Time{}, false
}

func (p *windowProc) finishBatch(b *batch) error {
	wb := b.slots[p.pc.slot].(*windowBatch)
	if wb.replay {
		for _, v := range p.fired[wb.txid] {
			p.pc.emit(b, v)
		}
		return nil
	}
	p.seen[wb.txid] = true
	p.seq++
	p.collect = nil
	added := wb.tuples
	if p.cfg.Count > 0 {
		for _, w := range wb.tuples {
			p.tuples = append(p.tuples, w)
			p.added++
			if len(p.tuples) > p.cfg.Count {
				p.tuples = p.tuples[1:]
			}
			if p.added-p.lastFired >= int64(p.cfg.SlideCount) && len(p.tuples) == p.cfg.Count {
				p.fire(b, p.tuples)
				p.lastFired = p.added
			}
		}
	} else {
		now := p.pc.clock()
		if p.tsIdx >= 0 {
			added = p.addEventTime(wb.tuples)
			now = p.watermark
		} else {
			p.tuples = append(p.tuples, added...)
		}
		p.fireDue(b, now)
	}
	// The window's state moves on before anything is emitted: an emit
	// runs the operations after the window, and a failure there fails the
	// batch, whose replay then emits what the window fired.
	p.fired[wb.txid] = p.collect
	for t := range p.fired {
		if t < wb.txid-p.horizon() {
			delete(p.fired, t)
			delete(p.seen, t)
		}
	}
	if p.store != nil {
		if err := p.save(windowRecord{txid: wb.txid, state: p.windowState, batch: added, fired: p.collect}); err != nil {
			return err
		}
	}
	for _, v := range p.collect {
		p.pc.emit(b, v)
	}
	return nil
}

// addEventTime adds a batch's tuples that are not late, and moves the
// watermark on. It returns the tuples added.
func (p *windowProc) addEventTime(batch []windowed) []windowed {
	var added []windowed
	var newest time.Time
	for _, w := range batch {
		// Storm's WaterMarkEventGenerator: a tuple before the last
		// watermark is late.
		if !p.watermark.IsZero() && w.at.Before(p.watermark) {
			continue
		}
		added = append(added, w)
		if w.at.After(newest) {
			newest = w.at
		}
	}
	p.tuples = append(p.tuples, added...)
	if !newest.IsZero() {
		if wm := newest.Add(-p.cfg.Lag); wm.After(p.watermark) {
			p.watermark = wm
		}
	}
	return added
}

// fireDue fires, in order, every duration window that ends by now (the
// clock, or the watermark for event time). Windows end on multiples of the
// slide; those that would hold no tuple are passed over, as Storm's
// trigger policies skip to the next window with events.
func (p *windowProc) fireDue(b *batch, now time.Time) {
	slide := p.cfg.SlideDuration
	for len(p.tuples) > 0 {
		earliest := p.tuples[0].at
		for _, w := range p.tuples[1:] {
			if w.at.Before(earliest) {
				earliest = w.at
			}
		}
		end := p.alignedEnd(earliest)
		if !p.lastEnd.IsZero() && !end.After(p.lastEnd) {
			end = p.lastEnd.Add(slide)
		}
		if now.Before(end) {
			return
		}
		start := end.Add(-p.cfg.Duration)
		var in []windowed
		for _, w := range p.tuples {
			if p.holds(start, end, w.at) {
				in = append(in, w)
			}
		}
		if len(in) > 0 {
			p.fire(b, in)
		}
		p.lastEnd = end
		p.forget()
	}
}

// alignedEnd is the end of the first window that holds a tuple of time at.
func (p *windowProc) alignedEnd(at time.Time) time.Time {
	slide := p.cfg.SlideDuration
	floor := time.Unix(0, at.UnixNano()-mod(at.UnixNano(), int64(slide)))
	if p.tsIdx >= 0 && floor.Equal(at) {
		return at // event-time windows end inclusive
	}
	return floor.Add(slide)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// holds says whether the window [start, end) holds time at, or (start,
// end] for event time, as Storm's watermark eviction does.
func (p *windowProc) holds(start, end, at time.Time) bool {
	if p.tsIdx >= 0 {
		return at.After(start) && !at.After(end)
	}
	return !at.Before(start) && at.Before(end)
}

// forget drops the tuples that no window after lastEnd holds.
func (p *windowProc) forget() {
	if p.lastEnd.IsZero() {
		return
	}
	// The next window starts here; it and the later ones hold every
	// tuple from it on.
	start := p.lastEnd.Add(p.cfg.SlideDuration - p.cfg.Duration)
	kept := p.tuples[:0]
	for _, w := range p.tuples {
		if w.at.After(start) || p.tsIdx < 0 && w.at.Equal(start) {
			kept = append(kept, w)
		}
	}
	clear(p.tuples[len(kept):])
	p.tuples = kept
}

// fire runs a fresh aggregator over a window's tuples and collects its
// output, for finishBatch to emit.
func (p *windowProc) fire(b *batch, in []windowed) {
	agg := p.mk()
	c := &windowCollector{p: p}
	st := agg.init(b.tx, c)
	for _, w := range in {
		st = agg.aggregate(st, w.t, c)
	}
	agg.complete(st, c)
}

type windowCollector struct{ p *windowProc }

func (c *windowCollector) Emit(v tuple.Values) {
	if len(v) != len(c.p.out.Fields()) {
		panic(fmt.Errorf("window aggregator emitted %d values for fields %v", len(v), c.p.out.Fields()))
	}
	c.p.collect = append(c.p.collect, append(tuple.Values(nil), v...)) // the aggregator may reuse v
}

func (c *windowCollector) ReportError(err error) { c.p.pc.reportError(err) }
