package harness

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

// maxExamples is how many examples of each kind of discrepancy a result keeps.
const maxExamples = 10

// Verification is the verifier's verdict on a run's outputs.
type Verification struct {
	Guarantee engines.Guarantee `json:"guarantee"`
	// Unit names what the counts below count ("word occurrences", "alerts").
	Unit string `json:"unit"`
	// Expected is the oracle's total: the sum of the expected counts plus
	// the number of results judged by exact value.
	Expected int64 `json:"expected"`
	// Lost, Duplicated and Wrong count discrepancies. A count result short
	// of the oracle's is that many lost units, one above it that many
	// duplicated units; an exact result that is missing is one lost, one
	// that differs one wrong; a result the oracle does not know is wrong.
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	Wrong      int64 `json:"wrong"`
	// Results counts the distinct results expected and received; Outputs
	// the outputs (updates and events) received.
	ResultsExpected int64 `json:"results_expected"`
	ResultsReceived int64 `json:"results_received"`
	Outputs         int64 `json:"outputs"`
	// OK is false when a discrepancy breaks the guarantee: loss where it is
	// not allowed, duplicates where they are not allowed, anything wrong.
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
	Examples Examples `json:"examples"`
}

// Examples holds up to maxExamples discrepancies of each kind.
type Examples struct {
	Lost       []Discrepancy `json:"lost"`
	Duplicated []Discrepancy `json:"duplicated"`
	Wrong      []Discrepancy `json:"wrong"`
}

// Discrepancy is one result whose final value differs from the oracle's.
type Discrepancy struct {
	Key      string `json:"key"`
	Window   int64  `json:"window,omitempty"`
	Expected int64  `json:"expected"`
	Got      int64  `json:"got"`
	Present  bool   `json:"present"`
}

// Verify compares final values with the oracle's and judges them against g.
func Verify(want workloads.Expected, got map[workloads.Key]int64, outputs int64, g engines.Guarantee) Verification {
	v := Verification{Guarantee: g, Unit: want.Unit, Outputs: outputs,
		ResultsExpected: int64(len(want.Counts) + len(want.Exact)), ResultsReceived: int64(len(got)),
		Expected: want.Total() + int64(len(want.Exact))}
	var lost, dup, wrong []Discrepancy
	for k, w := range want.Counts {
		g, ok := got[k]
		d := Discrepancy{Key: k.Key, Window: k.Window, Expected: w, Got: g, Present: ok}
		switch {
		case g < w:
			v.Lost += w - g
			lost = append(lost, d)
		case g > w:
			v.Duplicated += g - w
			dup = append(dup, d)
		}
	}
	for k, w := range want.Exact {
		g, ok := got[k]
		d := Discrepancy{Key: k.Key, Window: k.Window, Expected: w, Got: g, Present: ok}
		switch {
		case !ok:
			v.Lost++
			lost = append(lost, d)
		case g != w:
			v.Wrong++
			wrong = append(wrong, d)
		}
	}
	for k, g := range got {
		_, isCount := want.Counts[k]
		_, isExact := want.Exact[k]
		if !isCount && !isExact {
			v.Wrong++
			wrong = append(wrong, Discrepancy{Key: k.Key, Window: k.Window, Got: g, Present: true})
		}
	}
	v.Examples = Examples{Lost: firstExamples(lost), Duplicated: firstExamples(dup), Wrong: firstExamples(wrong)}

	if v.Lost > 0 && !g.AllowsLoss() {
		v.Problems = append(v.Problems, fmt.Sprintf("%d %s lost, which %s forbids", v.Lost, v.Unit, g))
	}
	if v.Duplicated > 0 && !g.AllowsDuplicates() {
		v.Problems = append(v.Problems, fmt.Sprintf("%d %s duplicated, which %s forbids", v.Duplicated, v.Unit, g))
	}
	if v.Wrong > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%d wrong results", v.Wrong))
	}
	v.OK = len(v.Problems) == 0
	return v
}

// firstExamples returns the largest discrepancies first, at most maxExamples,
// in a stable order.
func firstExamples(ds []Discrepancy) []Discrepancy {
	slices.SortFunc(ds, func(a, b Discrepancy) int {
		da, db := abs(a.Got-a.Expected), abs(b.Got-b.Expected)
		return cmp.Or(cmp.Compare(db, da), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Window, b.Window))
	})
	if len(ds) > maxExamples {
		ds = ds[:maxExamples]
	}
	if ds == nil {
		ds = []Discrepancy{}
	}
	return ds
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
