package harness

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// Judge decides whether the run r, which published input for publish at
// its asked rate, sustained that rate.
//
// The lag is sampled at every whole second from the end of the warm-up to
// the end of the input, as cumulative records_in minus records_read of the
// run's timeline; its slope is the Theil-Sen estimate (the median of the
// slopes between every pair of samples), which one outlying second (a GC
// pause, a micro-batch landing on the other side of a sample) cannot move
// the way it moves a least-squares fit. The drain after the input ended is
// not part of the trend: the backlog shrinks then by construction.
func Judge(r *resultfile.Result, publish time.Duration, c resultfile.Criteria) resultfile.Verdict {
	v := resultfile.Verdict{P99: r.Latency.P99}
	asked := r.Rate.Asked
	if asked > 0 {
		v.SendFraction = r.Rate.Achieved / asked
	}
	var lag []float64 // lag[t]: backlog at second t
	var cum float64
	lag = append(lag, 0)
	for _, p := range r.Timeline {
		if p.Second != len(lag)-1 {
			break // a gap: the run's last, partial interval
		}
		cum += float64(p.RecordsIn - p.RecordsRead)
		lag = append(lag, cum)
	}
	from := int(math.Ceil(r.WarmupS))
	to := min(int(publish/time.Second), len(lag)-1)
	var xs, ys []float64
	for t := from; t <= to; t++ {
		xs = append(xs, float64(t))
		ys = append(ys, lag[t])
	}
	v.LagPoints = len(xs)
	var lx, ly []float64
	for _, p := range r.Timeline {
		if p.Second >= from && p.Second < to && p.Outputs > 0 {
			lx = append(lx, float64(p.Second))
			ly = append(ly, float64(p.LatencyP50)/1e6)
		}
	}
	if len(lx) >= 2 {
		v.LatencySlope = TheilSen(lx, ly)
	}
	if len(xs) >= 2 {
		v.LagSlope = TheilSen(xs, ys)
		if asked > 0 {
			v.LagSlopeFraction = v.LagSlope / asked
		}
	}

	var words []string
	switch {
	case r.Error != "":
		v.Reasons = append(v.Reasons, resultfile.ReasonFailed)
		words = append(words, "the run failed: "+r.Error)
	case v.LagPoints < 3:
		v.Reasons = append(v.Reasons, resultfile.ReasonShort)
		words = append(words, fmt.Sprintf("only %d whole seconds of lag after the warm-up; the trend needs 3", v.LagPoints))
	}
	// A probe too short for a trend still shows a backlog that grew: its
	// growth from the start to the last whole second of input is the slope.
	// Such a probe is not sustainable however short, and it is judged
	// overloaded (the search learns from its throughput), not merely short.
	if v.LagPoints < 2 && to >= 1 {
		v.LagSlope = lag[to] / float64(to)
		if asked > 0 {
			v.LagSlopeFraction = v.LagSlope / asked
		}
	}
	if asked > 0 && to >= 1 && v.LagSlopeFraction > c.LagSlope {
		v.Reasons = append(v.Reasons, resultfile.ReasonLag)
		words = append(words, fmt.Sprintf("the backlog grew by %.0f records/s (%.1f%% of the rate; at most %.1f%%)",
			v.LagSlope, 100*v.LagSlopeFraction, 100*c.LagSlope))
	}
	if asked > 0 && v.SendFraction < c.SendRate {
		v.Reasons = append(v.Reasons, resultfile.ReasonSend)
		words = append(words, fmt.Sprintf("the driver published %.1f%% of the asked rate (at least %.0f%%): the source was full",
			100*v.SendFraction, 100*c.SendRate))
	}
	if asked > 0 && c.LatencySlope > 0 && v.LatencySlope > c.LatencySlope {
		v.Reasons = append(v.Reasons, resultfile.ReasonGrowing)
		words = append(words, fmt.Sprintf("median latency grew by %v each second (at most %v): a queue inside the engine grew",
			time.Duration(v.LatencySlope*float64(time.Second)).Round(time.Millisecond), time.Duration(c.LatencySlope*float64(time.Second))))
	}
	// Work due before the input ended must be done within the latency
	// bound of its end: a longer drain is a queue the engine hid (records
	// taken from the source but not processed), whatever the lag said.
	if drain := r.DurationS - (publish.Seconds() - r.WarmupS); asked > 0 && c.LatencyBound > 0 && r.Error == "" &&
		drain > c.LatencyBound.D().Seconds() {
		v.Reasons = append(v.Reasons, resultfile.ReasonDrain)
		words = append(words, fmt.Sprintf("the engine took %.1fs after the input ended to finish (more than the bound %v): it had fallen behind",
			drain, c.LatencyBound))
	}
	if bound := c.LatencyBound.D().Microseconds(); bound > 0 && (r.Latency.P99 > bound || r.Latency.Count == 0) {
		v.Reasons = append(v.Reasons, resultfile.ReasonLatency)
		if r.Latency.Count == 0 {
			words = append(words, "no outputs after the warm-up")
		} else {
			words = append(words, fmt.Sprintf("p99 latency %v over the bound %v",
				time.Duration(r.Latency.P99)*time.Microsecond, c.LatencyBound))
		}
	}
	v.Sustainable = len(v.Reasons) == 0 && asked > 0
	if v.Sustainable {
		v.Explain = fmt.Sprintf("sustainable: backlog trend %+.1f%% of the rate, %.1f%% of the rate published, p99 %v",
			100*v.LagSlopeFraction, 100*v.SendFraction, time.Duration(r.Latency.P99)*time.Microsecond)
	} else if asked == 0 {
		v.Explain = "a max-rate run: not judged"
	} else {
		v.Explain = joinWords(words)
	}
	return v
}

func joinWords(w []string) string {
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	s := w[0]
	for _, x := range w[1 : len(w)-1] {
		s += "; " + x
	}
	return s + "; and " + w[len(w)-1]
}

// TheilSen returns the Theil-Sen slope of ys over xs: the median of the
// slopes of every pair of points with distinct x.
func TheilSen(xs, ys []float64) float64 {
	var slopes []float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if dx := xs[j] - xs[i]; dx != 0 {
				slopes = append(slopes, (ys[j]-ys[i])/dx)
			}
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	slices.Sort(slopes)
	n := len(slopes)
	if n%2 == 1 {
		return slopes[n/2]
	}
	return (slopes[n/2-1] + slopes[n/2]) / 2
}

// Prober runs one run of a cell at rate (0: as fast as the engine takes
// records) and judges it. An error aborts the search: the context ended,
// or the cell cannot run at all (bad settings, an engine that breaks its
// guarantee). An overloaded or failed run is an outcome, not an error.
type Prober func(ctx context.Context, role string, rate float64) (resultfile.ProbeOutcome, error)

// SearchConfig shapes a sustainable-rate search.
type SearchConfig struct {
	// Start is the first probe's rate. 0 runs a max-rate calibration first
	// and starts at CalibrationShare of its throughput.
	Start            float64
	CalibrationShare float64
	// Step multiplies the rate after a sustainable probe and divides it
	// after an unsustainable one, until the first change of verdict (2:
	// doubling).
	Step float64
	// Ceiling, when set, is a rate believed unsustainable (a previous
	// repetition's lowest failing probe): the upward phase goes no higher
	// until a probe there passes.
	Ceiling float64
	// Precision ends the bisection once (hi-lo)/lo is at most this.
	Precision float64
	// MaxProbes bounds the probes (the calibration not counted).
	MaxProbes int
	// MinRate is the lowest rate probed; below it the cell is reported as
	// sustaining nothing.
	MinRate float64
}

// overhead is how far above a rate an engine is credited with processing
// when a run tells us it processed that rate: an engine cannot sustain much
// more than it processes, but one measurement is noisy.
const (
	calibrationHeadroom = 1.25
	failureHeadroom     = 1.1
)

// Search finds the highest sustainable rate of a cell. It probes upward
// from the start, multiplying by Step while probes pass, then bisects
// between the highest passing and the lowest failing rate until they are
// within Precision of each other.
//
// Two facts shorten the search without changing its answer: an engine
// cannot sustain much more than it processes, so the upward phase does not
// go beyond what the calibration (and any overloaded probe) processed, plus
// headroom, until a probe disproves that; and an overloaded probe's
// throughput is a better guess of the capacity than half its rate, so the
// bisection splits the bracket below it. Every probe is kept in the outcome,
// so the search can be audited.
func Search(ctx context.Context, cfg SearchConfig, probe Prober) (resultfile.SearchOutcome, error) {
	if cfg.Step <= 1 {
		cfg.Step = 2
	}
	if cfg.CalibrationShare <= 0 || cfg.CalibrationShare > 1 {
		cfg.CalibrationShare = 0.8
	}
	if cfg.MinRate <= 0 {
		cfg.MinRate = 100
	}
	if cfg.MaxProbes <= 0 {
		cfg.MaxProbes = 8
	}
	var out resultfile.SearchOutcome
	rate, ceiling := cfg.Start, cfg.Ceiling
	if rate <= 0 {
		cal, err := probe(ctx, resultfile.RoleCalibration, 0)
		out.Probes = append(out.Probes, cal)
		if err != nil {
			return out, err
		}
		if slices.Contains(cal.Verdict.Reasons, resultfile.ReasonFailed) || cal.Throughput <= 0 {
			return out, fmt.Errorf("the calibration run at max rate failed, so the cell cannot be searched: %s", cal.Verdict.Explain)
		}
		rate = roundRate(cfg.CalibrationShare * cal.Throughput)
		if ceiling == 0 {
			ceiling = calibrationHeadroom * cal.Throughput
		}
	}
	var lo, hi float64
	failures := 0 // probes failed while none has passed
	for probes := 0; ; probes++ {
		if lo > 0 && hi > 0 && (hi-lo)/lo <= cfg.Precision {
			out.Converged = true
			break
		}
		if probes == cfg.MaxProbes {
			out.Note = fmt.Sprintf("stopped after %d probes with the bracket [%.0f, %.0f] wider than %.0f%%", probes, lo, hi, 100*cfg.Precision)
			break
		}
		if rate < cfg.MinRate {
			out.Note = fmt.Sprintf("no rate down to %.0f records/s was sustainable", cfg.MinRate)
			break
		}
		p, err := probe(ctx, resultfile.RoleProbe, rate)
		out.Probes = append(out.Probes, p)
		if err != nil {
			return out, err
		}
		if p.Verdict.Sustainable {
			lo = max(lo, rate)
			if ceiling > 0 && 1.01*rate >= ceiling {
				ceiling = 0 // the guess was wrong: the engine does more
			}
		} else {
			if hi == 0 || rate < hi {
				hi = rate
			}
			// An overloaded run processed about the capacity; a run that
			// failed on latency alone says nothing about it.
			if overloaded(p.Verdict) && p.Throughput > lo {
				if c := failureHeadroom * p.Throughput; ceiling == 0 || c < ceiling {
					ceiling = c
				}
			}
		}
		if hi > 0 && ceiling >= hi {
			ceiling = 0 // a real failure bounds the bracket tighter
		}
		if !p.Verdict.Sustainable && lo == 0 {
			failures++
		}
		next := nextRate(lo, hi, ceiling, cfg.Step, cfg.Precision, failures, p)
		if rate = roundRate(next); rate <= lo || (hi > 0 && rate >= hi) {
			rate = next // rounding must not probe a rate already judged
		}
	}
	out.Sustainable, out.Lo, out.Hi = lo, lo, hi
	out.Bound = !out.Converged && lo > 0
	return out, nil
}

// overloaded reports whether a probe failed because the engine did not
// keep up (rather than on latency alone).
func overloaded(v resultfile.Verdict) bool {
	return slices.Contains(v.Reasons, resultfile.ReasonLag) || slices.Contains(v.Reasons, resultfile.ReasonSend) || slices.Contains(v.Reasons, resultfile.ReasonFailed) ||
		slices.Contains(v.Reasons, resultfile.ReasonDrain)
}

// nextRate picks the next probe's rate from the bracket so far; failures
// counts the probes that failed while none has passed.
func nextRate(lo, hi, ceiling, step, precision float64, failures int, last resultfile.ProbeOutcome) float64 {
	switch {
	case hi == 0: // upward: every probe so far passed
		next := lo * step
		// Stop at the estimated capacity, unless the probes have reached
		// it already (within 1%: probing it would repeat a rate judged).
		if ceiling > 1.01*lo && next > ceiling {
			next = ceiling
		}
		return next
	case lo == 0: // downward: every probe so far failed
		// A run that could not keep up processed about what the engine
		// can do: go to just under that rather than to a fixed fraction.
		// Once such a guess has failed too, the throughput of an overloaded
		// run is no guide (a noisy machine, an engine that buffers), so
		// step down geometrically rather than creep down by 5% a probe.
		if failures == 1 && overloaded(last.Verdict) && last.Throughput > 0 && last.Throughput < hi {
			return 0.95 * last.Throughput
		}
		return hi / step
	}
	if ceiling > lo && ceiling < hi {
		// Bisect below the estimated capacity; once within the precision
		// of it, probe the estimate itself: a failure there closes the
		// bracket, a pass disproves the estimate.
		if (ceiling-lo)/lo <= precision {
			return ceiling
		}
		return (lo + ceiling) / 2
	}
	return (lo + hi) / 2
}

// roundRate rounds a rate to three significant digits, so probe rates read
// well in file names and tables.
func roundRate(r float64) float64 {
	if r <= 0 {
		return 0
	}
	mag := math.Pow(10, math.Floor(math.Log10(r))-2)
	return math.Round(r/mag) * mag
}
