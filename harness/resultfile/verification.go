package resultfile

import "github.com/streambench/streambench/engines"

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
	OK bool `json:"ok"`
	// Interrupted marks the verdict on a run stopped before its engine had
	// drained the input (Ctrl-C): Lost then counts what was published but
	// not yet output, which is not judged; Note says so.
	Interrupted bool     `json:"interrupted,omitempty"`
	Note        string   `json:"note,omitempty"`
	Problems    []string `json:"problems,omitempty"`
	Examples    Examples `json:"examples"`
	// Contract is the check of the workload's output contract: what one
	// output is and what an engine may merge. Absent in files written before
	// the check existed, and for workloads that state no contract.
	Contract *ContractCheck `json:"contract,omitempty"`
}

// ContractCheck is what the verifier found against a workload's output
// contract (see the workloads package): an event merged or written as an
// update, or a merged running-count update that does not name the oldest
// record it covers (checked on a sample of the run's first merged updates).
// Any of them is a problem, whatever the guarantee.
type ContractCheck struct {
	EventsMerged         int64 `json:"events_merged"`
	EventsAsUpdates      int64 `json:"events_as_updates"`
	MergedUpdatesChecked int64 `json:"merged_updates_checked"`
	NotOldest            int64 `json:"not_oldest"`
	// Note says why part of the check was skipped.
	Note     string   `json:"note,omitempty"`
	Examples []string `json:"examples,omitempty"`
}

// Examples holds the largest discrepancies of each kind (the harness keeps
// up to ten).
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
