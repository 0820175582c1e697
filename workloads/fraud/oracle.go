package fraud

import "github.com/streambench/streambench/workloads"

// past is a transaction as the oracle remembers it.
type past struct {
	amount, timeMs int64
	country        int
}

// history is everything the oracle remembers of a card: every transaction,
// and their total. It states the rules plainly, over the whole history, as
// a check on the pipelines' Profile, which keeps only what it must.
type history struct {
	txns []past
	sum  int64
}

// flags judges t against the card's history h by the rules and adds it.
func (r Rules) flags(h *history, t past) Alert {
	var a Alert
	n := int64(len(h.txns))
	if n >= r.MinHistory && t.amount*n > r.AmountFactor*h.sum {
		a |= AmountSpike
	}
	if k := r.VelocityCount - 1; len(h.txns) >= k && t.timeMs-h.txns[len(h.txns)-k].timeMs <= r.VelocityWindowMs {
		a |= Velocity
	}
	if n > 0 {
		if last := h.txns[n-1]; t.country != last.country && t.timeMs-last.timeMs <= r.TravelWindowMs {
			a |= Travel
		}
	}
	h.txns = append(h.txns, t)
	h.sum += t.amount
	return a
}

// Expect implements workloads.Instance: one alert per transaction the rules
// flag, judged over each card's transactions as the generator decided them,
// in offset order (a card lives in one partition).
func (in *Instance) Expect(published []int64) workloads.Expected {
	want := make(map[workloads.Key]int64)
	cards := make(map[int]*history)
	for p, n := range published {
		for o := range n {
			t := in.txn(int32(p), o)
			h := cards[t.card]
			if h == nil {
				h = &history{}
				cards[t.card] = h
			}
			if in.rules.flags(h, past{t.amount, t.timeMs, t.country}) != 0 {
				want[workloads.Key{Key: ID(t.g)}] = 1
			}
		}
	}
	return workloads.Expected{Counts: want, Unit: "alerts"}
}
