package harness

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// maxExamples is how many examples of each kind of discrepancy a result keeps.
const maxExamples = 10

// Verify compares final values with the oracle's and judges them against g.
func Verify(want workloads.Expected, got map[workloads.Key]int64, outputs int64, g engines.Guarantee) resultfile.Verification {
	return verify(want, got, outputs, g, false)
}

// VerifyInterrupted judges the outputs of a run stopped before the engine
// drained its input: want must be the oracle's answer for what was
// published before the stop. Records the engine had not processed yet are
// no fault of its guarantee, so a shortfall is counted and explained but
// not judged; duplicates (where g forbids them) and wrong results are.
func VerifyInterrupted(want workloads.Expected, got map[workloads.Key]int64, outputs int64, g engines.Guarantee) resultfile.Verification {
	return verify(want, got, outputs, g, true)
}

func verify(want workloads.Expected, got map[workloads.Key]int64, outputs int64, g engines.Guarantee, interrupted bool) resultfile.Verification {
	v := resultfile.Verification{Guarantee: g, Unit: want.Unit, Outputs: outputs,
		ResultsExpected: int64(len(want.Counts) + len(want.Exact)), ResultsReceived: int64(len(got)),
		Expected: want.Total() + int64(len(want.Exact))}
	var lost, dup, wrong []resultfile.Discrepancy
	for k, w := range want.Counts {
		g, ok := got[k]
		d := resultfile.Discrepancy{Key: k.Key, Window: k.Window, Expected: w, Got: g, Present: ok}
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
		d := resultfile.Discrepancy{Key: k.Key, Window: k.Window, Expected: w, Got: g, Present: ok}
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
			wrong = append(wrong, resultfile.Discrepancy{Key: k.Key, Window: k.Window, Got: g, Present: true})
		}
	}
	v.Examples = resultfile.Examples{Lost: firstExamples(lost), Duplicated: firstExamples(dup), Wrong: firstExamples(wrong)}

	v.Interrupted = interrupted
	if interrupted {
		v.Note = fmt.Sprintf("interrupted: judged against the %d %s published before the stop; "+
			"the %d not yet output are not loss, duplicates and wrong results are judged", v.Expected, v.Unit, v.Lost)
	}
	if v.Lost > 0 && !g.AllowsLoss() && !interrupted {
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
func firstExamples(ds []resultfile.Discrepancy) []resultfile.Discrepancy {
	slices.SortFunc(ds, func(a, b resultfile.Discrepancy) int {
		da, db := abs(a.Got-a.Expected), abs(b.Got-b.Expected)
		return cmp.Or(cmp.Compare(db, da), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Window, b.Window))
	})
	if len(ds) > maxExamples {
		ds = ds[:maxExamples]
	}
	if ds == nil {
		ds = []resultfile.Discrepancy{}
	}
	return ds
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
