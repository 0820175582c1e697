package resultfile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestRecoveryRoundTrip: a result's recovery entries read back equal, a
// figure the run did not show stays absent, and a result without faults
// has no recovery key (results written before faults read as before).
func TestRecoveryRoundTrip(t *testing.T) {
	r, _ := sampleResult()
	first, rec := 0.012, 3.0
	r.Recovery = []RecoveryFigures{
		{Fault: "kill worker 0 at 1s", Target: "worker 0", PlannedS: 1, FaultS: 1.003, FirstOutputS: &first, DowntimeS: 1,
			RecoveryS: &rec, BaselineOutputsPerSecond: 200000, PeakBacklog: 4000, RecoveryLatencyP99: 990904},
		{Fault: "kill master at 2s", Target: "master", PlannedS: 2, FaultS: 2, Error: "signal pid 7: no such process"},
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeResult(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Recovery, r.Recovery) {
		t.Errorf("read back %+v, want %+v", back.Recovery, r.Recovery)
	}
	if s := string(data); strings.Contains(s, `"detection_s"`) || !strings.Contains(s, `"recovery_s":3`) {
		t.Errorf("absent figures written, or present ones not: %s", s)
	}
	r.Recovery = nil
	if data, _ := json.Marshal(r); strings.Contains(string(data), `"recovery"`) {
		t.Errorf("a run without faults has a recovery key")
	}
}
