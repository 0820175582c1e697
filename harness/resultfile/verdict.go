package resultfile

// Criteria decide whether a probe's offered rate was sustainable. They are
// the rule of Karimov et al. ("Benchmarking distributed stream data
// processing systems", 2018) in the form Theodolite uses: a rate is
// sustainable when the backlog in front of the engine does not grow (the
// trend of the lag between records published and records read is flat),
// latency stays bounded, and the load generator itself kept up, so the rate
// asked is the rate offered.
type Criteria struct {
	// LagSlope is the most the backlog may grow per second, as a fraction
	// of the rate (0.02: 2% of the records published each second).
	LagSlope float64 `json:"lag_slope"`
	// SendRate is the least fraction of the asked rate the driver must have
	// achieved.
	SendRate float64 `json:"send_rate"`
	// LatencyBound is the most the p99 latency after the warm-up may be.
	LatencyBound Duration `json:"latency_bound"`
	// LatencySlope is the most the per-second median latency may grow, in
	// seconds per second (0.05: 50ms more each second). A queue inside the
	// engine (records a receiver has taken but no batch has processed) is
	// invisible to the lag, which counts records taken from the source, but
	// not to latency: an engine that falls behind by a fraction f of the
	// rate adds f seconds of latency every second. 0 turns the rule off.
	LatencySlope float64 `json:"latency_slope,omitempty"`
}

// The reasons a probe is not sustainable, as Verdict.Reasons codes.
const (
	ReasonLag     = "lag"     // the backlog grew
	ReasonSend    = "send"    // the driver could not publish at the rate
	ReasonLatency = "latency" // p99 over the bound
	ReasonGrowing = "growing" // latency grew second after second
	ReasonDrain   = "drain"   // the engine took longer than the latency bound to finish after the input ended
	ReasonFailed  = "failed"  // the run failed
	ReasonShort   = "short"   // too few measured seconds to judge the trend
)

// Verdict is a probe judged against Criteria (by harness.Judge), with the
// figures it was judged on, so a reader can audit the search.
type Verdict struct {
	Sustainable bool `json:"sustainable"`
	// LagSlope is the trend of the backlog in records per second (Theil-Sen
	// estimate over the measured seconds), LagSlopeFraction the same
	// divided by the rate, and LagPoints how many per-second lag values it
	// was fitted to.
	LagSlope         float64 `json:"lag_slope"`
	LagSlopeFraction float64 `json:"lag_slope_fraction"`
	LagPoints        int     `json:"lag_points"`
	// SendFraction is the achieved publish rate over the asked one.
	SendFraction float64 `json:"send_fraction"`
	// P99 is the run's p99 latency in µs after the warm-up.
	P99 int64 `json:"p99_us"`
	// LatencySlope is the trend of the per-second median latency over the
	// same seconds, in seconds per second (Theil-Sen).
	LatencySlope float64 `json:"latency_slope"`
	// Reasons lists why the rate is not sustainable (Reason* codes), and
	// Explain says it in words.
	Reasons []string `json:"reasons,omitempty"`
	Explain string   `json:"explain"`
}

// Roles of a bench run.
const (
	RoleCalibration = "calibration" // a max-rate run that places the first probe
	RoleProbe       = "probe"       // a run of the sustainable-rate search
	RoleLoad        = "load"        // a run at a fraction of the sustainable rate
)

// ProbeOutcome is one run of a bench: its role, rate, result file and
// verdict.
type ProbeOutcome struct {
	Role string `json:"role"`
	// Rate is the offered load in records/s, 0 for a max-rate run;
	// Fraction, for a load run, the fraction of the sustainable rate.
	Rate     float64 `json:"rate"`
	Fraction float64 `json:"fraction,omitempty"`
	// File is the result file, relative to the bench directory.
	File string `json:"file"`
	// Throughput is the records/s the engine processed in the measured
	// window: for a max-rate run its capacity, for an overloaded probe
	// about the same.
	Throughput float64 `json:"throughput"`
	Verdict    Verdict `json:"verdict"`
	// Extended marks a probe run twice as long as the suite's probes: its
	// rate was above what the engine processed at the max-rate calibration,
	// a claim that needs more evidence than a short run gives.
	Extended bool `json:"extended,omitempty"`
	// Seconds is how long the run took, setup and drain included.
	Seconds float64 `json:"seconds"`
}

// SearchOutcome is a finished search with every run it made.
type SearchOutcome struct {
	// Sustainable is the highest rate a probe sustained (0: none did).
	Sustainable float64 `json:"sustainable"`
	// Lo and Hi bracket the sustainable rate: the highest sustained and the
	// lowest unsustained probe (0 when there was none).
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Converged says the bracket narrowed to the precision; otherwise the
	// search ran out of probes and Note says so.
	Converged bool `json:"converged"`
	// Bound marks a search that did not converge but sustained some rate:
	// Sustainable is then only a lower bound (the highest rate that passed)
	// and Hi, when set, an upper one; reports show it as a bound, not as a
	// figure.
	Bound  bool           `json:"bound,omitempty"`
	Note   string         `json:"note,omitempty"`
	Probes []ProbeOutcome `json:"probes"`
}
