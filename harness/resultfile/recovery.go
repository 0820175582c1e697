package resultfile

// RecoveryFigures are one injected fault and how the run came back from
// it, computed from the run's per-second timeline (Result.Timeline) and the
// time the harness injected the fault. Times are seconds from the run's
// start (the timeline's Second 0), durations seconds; a figure the run did
// not show (no output after the fault, no recovery before the run's end)
// is absent. What the fault lost or duplicated is not here but in the
// run's Verification: the oracle judges the whole run.
type RecoveryFigures struct {
	// Fault is the schedule entry as streambench writes it
	// ("kill worker 1 at 10s"); Target the process it hit ("worker 1",
	// "agent 0", "master"), with its PID in a cluster run (0 in local mode,
	// where a worker is a group of goroutines).
	Fault  string `json:"fault"`
	Target string `json:"target"`
	PID    int    `json:"pid,omitempty"`
	// PlannedS is when the schedule said to fire, FaultS when the harness
	// did (after resolving the target); ResumedS, for a hang, when it sent
	// SIGCONT.
	PlannedS float64  `json:"planned_s"`
	FaultS   float64  `json:"fault_s"`
	ResumedS *float64 `json:"resumed_s,omitempty"`
	// Error says why the fault could not be injected (its target was not
	// running, say); the figures below are then absent.
	Error string `json:"error,omitempty"`
	// InWarmup marks a fault injected during the warm-up; its figures are
	// computed all the same, against whatever came before it.
	InWarmup bool `json:"in_warmup,omitempty"`

	// FirstOutputS is the time from the fault to the first output the
	// sink received after it: measured by the harness as outputs arrive
	// (to a few milliseconds), not at the timeline's resolution. It is the
	// run's output, from any worker: where other workers keep running,
	// it is short however long the one hit takes to come back.
	FirstOutputS *float64 `json:"first_output_s,omitempty"`
	// DowntimeS is the longest stretch of whole timeline seconds with no
	// output, from the fault's second to the run's end (or recovery):
	// a multiple of one second, 0 when every second had outputs.
	DowntimeS float64 `json:"downtime_s"`
	// RecoveryS is the time from the fault to the start of the first
	// 5-second window of the timeline from which outputs per second stay
	// at or above 95% of BaselineOutputsPerSecond and the backlog (records
	// published and not yet read) stops growing; absent when that did not
	// happen before the run's end.
	RecoveryS *float64 `json:"recovery_s,omitempty"`
	// BaselineOutputsPerSecond is the median outputs per second of the
	// whole seconds before the fault (warm-up included: a fault in the
	// warm-up has nothing else before it), 0 when there were none.
	BaselineOutputsPerSecond float64 `json:"baseline_outputs_per_second"`
	// PeakBacklog is the most records published and not yet read at the
	// end of any second from the fault to the run's end.
	PeakBacklog int64 `json:"peak_backlog"`
	// RecoveryLatencyP99 is the highest per-second p99 latency, in µs,
	// of the seconds from the fault to recovery (to the run's end when it
	// did not recover): the per-second p99s are not merged, so this is
	// an upper bound of the recovery's p99, never an average.
	RecoveryLatencyP99 int64 `json:"recovery_latency_p99_us"`
	// DetectionS, in a cluster run with a worker killed, is the time from
	// the fault to the first heartbeat of the worker's restarted process
	// (a new PID for the same worker index): the agent (Storm's
	// Supervisor) has seen the death and relaunched it. Absent otherwise.
	DetectionS *float64 `json:"detection_s,omitempty"`
}
