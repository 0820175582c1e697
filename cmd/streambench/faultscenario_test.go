package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// A fault scenario is a file of testdata/faults, one step a line:
//
//	start   FLAGS          the run's flags: engine, workload, guarantee, --nodes ...
//	publish FLAGS          its load: --rate, --duration or --records
//	fault   SCHEDULE       a --fault entry, repeatable
//	expect  FIGURE OP VALUE
//
// FIGURE is exit (the exit status), lost, duplicated, wrong (the
// verification), restarts (cluster.restarts), or a figure of the first
// fault's recovery: detection, first_output, downtime, recovery, resumed
// (seconds after the fault); OP is =, <, <=, >, >=; VALUE a number or a
// duration. A figure the run did not show fails every expectation but
// "absent". Lines starting with # are comments. A new scenario needs no
// Go code.
type scenario struct {
	name   string
	args   []string
	expect []expectation
}

type expectation struct {
	line        int
	figure, op  string
	value       float64
	wantAbsent  bool
	description string
}

// parseScenario reads one scenario file.
func parseScenario(path string) (*scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &scenario{name: strings.TrimSuffix(filepath.Base(path), ".txt"), args: []string{"run"}}
	sc := bufio.NewScanner(f)
	started := false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		step, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, a...))
		}
		switch step {
		case "start":
			if started {
				return nil, bad("a second start")
			}
			started = true
			s.args = append(s.args, strings.Fields(rest)...)
		case "publish":
			s.args = append(s.args, strings.Fields(rest)...)
		case "fault":
			s.args = append(s.args, "--fault", rest)
		case "expect":
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "absent" {
				s.expect = append(s.expect, expectation{line: n, figure: f[0], wantAbsent: true, description: rest})
				continue
			}
			if len(f) != 3 {
				return nil, bad("want expect FIGURE OP VALUE, got %q", rest)
			}
			switch f[1] {
			case "=", "<", "<=", ">", ">=":
			default:
				return nil, bad("unknown comparison %q (=, <, <=, >, >=)", f[1])
			}
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				d, derr := time.ParseDuration(f[2])
				if derr != nil {
					return nil, bad("%q is neither a number nor a duration", f[2])
				}
				v = d.Seconds()
			}
			s.expect = append(s.expect, expectation{line: n, figure: f[0], op: f[1], value: v, description: rest})
		default:
			return nil, bad("unknown step %q (start, publish, fault, expect)", step)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !started || len(s.expect) == 0 {
		return nil, fmt.Errorf("%s: a scenario needs a start and at least one expect", path)
	}
	return s, nil
}

// figure returns the named figure of a finished run, and whether the run
// showed it.
func figure(name string, code int, r *resultfile.Result) (float64, bool, error) {
	var rec *resultfile.RecoveryFigures
	if len(r.Recovery) > 0 {
		rec = &r.Recovery[0]
	}
	opt := func(p *float64, relative bool) (float64, bool, error) {
		if rec == nil || p == nil {
			return 0, false, nil
		}
		if relative {
			return *p - rec.FaultS, true, nil
		}
		return *p, true, nil
	}
	switch name {
	case "exit":
		return float64(code), true, nil
	case "lost":
		return float64(r.Verification.Lost), true, nil
	case "duplicated":
		return float64(r.Verification.Duplicated), true, nil
	case "wrong":
		return float64(r.Verification.Wrong), true, nil
	case "restarts":
		if r.Cluster == nil {
			return 0, false, nil
		}
		return float64(r.Cluster.Restarts), true, nil
	case "detection":
		return opt(recField(rec, func(f *resultfile.RecoveryFigures) *float64 { return f.DetectionS }), false)
	case "first_output":
		return opt(recField(rec, func(f *resultfile.RecoveryFigures) *float64 { return f.FirstOutputS }), false)
	case "recovery":
		return opt(recField(rec, func(f *resultfile.RecoveryFigures) *float64 { return f.RecoveryS }), false)
	case "resumed":
		return opt(recField(rec, func(f *resultfile.RecoveryFigures) *float64 { return f.ResumedS }), true)
	case "downtime":
		if rec == nil {
			return 0, false, nil
		}
		return rec.DowntimeS, true, nil
	}
	return 0, false, fmt.Errorf("unknown figure %q (exit, lost, duplicated, wrong, restarts, detection, first_output, recovery, resumed, downtime)", name)
}

func recField(rec *resultfile.RecoveryFigures, get func(*resultfile.RecoveryFigures) *float64) *float64 {
	if rec == nil {
		return nil
	}
	return get(rec)
}

func (e expectation) holds(v float64) bool {
	switch e.op {
	case "=":
		return v == e.value
	case "<":
		return v < e.value
	case "<=":
		return v <= e.value
	case ">":
		return v > e.value
	}
	return v >= e.value
}

// TestFaultScenarios runs every scenario of testdata/faults as a real
// `streambench run` (a cluster of processes where the scenario asks for
// one) and checks its expectations against the exit status and the
// result file; every run must also leave no process behind.
func TestFaultScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("starts clusters of processes")
	}
	paths, err := filepath.Glob(filepath.Join(testdataDir(t), "faults", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios (%v)", err)
	}
	for _, path := range paths {
		s, err := parseScenario(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "r.json")
			c := startChild(t, append(s.args, "--out", out, "--drain-timeout", "1m")...)
			code, _ := c.wait(t, 3*time.Minute)
			r, err := resultfile.ReadResult(out)
			if err != nil {
				t.Fatalf("exit %d, no result: %v\nstdout:\n%s\nstderr:\n%s", code, err, &c.stdout, c.stderrText())
			}
			failed := false
			for _, e := range s.expect {
				v, shown, err := figure(e.figure, code, r)
				switch {
				case err != nil:
					t.Errorf("%s:%d: %v", s.name, e.line, err)
				case e.wantAbsent && shown:
					t.Errorf("%s:%d: expect %s, but it is %g", s.name, e.line, e.description, v)
				case !e.wantAbsent && !shown:
					t.Errorf("%s:%d: expect %s, but the run did not show %s", s.name, e.line, e.description, e.figure)
				case !e.wantAbsent && !e.holds(v):
					t.Errorf("%s:%d: expect %s, got %g", s.name, e.line, e.description, v)
				default:
					continue
				}
				failed = true
			}
			if failed {
				t.Logf("stdout:\n%s\nstderr:\n%s", &c.stdout, c.stderrText())
			}
			if pids := processesOf(c.tmp); len(pids) > 0 {
				t.Errorf("processes left behind: %v", pids)
			}
		})
	}
}

// TestParseScenarioRefuses: a scenario file with a mistake is refused
// naming the file, the line and the problem.
func TestParseScenarioRefuses(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"publish --rate 1k\nexpect lost = 0\n", "needs a start"},
		{"start --engine core\n", "needs a start and at least one expect"},
		{"start --engine core\nexpect lost == 0\n", `:2: unknown comparison "=="`},
		{"start --engine core\nexpect lost = lots\n", `:2: "lots" is neither a number nor a duration`},
		{"start --engine core\nexpect lost\n", ":2: want expect FIGURE OP VALUE"},
		{"start --engine core\nrestart now\n", `:2: unknown step "restart"`},
		{"start --engine core\nstart --engine trident\n", ":2: a second start"},
	} {
		path := filepath.Join(t.TempDir(), "bad.txt")
		os.WriteFile(path, []byte(tc.text), 0o644)
		if _, err := parseScenario(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
}
