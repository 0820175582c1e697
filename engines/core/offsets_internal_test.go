package core

import (
	"math/rand/v2"
	"testing"
)

// TestOffsetTracker acks offsets in several orders and checks that base is
// always the lowest offset not yet acked.
func TestOffsetTracker(t *testing.T) {
	for _, tc := range []struct {
		name string
		acks []int64
		want int64
	}{
		{"none", nil, 100},
		{"in order", []int64{100, 101, 102}, 103},
		{"gap", []int64{100, 102, 103}, 101},
		{"gap filled", []int64{101, 102, 100}, 103},
		{"below base", []int64{5, 99}, 100},
		{"twice", []int64{100, 100, 101}, 102},
		{"across words", []int64{164, 163, 101, 100}, 102},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := offsetTracker{base: 100}
			for _, a := range tc.acks {
				tr.ack(a)
			}
			if tr.base != tc.want {
				t.Fatalf("base = %d, want %d", tr.base, tc.want)
			}
		})
	}
	// Shuffled windows of 1,000 offsets: after each window is acked, base
	// is its end, and the bitmap has not grown past it.
	rng := rand.New(rand.NewPCG(1, 2))
	tr := offsetTracker{}
	for w := int64(0); w < 50; w++ {
		offs := rng.Perm(1000)
		for i, o := range offs {
			tr.ack(w*1000 + int64(o))
			if i < len(offs)-1 && tr.base > w*1000+1000 {
				t.Fatalf("base %d ran past the window's end", tr.base)
			}
		}
		if tr.base != (w+1)*1000 || len(tr.bits) > 1 {
			t.Fatalf("window %d: base %d (want %d), %d words kept", w, tr.base, (w+1)*1000, len(tr.bits))
		}
	}
}
