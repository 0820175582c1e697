package trident

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// WindowConfig describes a window of a stream, as Storm Trident's
// WindowConfig: tumbling or sliding, by tuple count or by (processing)
// time. Count windows hold the last Length tuples and fire every Slide
// tuples; time windows hold the tuples that arrived in [start, start+Length)
// and fire when the coordinator's clock passes their end, every Slide.
// A tumbling window has Slide = Length.
type WindowConfig struct {
	// Count windows.
	Count, SlideCount int
	// Time windows (used when Count is 0).
	Duration, SlideDuration time.Duration
}

// TumblingWindow aggregates every windowCount tuples of a partition.
func (s *Stream) TumblingWindow(windowCount int, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(WindowConfig{Count: windowCount, SlideCount: windowCount}, inFields, agg, outFields)
}

// SlidingWindow aggregates the last windowCount tuples of a partition every
// slideCount tuples.
func (s *Stream) SlidingWindow(windowCount, slideCount int, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(WindowConfig{Count: windowCount, SlideCount: slideCount}, inFields, agg, outFields)
}

// TumblingDurationWindow aggregates a partition's tuples per window of d.
func (s *Stream) TumblingDurationWindow(d time.Duration, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(WindowConfig{Duration: d, SlideDuration: d}, inFields, agg, outFields)
}

// SlidingDurationWindow aggregates a partition's tuples of the last d,
// every slide.
func (s *Stream) SlidingDurationWindow(d, slide time.Duration, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.Window(WindowConfig{Duration: d, SlideDuration: slide}, inFields, agg, outFields)
}

// Window aggregates windows of the stream's tuples, per partition, across
// batches: the tuples of each batch join the window store, and when a window
// fires agg runs over its tuples and its output (outFields) is emitted in
// the batch that fired it. A replayed batch adds nothing to the store again
// and emits again what it fired, so downstream state sees each window once.
func (s *Stream) Window(cfg WindowConfig, inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	switch {
	case cfg.Count < 0 || cfg.SlideCount < 0 || cfg.Duration < 0 || cfg.SlideDuration < 0:
		return s.failed("Window after %s: negative window length or slide in %+v", s.node.name, cfg)
	case cfg.Count > 0 && (cfg.SlideCount < 1 || cfg.SlideCount > cfg.Count):
		return s.failed("Window after %s: slide of %d tuples must be in [1, %d], the window length", s.node.name, cfg.SlideCount, cfg.Count)
	case cfg.Count == 0 && (cfg.Duration <= 0 || cfg.SlideDuration <= 0 || cfg.SlideDuration > cfg.Duration):
		return s.failed("Window after %s: a window needs a tuple count or a duration, with a slide no longer than the window (%+v)", s.node.name, cfg)
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
	return s.op("window", schema, func() processor {
		return &windowProc{cfg: cfg, mk: mk, in: in, idx: idx, out: schema, fired: make(map[int64][]tuple.Values)}
	})
}

// windowProc keeps a partition's window store in memory: the tuples of
// committed and in-flight batches, each with its arrival time.
type windowProc struct {
	baseProc
	cfg WindowConfig
	mk  func() batchAgg
	in  *tuple.Schema
	idx []int
	out *tuple.Schema
	sel selection

	store     []windowed
	added     int64 // tuples ever added, for count windows
	lastFired int64 // count windows: tuple count at the last firing
	nextEnd   time.Time
	seen      map[int64]bool // txids whose tuples are in the store
	fired     map[int64][]tuple.Values
	collect   []tuple.Values
}

type windowed struct {
	t  tuple.Tuple
	at time.Time
}

type windowBatch struct {
	txid   int64
	replay bool
	tuples []windowed
}

func (p *windowProc) startBatch(b *batch) {
	if p.seen == nil {
		p.seen = make(map[int64]bool)
	}
	b.slots[p.pc.slot] = &windowBatch{txid: b.tx.Txid, replay: p.seen[b.tx.Txid]}
}

func (p *windowProc) execute(b *batch, _ int, t tuple.Tuple) {
	wb := b.slots[p.pc.slot].(*windowBatch)
	if !wb.replay {
		wb.tuples = append(wb.tuples, windowed{t: p.sel.project(t, p.idx, p.in), at: p.pc.clock()})
	}
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
	p.collect = nil
	now := p.pc.clock()
	if p.cfg.Count > 0 {
		for _, w := range wb.tuples {
			p.store = append(p.store, w)
			p.added++
			if len(p.store) > p.cfg.Count {
				p.store = p.store[1:]
			}
			if p.added-p.lastFired >= int64(p.cfg.SlideCount) && len(p.store) == p.cfg.Count {
				p.fire(b, p.store)
				p.lastFired = p.added
			}
		}
	} else {
		p.store = append(p.store, wb.tuples...)
		if p.nextEnd.IsZero() {
			if len(p.store) == 0 {
				return nil
			}
			// Windows end on multiples of the slide, from the first tuple on.
			p.nextEnd = p.store[0].at.Truncate(p.cfg.SlideDuration).Add(p.cfg.SlideDuration)
		}
		for !now.Before(p.nextEnd) {
			start := p.nextEnd.Add(-p.cfg.Duration)
			var in []windowed
			for _, w := range p.store {
				if !w.at.Before(start) && w.at.Before(p.nextEnd) {
					in = append(in, w)
				}
			}
			if len(in) > 0 {
				p.fire(b, in)
			}
			p.nextEnd = p.nextEnd.Add(p.cfg.SlideDuration)
			// Forget tuples no later window holds.
			cut := p.nextEnd.Add(-p.cfg.Duration)
			i := 0
			for i < len(p.store) && p.store[i].at.Before(cut) {
				i++
			}
			p.store = p.store[i:]
		}
	}
	p.fired[wb.txid] = p.collect
	for t := range p.fired {
		if t < wb.txid-64 {
			delete(p.fired, t)
			delete(p.seen, t)
		}
	}
	return nil
}

// fire runs a fresh aggregator over a window's tuples and emits its output.
func (p *windowProc) fire(b *batch, in []windowed) {
	agg := p.mk()
	c := &windowCollector{p: p, b: b}
	st := agg.init(b.tx, c)
	for _, w := range in {
		st = agg.aggregate(st, w.t, c)
	}
	agg.complete(st, c)
}

type windowCollector struct {
	p *windowProc
	b *batch
}

func (c *windowCollector) Emit(v tuple.Values) {
	if len(v) != len(c.p.out.Fields()) {
		panic(fmt.Errorf("window aggregator emitted %d values for fields %v", len(v), c.p.out.Fields()))
	}
	c.p.collect = append(c.p.collect, v)
	c.p.pc.emit(c.b, v)
}

func (c *windowCollector) ReportError(err error) { c.p.pc.reportError(err) }
