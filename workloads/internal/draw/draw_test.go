package draw

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/streambench/streambench/workloads"
)

// TestZipfFrequencies: the alias table draws every rank with its Zipf
// probability, for small and large tables and several exponents.
func TestZipfFrequencies(t *testing.T) {
	for _, tc := range []struct {
		n int
		s float64
	}{{1, 1.1}, {2, 1.5}, {10, 1.01}, {1000, 1.2}, {5000, 0}} {
		z := NewZipf(tc.n, tc.s)
		const draws = 400000
		got := make([]int, tc.n)
		for g := range int64(draws) {
			got[z.Pick(workloads.Mix(3, g))]++
		}
		var sum float64
		for k := range tc.n {
			sum += z.P(k)
			want := z.P(k) * draws
			// Five standard deviations of a binomial count, plus one.
			if tol := 5*math.Sqrt(want*(1-z.P(k))) + 1; math.Abs(float64(got[k])-want) > tol {
				t.Errorf("n=%d s=%g: rank %d drawn %d times, want %.0f ± %.0f", tc.n, tc.s, k, got[k], want, tol)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("n=%d s=%g: probabilities sum to %g", tc.n, tc.s, sum)
		}
		if tc.n > 1 && tc.s > 0 && z.P(0)/z.P(1) < math.Pow(2, tc.s)*0.999 {
			t.Errorf("n=%d s=%g: P(1)/P(2) = %g, want 2^s", tc.n, tc.s, z.P(0)/z.P(1))
		}
	}
}

func TestChance(t *testing.T) {
	for _, p := range []float64{0, 0.001, 0.3, 1} {
		c := NewChance(p)
		hits := 0
		const n = 200000
		for g := range int64(n) {
			if c.Hit(workloads.Mix(9, g)) {
				hits++
			}
		}
		want := p * n
		if tol := 5*math.Sqrt(want*(1-p)) + 1; math.Abs(float64(hits)-want) > tol {
			t.Errorf("chance %g: %d hits of %d", p, hits, n)
		}
	}
	if !NewChance(1).Hit(math.MaxUint64) || NewChance(0).Hit(0) {
		t.Error("chance 1 must always hit and chance 0 never")
	}
}

func TestUniformAndFloat(t *testing.T) {
	for g := range int64(10000) {
		h := workloads.Mix(1, g)
		if u := Uniform(h, 7); u < 0 || u >= 7 {
			t.Fatalf("Uniform(%d, 7) = %d", h, u)
		}
		if f := Float(h); f < 0 || f >= 1 {
			t.Fatalf("Float(%d) = %g", h, f)
		}
	}
	if Uniform(math.MaxUint64, 3) != 2 || Uniform(0, 3) != 0 {
		t.Error("Uniform must map the ends of the hash range to the ends of [0, n)")
	}
}

func TestWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 26 one-letter words exist; asking for 40 forces longer ones.
	words := Words(rng, 40, 1, 1)
	seen := map[string]bool{}
	for _, w := range words {
		if seen[w] || w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("word %q repeated or not lowercase letters", w)
		}
		seen[w] = true
	}
	if len(words) != 40 {
		t.Errorf("%d words", len(words))
	}
}

func TestText(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := Words(rng, 50, 2, 9)
	for n := 1; n < 300; n++ {
		s := string(Text([]byte("x"), rng, vocab, n))[1:]
		if len(s) != n || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
			t.Fatalf("Text(%d) = %q (%d bytes)", n, s, len(s))
		}
	}
}
