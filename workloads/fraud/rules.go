package fraud

import (
	"math/bits"
	"strings"
)

// Alert is the set of rules a transaction broke.
type Alert uint8

// The rules.
const (
	// AmountSpike: more than AmountFactor times the card's mean amount.
	AmountSpike Alert = 1 << iota
	// Velocity: the VelocityCount-th transaction within VelocityWindow.
	Velocity
	// Travel: another country than the previous transaction's, too soon.
	Travel
)

// String names the rules broken, "amount+travel", or "none".
func (a Alert) String() string {
	var names []string
	for i, n := range []string{"amount", "velocity", "travel"} {
		if a&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// Rules are the thresholds of the three rules.
type Rules struct {
	AmountFactor     int64
	MinHistory       int64
	VelocityCount    int
	VelocityWindowMs int64
	TravelWindowMs   int64
}

// Profile is what a pipeline remembers of one card: enough to judge its next
// transaction, and no more. It is the per-key state of every engine's
// pipeline (a bolt's map, a Trident state, Spark's mapWithState).
type Profile struct {
	count, sum int64
	recent     []int64 // ring of the last VelocityCount-1 event times
	next       int     // the ring's oldest slot, written next
	country    uint32  // the last country, packed: no pointer to chase
	lastMs     int64
}

// packCountry packs a country code of two or three letters (Parse accepts
// no other) into an integer.
func packCountry(c string) uint32 {
	var v uint32
	for i := range len(c) {
		v = v<<8 | uint32(c[i])
	}
	return v
}

// Check judges t, the next transaction of the card p profiles, and adds it
// to p. Transactions of a card must come in order: the profile holds only
// the past.
func (r Rules) Check(p *Profile, t Txn) Alert {
	var a Alert
	// amount > factor * sum/count, in integers and without overflow.
	if p.count >= r.MinHistory && greater(uint64(t.Amount), uint64(p.count), uint64(r.AmountFactor), uint64(p.sum)) {
		a |= AmountSpike
	}
	k := r.VelocityCount - 1 // transactions before this one in the burst
	if p.count >= int64(k) && t.TimeMs-p.recent[p.next] <= r.VelocityWindowMs {
		a |= Velocity
	}
	country := packCountry(t.Country)
	if p.count > 0 && country != p.country && t.TimeMs-p.lastMs <= r.TravelWindowMs {
		a |= Travel
	}
	if p.recent == nil {
		p.recent = make([]int64, k)
	}
	p.recent[p.next] = t.TimeMs
	p.next = (p.next + 1) % k
	p.count++
	p.sum += t.Amount
	p.country = country
	p.lastMs = t.TimeMs
	return a
}

// greater reports whether a*b > c*d, with 128-bit products.
func greater(a, b, c, d uint64) bool {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	return h1 > h2 || h1 == h2 && l1 > l2
}
