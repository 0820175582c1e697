package trident

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/windowing"
)

// windowRecord is what a window task keeps in its store for one batch: the
// tuples the batch added, what it fired, and the window's state after it.
// Storm's WindowTridentProcessor keeps a batch's tuples under keys of the
// window, task and txid, and the triggers a batch fired under its txid, so
// that a retried batch emits them again; a record here holds both.
type windowRecord struct {
	txid  int64
	state windowState // counters only; the tuples are in batch
	batch []windowed
	fired []tuple.Values
}

const windowRecordVersion = 1

// errWindowRecord marks a record the window cannot read back.
var errWindowRecord = errors.New("unreadable window record")

func timeNanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

func nanosTime(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// encodeWindowRecord encodes r with the state codec, as one list.
func encodeWindowRecord(r windowRecord) ([]byte, error) {
	tuples := make([]any, len(r.batch))
	for i, w := range r.batch {
		tuples[i] = []any{w.at.UnixNano(), []any(w.t.Values())}
	}
	fired := make([]any, len(r.fired))
	for i, v := range r.fired {
		fired[i] = []any(v)
	}
	s := r.state
	return state.AppendValue(nil, []any{int64(windowRecordVersion), r.txid, s.seq, s.added, s.lastFired,
		timeNanos(s.lastEnd), timeNanos(s.watermark), tuples, fired})
}

// decodeWindowRecord reads back a record whose tuples have the fields of
// in and whose fired rows have those of out.
func decodeWindowRecord(b []byte, in, out *tuple.Schema) (windowRecord, error) {
	var r windowRecord
	v, err := state.DecodeValue(b)
	if err != nil {
		return r, fmt.Errorf("%w: %w", errWindowRecord, err)
	}
	l, ok := v.([]any)
	if !ok || len(l) != 9 {
		return r, fmt.Errorf("%w: not a list of 9", errWindowRecord)
	}
	var ints [7]int64
	for i := range ints {
		if ints[i], ok = l[i].(int64); !ok {
			return r, fmt.Errorf("%w: item %d is %T, not an integer", errWindowRecord, i, l[i])
		}
	}
	if ints[0] != windowRecordVersion {
		return r, fmt.Errorf("%w: version %d (this streambench reads %d)", errWindowRecord, ints[0], windowRecordVersion)
	}
	r.txid = ints[1]
	r.state = windowState{seq: ints[2], added: ints[3], lastFired: ints[4], lastEnd: nanosTime(ints[5]), watermark: nanosTime(ints[6])}
	tuples, ok1 := l[7].([]any)
	fired, ok2 := l[8].([]any)
	if !ok1 || !ok2 {
		return r, fmt.Errorf("%w: tuples or fired windows not lists", errWindowRecord)
	}
	for _, x := range tuples {
		pair, ok := x.([]any)
		if !ok || len(pair) != 2 {
			return r, fmt.Errorf("%w: a tuple is not [time, values]", errWindowRecord)
		}
		at, ok1 := pair[0].(int64)
		vals, ok2 := pair[1].([]any)
		if !ok1 || !ok2 || len(vals) != len(in.Fields()) {
			return r, fmt.Errorf("%w: a tuple is not [time, %d values]", errWindowRecord, len(in.Fields()))
		}
		r.batch = append(r.batch, windowed{t: tuple.New(in, vals), at: time.Unix(0, at), txid: r.txid})
	}
	for _, x := range fired {
		vals, ok := x.([]any)
		if !ok || len(vals) != len(out.Fields()) {
			return r, fmt.Errorf("%w: a fired window is not %d values", errWindowRecord, len(out.Fields()))
		}
		r.fired = append(r.fired, tuple.Values(vals))
	}
	return r, nil
}

func (p *windowProc) key(txid int64) string { return fmt.Sprintf("%s%020d", p.prefix, txid) }

// save writes a batch's record (and any an earlier failed write left), then
// removes the records no window and no replay needs any more: those whose
// tuples have all left the window, older than the replay horizon.
func (p *windowProc) save(rec windowRecord) error {
	p.unsaved = append(p.unsaved, rec)
	entries := make([]windowing.Entry, 0, len(p.unsaved))
	for _, r := range p.unsaved {
		b, err := encodeWindowRecord(r)
		if err != nil {
			// The tuple will not encode on any replay either.
			return fmt.Errorf("%w: window store: batch %d: %w", ErrStopRun, r.txid, err)
		}
		entries = append(entries, windowing.Entry{Key: p.key(r.txid), Value: b})
	}
	if err := p.store.PutAll(entries); err != nil {
		return fmt.Errorf("window store: %w", err)
	}
	for _, r := range p.unsaved {
		p.records[r.txid] = true
	}
	p.unsaved = nil
	live := make(map[int64]bool)
	for _, w := range p.tuples {
		live[w.txid] = true
	}
	var drop []string
	for txid := range p.records {
		if !live[txid] && txid < rec.txid-p.horizon() {
			drop = append(drop, p.key(txid))
			delete(p.records, txid)
		}
	}
	if err := p.store.RemoveAll(drop); err != nil {
		return fmt.Errorf("window store: %w", err)
	}
	return nil
}

// restore takes back the task's records: the window's tuples in arrival
// order, what each batch fired, and the state after the last batch.
func (p *windowProc) restore() error {
	keys, err := p.store.Keys(p.prefix)
	if err != nil {
		return fmt.Errorf("window store: %w", err)
	}
	var recs []windowRecord
	for _, k := range keys {
		b, ok, err := p.store.Get(k)
		if err != nil {
			return fmt.Errorf("window store: %w", err)
		}
		if !ok {
			continue
		}
		r, err := decodeWindowRecord(b, p.in, p.out)
		if err != nil {
			return fmt.Errorf("window store: record %q: %w (a window built otherwise than the one that wrote it? Remove the store's records to start the window afresh)", k, err)
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return nil
	}
	slices.SortFunc(recs, func(a, b windowRecord) int { return cmpOrdered(a.state.seq, b.state.seq) })
	var tuples []windowed
	for _, r := range recs {
		tuples = append(tuples, r.batch...)
		p.seen[r.txid] = true
		p.fired[r.txid] = r.fired
		p.records[r.txid] = true
	}
	p.windowState = recs[len(recs)-1].state
	p.tuples = tuples
	if p.cfg.Count > 0 {
		if n := len(p.tuples); n > p.cfg.Count {
			p.tuples = p.tuples[n-p.cfg.Count:]
		}
	} else {
		p.forget()
	}
	return nil
}
