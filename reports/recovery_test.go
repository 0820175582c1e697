package reports

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// faultRun is a simulated run with faults: what the fault schedule was,
// and what the verifier found.
type faultRun struct {
	file       string
	engine     string
	guarantee  engines.Guarantee
	nodes      int
	seed       uint64
	faults     []string
	lost, dups int64
	// notInjected is the error of the last fault, which could not be
	// injected ("" when it was).
	notInjected string
}

// faultRuns are the fixture's runs: claims that hold (at-least-once
// duplicating, which it may; at-most-once losing, counted), claims that
// fail (at-least-once losing under a hang, exactly-once duplicating on one
// of its two repeats), and a fault that could not be injected.
var faultRuns = []faultRun{
	{file: "fault-core-alo-kill-worker-s1.json", engine: "core", guarantee: engines.AtLeastOnce, nodes: 2, seed: 1, faults: []string{"kill worker 1 at 4s"}, dups: 1200},
	{file: "fault-core-alo-kill-worker-s2.json", engine: "core", guarantee: engines.AtLeastOnce, nodes: 2, seed: 2, faults: []string{"kill worker 1 at 4s"}},
	{file: "fault-core-alo-kill-agent.json", engine: "core", guarantee: engines.AtLeastOnce, nodes: 2, seed: 1, faults: []string{"kill agent 0 at 4s"}},
	{file: "fault-core-alo-hang-worker.json", engine: "core", guarantee: engines.AtLeastOnce, nodes: 2, seed: 1, faults: []string{"hang worker 0 at 4s for 3s"}, lost: 37},
	{file: "fault-core-alo-kill-master.json", engine: "core", guarantee: engines.AtLeastOnce, nodes: 2, seed: 1,
		faults: []string{"kill master at 4s", "kill agent 3 at 8s"}, notInjected: "agent 3 is not running: the cluster has agents 0 and 1"},
	{file: "fault-core-amo-kill-worker.json", engine: "core", guarantee: engines.AtMostOnce, nodes: 2, seed: 1, faults: []string{"kill worker 1 at 4s"}, lost: 5210},
	{file: "fault-trident-eo-kill-worker-s1.json", engine: "trident", guarantee: engines.ExactlyOnce, seed: 1, faults: []string{"kill worker 0 at 4s"}},
	{file: "fault-trident-eo-kill-worker-s2.json", engine: "trident", guarantee: engines.ExactlyOnce, seed: 2, faults: []string{"kill worker 0 at 4s"}, dups: 3},
}

// writeFaultRuns writes the fixture's runs into dir: simulated runs whose
// timelines then stop for the faults' downtime and catch up, with their
// recovery figures and the verifier's counts and examples.
func writeFaultRuns(t testing.TB, dir string) {
	t.Helper()
	sim := &harness.Simulation{Capacity: func(string, string) float64 { return 60_000 }, Latency: 2 * time.Millisecond, Seed: 5,
		Start:       time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC),
		Environment: resultfile.Environment{GitCommit: "4080de0a5d92ebae49b464f9b65d307207769a63", Version: "v0.1.0", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", GOMAXPROCS: 2, Cores: 2, Nodes: 1, Hostname: "bench-1"}}
	for _, fr := range faultRuns {
		cmd := []string{"streambench", "run", "--engine", fr.engine, "--workload", "wordcount", "--guarantee", fr.guarantee.String(),
			"--rate", "40000", "--duration", "14s", "--seed", fmt.Sprint(fr.seed)}
		cfg := harness.RunConfig{Engine: fr.engine, Workload: "wordcount", Seed: fr.seed, Partitions: 4, Parallelism: 2,
			Guarantee: fr.guarantee, Rate: 40_000, Duration: 14 * time.Second, Warmup: time.Second}
		if fr.nodes > 0 {
			cfg.Cluster = harness.ClusterConfig{Nodes: fr.nodes, Timing: "fast"}
			cfg.Source = harness.SourceConfig{Name: SourceJetStream}
			cmd = append(cmd, "--source", "jetstream", "--nodes", fmt.Sprint(fr.nodes), "--timing", "fast")
		}
		for _, f := range fr.faults {
			cmd = append(cmd, "--fault", f)
		}
		cfg.Command = cmd
		m, err := sim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		res := m.Result
		for i, f := range fr.faults {
			at := 4.0 + 4*float64(i)
			rf := resultfile.RecoveryFigures{Fault: f, Target: strings.Join(strings.Fields(f)[1:3], " "), PlannedS: at, FaultS: at + 0.02,
				BaselineOutputsPerSecond: 40_000}
			if strings.Fields(f)[1] == "master" {
				rf.Target = "master"
			}
			if fr.nodes > 0 {
				rf.PID = 4100 + 10*i + int(fr.seed)
			}
			if i == len(fr.faults)-1 && fr.notInjected != "" {
				rf.Error, rf.PID = fr.notInjected, 0
				res.Recovery = append(res.Recovery, rf)
				continue
			}
			// A kill of the master stops nothing the topology needs; a
			// worker or an agent killed stops output for a second (two
			// for a hang of 3s), then the backlog is read at capacity.
			down := map[string]int{"kill worker": 1, "kill agent": 1, "kill master": 0, "hang worker": 3}[FaultKind(f)]
			sec := int(at)
			backlog := int64(0)
			for s := sec; s < sec+down && s < len(res.Timeline); s++ {
				p := &res.Timeline[s]
				p.RecordsRead, p.Outputs, p.LatencyP50, p.LatencyP99, p.LatencyMax = 0, 0, 0, 0, 0
				backlog += p.RecordsIn
			}
			for s := sec + down; s < sec+down+2 && s < len(res.Timeline) && down > 0; s++ {
				p := &res.Timeline[s]
				p.RecordsRead, p.Outputs = 60_000, 60_000
				p.LatencyP50, p.LatencyP99, p.LatencyMax = int64(down)*600_000, int64(down)*1_100_000, int64(down)*1_200_000
			}
			first, recovery := 0.05+float64(down), 2.0+float64(down)
			if down == 0 {
				recovery = 0
			}
			rf.FirstOutputS, rf.RecoveryS, rf.DowntimeS, rf.PeakBacklog = &first, &recovery, float64(down), backlog
			rf.RecoveryLatencyP99 = max(int64(down)*1_100_000, res.Latency.P99)
			if strings.HasPrefix(f, "hang") {
				resumed := at + 3.02
				rf.ResumedS = &resumed
			}
			if FaultKind(f) == "kill worker" && fr.nodes > 0 {
				detection := 0.62
				rf.DetectionS = &detection
			}
			res.Recovery = append(res.Recovery, rf)
		}
		v := &res.Verification
		v.Unit = "word occurrences"
		v.Lost, v.Duplicated = fr.lost, fr.dups
		for i := range min(fr.lost, 3) {
			v.Examples.Lost = append(v.Examples.Lost, resultfile.Discrepancy{Key: fmt.Sprintf("word-%d", 17+i), Window: 4, Expected: 12 - i, Got: 9 - i, Present: true})
		}
		for i := range min(fr.dups, 2) {
			v.Examples.Duplicated = append(v.Examples.Duplicated, resultfile.Discrepancy{Key: fmt.Sprintf("word-%d", 40+i), Window: 5, Expected: 7, Got: 8 + i, Present: true})
		}
		v.OK = ClaimOf(res).Holds
		if !v.OK {
			v.Problems = []string{ClaimOf(res).Why + " under " + fr.guarantee.String()}
		}
		if err := m.Write(filepath.Join(dir, fr.file)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaimOf: each guarantee's claim under faults, table-driven.
func TestClaimOf(t *testing.T) {
	for _, tc := range []struct {
		name              string
		g                 engines.Guarantee
		lost, dups, wrong int64
		interrupted       bool
		runErr            string
		judged, holds     bool
		why               string
	}{
		{"at-least-once clean", engines.AtLeastOnce, 0, 0, 0, false, "", true, true, ""},
		{"at-least-once duplicates", engines.AtLeastOnce, 0, 5, 0, false, "", true, true, "duplicated 5 words, which at-least-once allows"},
		{"at-least-once loses", engines.AtLeastOnce, 2, 5, 0, false, "", true, false, "lost 2 words"},
		{"exactly-once duplicates", engines.ExactlyOnce, 0, 1, 0, false, "", true, false, "duplicated 1 words"},
		{"exactly-once loses", engines.ExactlyOnce, 3, 0, 0, false, "", true, false, "lost 3 words"},
		{"at-most-once loses, counted", engines.AtMostOnce, 1234, 0, 0, false, "", true, true, "lost 1,234 words, counted"},
		{"at-most-once duplicates", engines.AtMostOnce, 0, 2, 0, false, "", true, false, "duplicated 2 words"},
		{"wrong breaks every guarantee", engines.AtMostOnce, 0, 0, 1, false, "", true, false, "1 wrong results"},
		{"a failed run fails", engines.AtLeastOnce, 0, 0, 0, false, "engine stopped", true, false, "the run failed: engine stopped"},
		{"interrupted is not judged", engines.ExactlyOnce, 10, 0, 0, true, "", false, false, "interrupted before the engine drained: not judged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &resultfile.Result{Guarantee: tc.g, Interrupted: tc.interrupted, Error: tc.runErr,
				Verification: resultfile.Verification{Guarantee: tc.g, Unit: "words", Lost: tc.lost, Duplicated: tc.dups, Wrong: tc.wrong}}
			c := ClaimOf(res)
			if c.Judged != tc.judged || c.Holds != tc.holds || c.Why != tc.why {
				t.Errorf("ClaimOf = %+v, want judged %v, holds %v, why %q", c, tc.judged, tc.holds, tc.why)
			}
		})
	}
}

// TestShellJoin: a real shell reads a joined command back as its words.
func TestShellJoin(t *testing.T) {
	args := []string{"streambench", "run", "--fault", "kill worker 1 at 10s", "--name", "it's", "--x=a,b", "", "$HOME", "a\\b", "*", "tab\there"}
	got := shellJoin(args[:8])
	want := `streambench run --fault 'kill worker 1 at 10s' --name 'it'\''s' --x=a,b ''`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to read the command back")
	}
	// The shell reads the joined words as its own command line.
	out, err := exec.Command(sh, "-c", `set -- `+shellJoin(args)+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if back := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); !slices.Equal(back, args) {
		t.Errorf("sh read %q back, want %q", back, args)
	}
}

// FuzzShellJoin: whatever the words, splitting the joined command the way
// a POSIX shell does gives them back.
func FuzzShellJoin(f *testing.F) {
	f.Add("streambench\x00run\x00--fault\x00kill worker 1 at 10s")
	f.Add("it's\x00\x00'\x00a b'c")
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		if back := shellWords(shellJoin(args)); !slices.Equal(back, args) {
			t.Errorf("shellJoin(%q) = %s, read back as %q", args, shellJoin(args), back)
		}
	})
}

// shellWords splits a line as a POSIX shell splits words made of plain
// characters, single-quoted strings and backslash escapes.
func shellWords(line string) []string {
	var out []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			w.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inWord = true
		case c == ' ':
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out
}

// TestReportRecovery: the fixture's runs make a Recovery section with a
// timeline per run, a row per fault with its reproducing command, and the
// guarantee matrix with the right pass and fail cells; a bench without
// faults has no such section.
func TestReportRecovery(t *testing.T) {
	dir := t.TempDir()
	writeFaultRuns(t, dir)
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	sec := section(html, "recovery")
	if sec == "" {
		t.Fatal("no Recovery section")
	}
	grid := recoveryGrid(t, sec)
	want := map[string]string{
		"core at-least-once kill worker":   "pass 2 of 2",
		"core at-least-once kill agent":    "pass 1 of 1",
		"core at-least-once kill master":   "pass 1 of 1",
		"core at-least-once hang worker":   "fail 0 of 1",
		"core at-most-once kill worker":    "pass 1 of 1",
		"trident exactly-once kill worker": "fail 1 of 2",
		"core at-most-once hang worker":    "none",
		"trident exactly-once kill agent":  "none",
	}
	for k, w := range want {
		if grid[k] != w {
			t.Errorf("grid %s = %q, want %q (grid %v)", k, grid[k], w, grid)
		}
	}
	if len(grid) != 3*4 {
		t.Errorf("the grid has %d cells, want 3 rows × 4 fault kinds: %v", len(grid), grid)
	}
	for _, w := range []string{
		// The reproducing command, shell-quoted.
		"streambench run --engine core --workload wordcount --guarantee at-least-once --rate 40000 --duration 14s --seed 1 --source jetstream --nodes 2 --timing fast --fault &#39;hang worker 0 at 4s for 3s&#39;",
		// The failed claims with their examples, the counted loss, the
		// fault that was not injected.
		"lost 37 word occurrences", "duplicated 3 word occurrences", "lost 5,210 word occurrences, counted",
		`href="#recovery-examples-`, "word-17", "word-40", "not injected", "agent 3 is not running",
		"timing profile fast", "worker 1 (pid 4101)", "0.62s",
	} {
		if !strings.Contains(sec, w) {
			t.Errorf("the Recovery section lacks %q", w)
		}
	}
	plots := regexp.MustCompile(`data-plot="recovery-[^"]*"`).FindAllString(sec, -1)
	if len(plots) != len(faultRuns) {
		t.Errorf("%d recovery timelines, want one per run (%d)", len(plots), len(faultRuns))
	}
	for i, doc := range inlineSVG.FindAllString(sec, -1) {
		checkPlot(t, fmt.Sprintf("recovery plot %d", i+1), doc)
	}
	// Every examples link leads to its examples.
	for _, m := range regexp.MustCompile(`href="#(recovery-examples-\d+)"`).FindAllStringSubmatch(sec, -1) {
		if !strings.Contains(sec, `id="`+m[1]+`"`) {
			t.Errorf("link to #%s, which the page lacks", m[1])
		}
	}

	_, plain := reportWithoutFaults(t)
	if strings.Contains(plain, `id="recovery"`) {
		t.Error("a report without faults has a Recovery section")
	}
}

// recoveryGrid reads the guarantee matrix of a Recovery section: "engine
// guarantee kind" to "pass n of m", "fail n of m" or "none".
func recoveryGrid(t *testing.T, sec string) map[string]string {
	t.Helper()
	table := regexp.MustCompile(`(?s)<table class="recovery-grid">.*?</table>`).FindString(sec)
	if table == "" {
		t.Fatal("no guarantee matrix")
	}
	var kinds []string
	for _, m := range regexp.MustCompile(`<th>([^<]*)</th>`).FindAllStringSubmatch(table, -1)[2:] {
		kinds = append(kinds, m[1])
	}
	out := map[string]string{}
	cell := regexp.MustCompile(`data-state="(\w+)">(?:<span[^>]*>)?[^<]*(?:</span>)? ?(\d+ of \d+)?`)
	for _, row := range regexp.MustCompile(`(?s)<tr><td>([^<]*)</td><td>([^<]*)</td>(.*?)</tr>`).FindAllStringSubmatch(table, -1) {
		for i, c := range cell.FindAllStringSubmatch(row[3], -1) {
			v := c[1]
			if c[2] != "" {
				v += " " + c[2]
			}
			if i < len(kinds) {
				out[row[1]+" "+row[2]+" "+kinds[i]] = v
			}
		}
	}
	return out
}

// reportWithoutFaults is a report of a bench with no faults.
func reportWithoutFaults(t *testing.T) (*Data, string) {
	t.Helper()
	dir := t.TempDir()
	sim := &harness.Simulation{Capacity: func(string, string) float64 { return 50_000 }, Seed: 3,
		Start: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), Environment: resultfile.Environment{Nodes: 1, GOMAXPROCS: 2}}
	m, err := sim.Run(context.Background(), harness.RunConfig{Engine: "core", Workload: "wordcount", Seed: 1, Partitions: 4,
		Parallelism: 1, Guarantee: engines.AtLeastOnce, Duration: 3 * time.Second, Command: []string{"streambench", "run"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write(filepath.Join(dir, "core.json")); err != nil {
		t.Fatal(err)
	}
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	return d, buf.String()
}
