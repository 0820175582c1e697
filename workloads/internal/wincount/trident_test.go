package wincount

import (
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestCombiner(t *testing.T) {
	recs := []*engines.Record{{Intended: 5, Offset: 0}, {Intended: 9, Offset: 1}, {Intended: 7, Offset: 2}}
	agg := Combiner{}
	a := agg.Combine(agg.Zero(), recs[0])
	b := agg.Combine(agg.Combine(agg.Zero(), recs[1]), recs[2])
	p := agg.Combine(a, b).(*Partial)
	if p.N != 3 || p.Latest != recs[1] {
		t.Errorf("partial %+v, want 3 records, latest intended 9", p)
	}
	tot := totalAdd{}.Combine(Total{N: 2, Intended: 11}, Total{N: p.N, Intended: p.Latest.Intended}).(Total)
	if tot != (Total{N: 5, Intended: 11}) {
		t.Errorf("total %+v, want 5 keeping the latest intended 11", tot)
	}
}
