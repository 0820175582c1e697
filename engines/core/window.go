package core

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// lateTupleField is the one field of a windowed bolt's late-tuple stream:
// the late tuple itself, as Storm emits it.
const lateTupleField = "late_tuple"

// WindowParam is a window length or sliding interval: a Count of tuples or
// a Duration of time (Storm's BaseWindowedBolt.Count and Duration).
type WindowParam interface{ isWindowParam() }

// Count is a window length or sliding interval in tuples.
type Count int

// Duration is a window length or sliding interval in time.
type Duration time.Duration

func (Count) isWindowParam()    {}
func (Duration) isWindowParam() {}

// WindowedBolt is a bolt that processes windows of tuples instead of single
// tuples (Storm's IWindowedBolt). Implement it by embedding
// BaseWindowedBolt and configuring the window with its With methods:
//
//	type Averager struct{ core.BaseWindowedBolt; ... }
//	b := &Averager{}
//	b.WithWindow(core.Duration(30*time.Second), core.Duration(10*time.Second))
//	builder.SetBolt("avg", b, 1).ShuffleGrouping("readings")
//
// Execute is called each time a window is complete. Tuples it emits are
// anchored on every tuple of the window unless it names anchors itself,
// and the window's tuples are acked when they leave the last window they
// belong to, so a windowed bolt is at-least-once. Windows run on processing
// time (the arrival time), or on event time when WithTimestampField names
// a field holding each tuple's time in milliseconds since the epoch: then
// a window is evaluated once the watermark, the smallest of the latest
// timestamps of the input streams minus the lag, has passed its end, and a
// tuple older than the watermark is late: it is acked and dropped, or sent
// on the late-tuple stream.
type WindowedBolt interface {
	Component
	Prepare(conf Config, context *TopologyContext, collector *OutputCollector) error
	Execute(window *TupleWindow)
	Cleanup()
	windowing() *BaseWindowedBolt
}

// BaseWindowedBolt holds a windowed bolt's window configuration and gives
// no-op Prepare, Cleanup and DeclareOutputFields.
type BaseWindowedBolt struct {
	length, slide     WindowParam
	timestampField    string
	lag               time.Duration
	watermarkInterval time.Duration
	lateStream        string
}

// WithWindow sets a sliding window: length of tuples or time, evaluated
// every slide.
func (b *BaseWindowedBolt) WithWindow(length, slide WindowParam) *BaseWindowedBolt {
	b.length, b.slide = length, slide
	return b
}

// WithTumblingWindow sets a tumbling window: consecutive windows of length
// that do not overlap.
func (b *BaseWindowedBolt) WithTumblingWindow(length WindowParam) *BaseWindowedBolt {
	b.length, b.slide = length, length
	return b
}

// WithTimestampField windows on event time read from field (milliseconds
// since the epoch, an int64).
func (b *BaseWindowedBolt) WithTimestampField(field string) *BaseWindowedBolt {
	b.timestampField = field
	return b
}

// WithLag sets how late a tuple may arrive (its timestamp behind the latest
// seen) before it is considered late. Default 0.
func (b *BaseWindowedBolt) WithLag(lag time.Duration) *BaseWindowedBolt {
	b.lag = lag
	return b
}

// WithWatermarkInterval sets how often watermarks are computed. Default 1s.
func (b *BaseWindowedBolt) WithWatermarkInterval(d time.Duration) *BaseWindowedBolt {
	b.watermarkInterval = d
	return b
}

// WithLateTupleStream sends late tuples on stream (with one field,
// "late_tuple", holding the *Tuple) instead of dropping them.
func (b *BaseWindowedBolt) WithLateTupleStream(stream string) *BaseWindowedBolt {
	b.lateStream = stream
	return b
}

// Prepare does nothing.
func (*BaseWindowedBolt) Prepare(Config, *TopologyContext, *OutputCollector) error { return nil }

// Cleanup does nothing.
func (*BaseWindowedBolt) Cleanup() {}

// DeclareOutputFields declares nothing.
func (*BaseWindowedBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

func (b *BaseWindowedBolt) windowing() *BaseWindowedBolt { return b }

func (b *BaseWindowedBolt) eventTime() bool { return b.timestampField != "" }

func (b *BaseWindowedBolt) tumbling() bool { return b.length == b.slide }

// validate checks the window configuration, as Storm's
// WindowedBoltExecutor does at prepare.
func (b *BaseWindowedBolt) validate(conf Config) error {
	if b.length == nil || b.slide == nil {
		return errors.New("windowed bolt has no window; call WithWindow or WithTumblingWindow")
	}
	var lengthDur, slideDur time.Duration
	for _, p := range []WindowParam{b.length, b.slide} {
		switch v := p.(type) {
		case Count:
			if v < 1 {
				return fmt.Errorf("window count %d must be positive", v)
			}
		case Duration:
			if time.Duration(v) < time.Millisecond {
				return fmt.Errorf("window duration %v must be at least 1ms", time.Duration(v))
			}
		}
	}
	_, lengthCount := b.length.(Count)
	_, slideCount := b.slide.(Count)
	if b.eventTime() && lengthCount != slideCount {
		return errors.New("on event time, the window length and sliding interval must both be counts or both durations")
	}
	if d, ok := b.length.(Duration); ok {
		lengthDur = time.Duration(d)
	}
	if d, ok := b.slide.(Duration); ok {
		slideDur = time.Duration(d)
	}
	if lc, ok := b.length.(Count); ok {
		if sc, ok := b.slide.(Count); ok && sc > lc {
			return fmt.Errorf("sliding interval %d is longer than the window %d", sc, lc)
		}
	}
	if lengthDur > 0 && slideDur > lengthDur {
		return fmt.Errorf("sliding interval %v is longer than the window %v", slideDur, lengthDur)
	}
	if b.lag < 0 || b.watermarkInterval < 0 {
		return errors.New("lag and watermark interval must not be negative")
	}
	// Tuples wait in the window before they are acked: a window longer
	// than the message timeout would time out every tuple (Storm refuses
	// it the same way).
	acking := true
	if n, ok := conf.Int(TopologyAckerExecutors); ok && n == 0 {
		acking = false
	}
	if acking && conf.Bool(TopologyEnableMessageTimeouts) {
		secs, _ := conf.Int(TopologyMessageTimeoutSecs)
		timeout := time.Duration(secs) * time.Second
		if lengthDur+slideDur+b.lag > timeout {
			return fmt.Errorf("window length %v + sliding interval %v + lag %v exceeds topology.message.timeout.secs (%v); raise the timeout or shorten the window", lengthDur, slideDur, b.lag, timeout)
		}
	}
	return nil
}

// TupleWindow is one evaluation of a window (Storm's TupleWindow).
type TupleWindow struct {
	tuples, newTuples, expired []*Tuple
	start, end                 int64
}

// Get returns the tuples in the window.
func (w *TupleWindow) Get() []*Tuple { return w.tuples }

// GetNew returns the tuples that arrived since the last evaluation.
func (w *TupleWindow) GetNew() []*Tuple { return w.newTuples }

// GetExpired returns the tuples that left the window since the last
// evaluation.
func (w *TupleWindow) GetExpired() []*Tuple { return w.expired }

// StartTimestamp returns the window's start in milliseconds since the
// epoch (exclusive), for time-based windows.
func (w *TupleWindow) StartTimestamp() int64 { return w.start }

// EndTimestamp returns the window's end in milliseconds (inclusive).
func (w *TupleWindow) EndTimestamp() int64 { return w.end }

// winEvent is a tuple held in the window with its timestamp (ms).
type winEvent struct {
	tup  *Tuple
	ts   int64
	seen bool // has been in an evaluated window
}

// windowedExecutor runs a WindowedBolt as a Bolt (Storm's
// WindowedBoltExecutor): it keeps the tuples, evaluates windows on count,
// on its timer, or on watermarks, and acks tuples as they expire.
type windowedExecutor struct {
	t       *task
	bolt    WindowedBolt
	cfg     *BaseWindowedBolt
	events  []winEvent
	expired []*Tuple // left the window since the last evaluation, not yet reported
	sinceN  int      // tuples since the last count-triggered evaluation
	// Event time.
	streamTs    map[GlobalStreamID]int64
	watermark   int64 // ms; tuples older are late
	nextEnd     int64 // next window end to evaluate, 0 before the first watermark
	lastTrigger int64 // timestamp that ended the last event-time count window
	hasMark     bool
	collector   *OutputCollector
	lateStream  string
}

func newWindowedExecutor(t *task, b WindowedBolt) *windowedExecutor {
	return &windowedExecutor{t: t, bolt: b, cfg: b.windowing(), streamTs: make(map[GlobalStreamID]int64), lateStream: b.windowing().lateStream}
}

// Prepare prepares the user's bolt with the task's collector.
func (w *windowedExecutor) Prepare(conf Config, ctx *TopologyContext, c *OutputCollector) error {
	w.collector = c
	for _, s := range ctx.ThisSources() {
		w.streamTs[s] = -1
	}
	return w.bolt.Prepare(conf, ctx, c)
}

// DeclareOutputFields is not used: the plan declares the bolt's streams.
func (w *windowedExecutor) DeclareOutputFields(d OutputFieldsDeclarer) { w.bolt.DeclareOutputFields(d) }

// Cleanup cleans up the user's bolt.
func (w *windowedExecutor) Cleanup() { w.bolt.Cleanup() }

func (w *windowedExecutor) nowMs() int64 { return w.t.topo.clock.Now().UnixMilli() }

// Execute adds a tuple to the window.
func (w *windowedExecutor) Execute(in *Tuple) {
	if IsTick(in) {
		return
	}
	if !w.cfg.eventTime() {
		w.events = append(w.events, winEvent{tup: in, ts: w.nowMs()})
		if c, ok := w.cfg.slide.(Count); ok {
			w.sinceN++
			if w.sinceN >= int(c) {
				w.sinceN = 0
				w.evaluate(w.nowMs())
			}
		}
		return
	}
	ts := in.GetInt64ByField(w.cfg.timestampField)
	if w.hasMark && ts <= w.watermark {
		// Late: behind the watermark, its windows are already evaluated.
		if w.lateStream != "" {
			w.collector.EmitStream(w.lateStream, in, Values{in})
		}
		w.collector.Ack(in)
		return
	}
	id := GlobalStreamID{ComponentID: in.SourceComponent(), StreamID: in.SourceStreamID()}
	if ts > w.streamTs[id] {
		w.streamTs[id] = ts
	}
	w.events = append(w.events, winEvent{tup: in, ts: ts})
}

// onTimer is the executor's periodic call: evaluate a processing-time
// window, or compute a watermark.
func (w *windowedExecutor) onTimer(now time.Time) {
	if !w.cfg.eventTime() {
		if _, ok := w.cfg.slide.(Duration); ok {
			w.evaluate(now.UnixMilli())
		}
		return
	}
	// Watermark: the smallest of the latest timestamps of the inputs,
	// minus the lag; nothing until every input has been heard from.
	mark := int64(-1)
	for _, ts := range w.streamTs {
		if ts < 0 {
			return
		}
		if mark < 0 || ts < mark {
			mark = ts
		}
	}
	mark -= w.cfg.lag.Milliseconds()
	if w.hasMark && mark <= w.watermark {
		return
	}
	w.watermark, w.hasMark = mark, true
	if _, ok := w.cfg.length.(Count); ok {
		w.evaluateEventCount()
		return
	}
	w.evaluateEventTime()
}

// evaluate evaluates a processing-time window ending at now (ms).
func (w *windowedExecutor) evaluate(now int64) {
	var start int64
	keep := 0 // index of the first event in the window
	switch l := w.cfg.length.(type) {
	case Count:
		keep = max(0, len(w.events)-int(l))
	case Duration:
		start = now - time.Duration(l).Milliseconds()
		for keep < len(w.events) && w.events[keep].ts <= start {
			keep++
		}
	}
	for _, ev := range w.events[:keep] {
		w.expire(ev.tup)
	}
	w.events = append(w.events[:0], w.events[keep:]...)
	w.fire(w.events, start, now)
	if w.cfg.tumbling() {
		// Nothing of a tumbling window is in the next one: it expires
		// as soon as it has been executed.
		for _, ev := range w.events {
			w.expire(ev.tup)
		}
		w.events = w.events[:0]
	}
}

// evaluateEventTime evaluates every window whose end the watermark passed.
// Window ends are aligned on multiples of the sliding interval, as Storm's
// WatermarkTimeTriggerPolicy aligns them; windows with no tuples are
// skipped.
func (w *windowedExecutor) evaluateEventTime() {
	length := time.Duration(w.cfg.length.(Duration)).Milliseconds()
	slide := time.Duration(w.cfg.slide.(Duration)).Milliseconds()
	for len(w.events) > 0 {
		earliest := w.events[0].ts
		for _, ev := range w.events {
			earliest = min(earliest, ev.ts)
		}
		// The first window that holds the earliest event ends at the
		// first multiple of slide at or after it.
		end := max(w.nextEnd, ceilDiv(earliest, slide)*slide)
		if end > w.watermark {
			return
		}
		start := end - length
		var in []winEvent
		for _, ev := range w.events {
			if ev.ts > start && ev.ts <= end {
				in = append(in, ev)
			}
		}
		w.fire(in, start, end)
		// Events at or before the next window's start leave for good.
		nextStart := end + slide - length
		rest := w.events[:0]
		for _, ev := range w.events {
			switch {
			case ev.ts <= nextStart:
				w.expire(ev.tup)
			default:
				if ev.ts <= end {
					ev.seen = true
				}
				rest = append(rest, ev)
			}
		}
		clear(w.events[len(rest):])
		w.events = rest
		w.nextEnd = end + slide
	}
}

// evaluateEventCount evaluates count windows on event time, as Storm's
// WatermarkCountTriggerPolicy does: taking the tuples up to the watermark
// in timestamp order, every slide-th one since the last evaluation ends a
// window of the length tuples up to it.
func (w *windowedExecutor) evaluateEventCount() {
	length, slide := int(w.cfg.length.(Count)), int(w.cfg.slide.(Count))
	sort.SliceStable(w.events, func(i, j int) bool { return w.events[i].ts < w.events[j].ts })
	k := 0
	for i := 0; i < len(w.events) && w.events[i].ts <= w.watermark; i++ {
		if w.events[i].ts <= w.lastTrigger {
			continue
		}
		if k++; k%slide != 0 {
			continue
		}
		end := w.events[i].ts
		lo := max(0, i+1-length)
		for _, ev := range w.events[:lo] {
			w.expire(ev.tup)
		}
		clear(w.events[:lo])
		w.events = w.events[lo:]
		i -= lo
		w.fire(w.events[:i+1], 0, end)
		w.lastTrigger = end
		if w.cfg.tumbling() {
			for _, ev := range w.events[:i+1] {
				w.expire(ev.tup)
			}
			clear(w.events[:i+1])
			w.events = w.events[i+1:]
			i = -1
		}
	}
}

// expire acks a tuple that has left its last window and keeps it to report
// in the next window's GetExpired.
func (w *windowedExecutor) expire(t *Tuple) {
	w.collector.Ack(t)
	w.expired = append(w.expired, t)
}

// fire calls the bolt with the window, anchoring its emits on the window's
// tuples.
func (w *windowedExecutor) fire(events []winEvent, start, end int64) {
	win := &TupleWindow{start: start, end: end, expired: w.expired}
	for i := range events {
		win.tuples = append(win.tuples, events[i].tup)
		if !events[i].seen {
			win.newTuples = append(win.newTuples, events[i].tup)
			events[i].seen = true
		}
	}
	w.expired = nil
	if len(win.tuples) == 0 && len(win.expired) == 0 {
		return
	}
	w.t.windowAnchors = win.tuples
	defer func() { w.t.windowAnchors = nil }()
	w.bolt.Execute(win)
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}

// windowTimerPeriod is how often a windowed bolt's executor calls onTimer:
// every sliding interval for processing-time duration windows, every
// watermark interval on event time, never for count windows.
func (e *executor) windowTimerPeriod() time.Duration {
	cfg := e.comp.def.bolt.(WindowedBolt).windowing()
	if cfg.eventTime() {
		if cfg.watermarkInterval > 0 {
			return cfg.watermarkInterval
		}
		return time.Second
	}
	if d, ok := cfg.slide.(Duration); ok {
		return time.Duration(d)
	}
	return 0
}
