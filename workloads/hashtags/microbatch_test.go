package hashtags

import (
	"bytes"
	"encoding/gob"
	"testing"
)

// TestMicrobatchRankStateCheckpoints: a window's ranking survives the gob
// round trip a checkpoint puts it through, ranks and intended time alike.
func TestMicrobatchRankStateCheckpoints(t *testing.T) {
	wr := &windowRanks{rankings: NewRankings(TopN), intended: 42}
	for i, c := range []int64{3, 9, 1, 9, 4, 12, 7, 2, 8, 5, 6, 11} {
		wr.rankings.UpdateWith(RankKey(i), c, nil)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(map[int64]*windowRanks{7: wr}); err != nil {
		t.Fatal(err)
	}
	var got map[int64]*windowRanks
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	back := got[7]
	if back.intended != 42 || back.rankings.Len() != TopN {
		t.Fatalf("intended %d, %d ranks after the round trip", back.intended, back.rankings.Len())
	}
	for i := range TopN {
		if back.rankings.Count(i) != wr.rankings.Count(i) {
			t.Errorf("rank %d: %d after the round trip, %d before", i, back.rankings.Count(i), wr.rankings.Count(i))
		}
	}
}
