// Package draw has the random draws streambench's generators share: Zipf
// ranks in constant time from a hash of a record's position, chances tested
// against a hash, vocabularies of random words and lines of text of an exact
// length.
//
// Generators draw their tables once from the seed with a math/rand/v2
// generator, and then decide each record from workloads.Mix of its stream
// position alone, so a record can be produced again from its address. What
// is decided per record must be cheap: a table lookup, a multiplication, a
// comparison. Pick and Hit are that.
package draw

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Zipf draws ranks in [0, n) with P(k) proportional to 1/(k+1)^s, in
// constant time per draw, by Walker's alias method (in Vose's numerically
// stable form): each of n equally likely columns holds its own rank with
// some probability and one other rank (its alias) otherwise, so a draw is one
// multiplication and one comparison however large n is.
type Zipf struct {
	n    uint64
	cols []column
	p    []float64
}

// column is one column of the alias table, its two fields side by side so
// that a draw touches one cache line.
type column struct {
	cut   uint64 // the column's own rank when the fraction is below cut
	alias int32
}

// NewZipf builds the alias table of a Zipf law of exponent s over n ranks.
// It panics if n < 1 or s < 0: callers check their parameters first.
func NewZipf(n int, s float64) *Zipf {
	if n < 1 || s < 0 || n > math.MaxInt32 {
		panic("draw: Zipf needs n in [1, 2^31) and s >= 0")
	}
	z := &Zipf{n: uint64(n), cols: make([]column, n), p: make([]float64, n)}
	var sum float64
	for k := range n {
		z.p[k] = 1 / math.Pow(float64(k+1), s)
		sum += z.p[k]
	}
	q := make([]float64, n) // probability scaled so that the mean column holds 1
	var small, large []int32
	for k := range n {
		z.p[k] /= sum
		q[k] = z.p[k] * float64(n)
		if q[k] < 1 {
			small = append(small, int32(k))
		} else {
			large = append(large, int32(k))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		l, g := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		z.cols[l] = column{cut: fraction(q[l]), alias: g}
		q[g] += q[l] - 1 // g gave column l what l lacked
		if q[g] < 1 {
			large = large[:len(large)-1]
			small = append(small, g)
		}
	}
	// What is left holds (up to rounding) exactly one column's worth.
	for _, k := range append(small, large...) {
		z.cols[k] = column{cut: math.MaxUint64, alias: k}
	}
	return z
}

// fraction scales a probability in [0, 1] to a threshold on 64-bit
// fractions.
func fraction(p float64) uint64 {
	if p >= 1 {
		return math.MaxUint64
	}
	if p <= 0 {
		return 0
	}
	return uint64(p * (1 << 64))
}

// Pick returns the rank a 64-bit hash draws. The hash's high part (times n)
// chooses the column and the remaining fraction decides between the column
// and its alias, so one well-mixed hash is enough.
func (z *Zipf) Pick(h uint64) int {
	col, frac := bits.Mul64(h, z.n)
	c := z.cols[col]
	if frac < c.cut || c.cut == math.MaxUint64 {
		return int(col)
	}
	return int(c.alias)
}

// P returns the probability of rank k.
func (z *Zipf) P(k int) float64 { return z.p[k] }

// N returns the number of ranks.
func (z *Zipf) N() int { return int(z.n) }

// Chance is a probability as a threshold on 64-bit hashes: a record for
// which Hit(hash) holds was chosen with that probability.
type Chance struct {
	thr    uint64
	always bool
}

// NewChance returns the chance p, clamped to [0, 1].
func NewChance(p float64) Chance {
	return Chance{thr: fraction(p), always: p >= 1}
}

// Hit reports whether hash h falls within the chance.
func (c Chance) Hit(h uint64) bool { return c.always || h < c.thr }

// Uniform returns an integer in [0, n) from a hash, without the bias of a
// modulo: the high part of h times n.
func Uniform(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

// Float returns a number in [0, 1) from a hash.
func Float(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// Words returns n distinct random lowercase words of minLen to maxLen
// letters. Short words run out first; a word that keeps colliding is made
// one letter longer, so the loop always ends.
func Words(rng *rand.Rand, n, minLen, maxLen int) []string {
	seen := make(map[string]bool, n)
	words := make([]string, 0, n)
	b := make([]byte, 0, maxLen+8)
	for len(words) < n {
		l := minLen + rng.IntN(maxLen-minLen+1)
		for tries := 0; ; tries++ {
			if tries > 0 && tries%8 == 0 {
				l++
			}
			b = b[:0]
			for range l {
				b = append(b, byte('a'+rng.IntN(26)))
			}
			if !seen[string(b)] {
				break
			}
		}
		seen[string(b)] = true
		words = append(words, string(b))
	}
	return words
}

// Text appends to dst exactly n bytes of words drawn from vocab, separated
// by single spaces, with no space at either end, and returns it. The last
// word is cut short (or lengthened by a letter) to land on n exactly.
// vocab's words must be non-empty.
func Text(dst []byte, rng *rand.Rand, vocab []string, n int) []byte {
	start := len(dst)
	for len(dst)-start < n {
		left := n - (len(dst) - start)
		if len(dst) > start {
			if left == 1 { // no room for a space and a word
				dst = append(dst, byte('a'+rng.IntN(26)))
				break
			}
			dst = append(dst, ' ')
			left--
		}
		w := vocab[rng.IntN(len(vocab))]
		dst = append(dst, w[:min(len(w), left)]...)
	}
	return dst
}
