package harness

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Fault
		err  string // a part of the error, "" for none
	}{
		{in: "kill worker 1 at 10s", want: Fault{Action: FaultKill, Target: FaultWorker, Index: 1, At: 10 * time.Second}},
		{in: "kill worker at 0s", want: Fault{Action: FaultKill, Target: FaultWorker, At: 0}},
		{in: "  kill   agent random at 1.5s ", want: Fault{Action: FaultKill, Target: FaultAgent, Index: RandomIndex, At: 1500 * time.Millisecond}},
		{in: "kill master at 3s", want: Fault{Action: FaultKill, Target: FaultMaster, At: 3 * time.Second}},
		{in: "hang worker 2 at 5s for 2s", want: Fault{Action: FaultHang, Target: FaultWorker, Index: 2, At: 5 * time.Second, For: 2 * time.Second}},
		{in: "hang agent 0 at 5s for 2s every 10s count 3", want: Fault{Action: FaultHang, Target: FaultAgent, At: 5 * time.Second, For: 2 * time.Second, Every: 10 * time.Second, Count: 3}},
		{in: "kill worker 0 at 1s every 5s", want: Fault{Action: FaultKill, Target: FaultWorker, At: time.Second, Every: 5 * time.Second}},
		{in: "", err: "empty"},
		{in: "kil worker 1 at 10s", err: `unknown action "kil" (kill, hang)`},
		{in: "kill wrker 1 at 10s", err: `unknown target "wrker" (worker, agent, master)`},
		{in: "kill", err: "no target"},
		{in: "kill worker", err: "no time"},
		{in: "kill worker 1", err: `want "at <time>"`},
		{in: "kill worker -1 at 1s", err: `"-1" is not an index`},
		{in: "kill worker one at 1s", err: `"one" is not an index`},
		{in: "kill master 0 at 1s", err: "takes no index"},
		{in: "kill worker 1 at", err: `no duration after "at"`},
		{in: "kill worker 1 at soon", err: `at "soon" is not a duration`},
		{in: "kill worker 1 at -1s", err: "must be positive"},
		{in: "kill worker 1 at 1000h", err: "longer than the longest run"},
		{in: "hang worker 1 at 1s", err: `needs "for <duration>"`},
		{in: "kill worker 1 at 1s for 2s", err: `"for" applies to hang`},
		{in: "hang worker 1 at 1s for 0s", err: "must be positive"},
		{in: "kill worker 1 at 1s every 0s", err: "must be positive"},
		{in: "kill worker 1 at 1s count 2", err: `"count" belongs after "every`},
		{in: "kill worker 1 at 1s every 2s count 0", err: "count \"0\""},
		{in: "kill worker 1 at 1s every 2s count", err: "count \"\""},
		{in: "hang worker 1 at 1s for 3s every 2s", err: "would overlap"},
		{in: "kill worker 1 at 1s soon", err: `unexpected "soon"`},
		{in: "kill worker 1 at 1s every 2s every 3s", err: `unexpected "every"`},
		{in: "hang worker 1 at 1s every 5s for 1s", err: `unexpected "for"`},
	} {
		got, err := ParseFault(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadFault) {
				t.Errorf("ParseFault(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if again, err := ParseFault(got.String()); err != nil || again != got {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v back", got.String(), again, err, got)
		}
	}
}

func TestParseFaultsNamesTheFlag(t *testing.T) {
	_, err := ParseFaults("--fault", []string{"kill worker 0 at 1s", "kill wrker 1 at 10s"})
	want := `--fault 'kill wrker 1 at 10s': unknown target "wrker" (worker, agent, master)`
	var ue *UsageError
	if !errors.As(err, &ue) || err.Error() != want {
		t.Fatalf("ParseFaults = %v, want the usage error %s", err, want)
	}
}

func TestFaultFirings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		d    time.Duration
		want []time.Duration
	}{
		{"kill worker at 2s", 10 * time.Second, []time.Duration{2 * time.Second}},
		{"kill worker at 2s every 3s", 10 * time.Second, []time.Duration{2 * time.Second, 5 * time.Second, 8 * time.Second}},
		{"kill worker at 2s every 3s count 2", 10 * time.Second, []time.Duration{2 * time.Second, 5 * time.Second}},
		{"kill worker at 2s every 3s count 2", 0, []time.Duration{2 * time.Second, 5 * time.Second}},
		{"kill worker at 12s", 10 * time.Second, nil},
	} {
		f, err := ParseFault(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Firings(tc.d); !slices.Equal(got, tc.want) {
			t.Errorf("%s over %v fires at %v, want %v", tc.in, tc.d, got, tc.want)
		}
	}
}

// FuzzParseFault checks that the parser never panics, and that what it
// accepts prints in a form it reads back as the same fault.
func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"kill worker 1 at 10s", "hang agent random at 5s for 3s every 10s count 2", "kill master at 0s",
		"kill worker at 1s every 1ms", "hang worker 0 at 1s for 1ns every 2ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fault, err := ParseFault(s)
		if err != nil {
			if !errors.Is(err, ErrBadFault) {
				t.Fatalf("ParseFault(%q): error %v does not wrap ErrBadFault", s, err)
			}
			return
		}
		again, err := ParseFault(fault.String())
		if err != nil || again != fault {
			t.Fatalf("ParseFault(%q) = %+v, printed %q, read back %+v, %v", s, fault, fault.String(), again, err)
		}
		if n := len(fault.Firings(time.Hour)); n > MaxFaultFirings {
			t.Fatalf("%q fires %d times", s, n)
		}
	})
}
