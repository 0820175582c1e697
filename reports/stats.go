package reports

import (
	"math"

	"github.com/montanaflynn/stats"
)

// Estimate is a figure over repetitions with its 95% confidence interval.
// With one repetition there is no interval (HasCI false).
type Estimate struct {
	Mean   float64
	Lo, Hi float64
	N      int
	HasCI  bool
}

// EstimateOf returns the centre of xs with a Student-t 95% interval. Rates
// are positive and spread by factors (a busy second slows an engine by a
// fraction of its rate), so when every value is positive the centre is the
// geometric mean and the interval is computed on the logarithms: it is never
// negative, and it is the same interval RatioOf uses. Otherwise it is the
// arithmetic mean and interval.
func EstimateOf(xs []float64) Estimate {
	e := Estimate{N: len(xs)}
	if len(xs) == 0 {
		return e
	}
	ls := logs(xs)
	vals := xs
	if ls != nil {
		vals = ls
	}
	m, _ := stats.Mean(vals)
	lo, hi := m, m
	if len(xs) >= 2 {
		sd, _ := stats.StandardDeviationSample(vals)
		half := tQuantile975(float64(len(xs)-1)) * sd / math.Sqrt(float64(len(xs)))
		lo, hi, e.HasCI = m-half, m+half, true
	}
	if ls != nil {
		m, lo, hi = math.Exp(m), math.Exp(lo), math.Exp(hi)
	}
	e.Mean, e.Lo, e.Hi = m, lo, hi
	return e
}

// RatioOf estimates a/b from repetitions of each: the ratio of their
// geometric means, with a 95% interval from Welch's t on the logarithms
// (a ratio's error is symmetric in log space, not in linear space). The
// repetitions need not be paired. Values that are not positive make the
// ratio undefined (N 0).
func RatioOf(a, b []float64) Estimate {
	la, lb := logs(a), logs(b)
	if la == nil || lb == nil {
		return Estimate{}
	}
	ma, _ := stats.Mean(la)
	mb, _ := stats.Mean(lb)
	e := Estimate{Mean: math.Exp(ma - mb), N: min(len(a), len(b))}
	e.Lo, e.Hi = e.Mean, e.Mean
	if len(a) < 2 || len(b) < 2 {
		return e
	}
	va, _ := stats.VarS(la)
	vb, _ := stats.VarS(lb)
	sa, sb := va/float64(len(a)), vb/float64(len(b))
	se := math.Sqrt(sa + sb)
	e.HasCI = true
	if se == 0 {
		return e
	}
	// Welch-Satterthwaite degrees of freedom.
	df := (sa + sb) * (sa + sb) / (sa*sa/float64(len(a)-1) + sb*sb/float64(len(b)-1))
	half := tQuantile975(df) * se
	e.Lo, e.Hi = math.Exp(ma-mb-half), math.Exp(ma-mb+half)
	return e
}

func logs(xs []float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		if !(x > 0) {
			return nil
		}
		out[i] = math.Log(x)
	}
	return out
}

// t975 are Student's t 97.5% quantiles (two-sided 95%) for 1 to 30
// degrees of freedom.
var t975 = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// tQuantile975 returns t(0.975, df), rounding fractional degrees of freedom
// down (the conservative side); beyond the table it uses the normal
// quantile with the first term of the Cornish-Fisher expansion.
func tQuantile975(df float64) float64 {
	n := int(math.Floor(df))
	switch {
	case n < 1:
		return t975[0]
	case n <= len(t975):
		return t975[n-1]
	}
	z := stats.NormPpf(0.975, 0, 1)
	return z + (z*z*z+z)/(4*float64(n))
}
