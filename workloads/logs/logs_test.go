package logs

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func newTest(t testing.TB, seed uint64, partitions int, params map[string]string) *Instance {
	t.Helper()
	in, err := New(workloadtest.Config(seed, partitions, params))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestDeterminism(t *testing.T) {
	workloadtest.CheckDeterminism(t, func(seed uint64) workloads.Instance { return newTest(t, seed, 3, nil) }, 3)
}

const layout = "2006-01-02T15:04:05.000Z"

// TestTimestamps: timestamps are written and read as the time package
// writes and reads RFC 3339 in UTC with milliseconds.
func TestTimestamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
	cases := []int64{0, -1, 1, lo, hi, time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.UTC).UnixMilli(),
		time.Date(2000, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(1900, 2, 28, 12, 0, 0, 0, time.UTC).UnixMilli()}
	for range 20000 {
		cases = append(cases, lo+rng.Int64N(hi-lo+1))
	}
	for _, ms := range cases {
		want := time.UnixMilli(ms).UTC().Format(layout)
		got := string(appendTimestamp(nil, ms))
		if got != want {
			t.Fatalf("appendTimestamp(%d) = %s, want %s", ms, got, want)
		}
		if back, ok := parseTimestamp(got); !ok || back != ms {
			t.Fatalf("parseTimestamp(%s) = %d, %v, want %d", got, back, ok, ms)
		}
	}
	for _, bad := range []string{"2027-02-29T00:00:00.000Z", "2027-13-01T00:00:00.000Z", "2027-00-10T00:00:00.000Z",
		"2027-01-01T24:00:00.000Z", "2027-01-01T00:60:00.000Z", "2027-01-01T00:00:60.000Z", "2027-01-01 00:00:00.000Z",
		"2027-01-01T00:00:00.000+", "2027-01-01T00:00:00.0a0Z", "2027-04-31T00:00:00.000Z", "2027-01-01T00:00:00Z"} {
		if ms, ok := parseTimestamp(bad); ok {
			t.Errorf("parseTimestamp(%q) = %d", bad, ms)
		}
	}
}

// TestRecords: lines parse back to the generator's decisions; incidents
// multiply a service's error rate in their windows.
func TestRecords(t *testing.T) {
	in := newTest(t, 1, 2, map[string]string{"services": "5", "window": "1s", "incident-rate": "0.2"})
	type tally struct{ lines, errors int }
	byIncident := map[bool]*tally{false: {}, true: {}}
	levelsSeen := map[string]int{}
	const n = 50000
	for g := range int64(n) {
		r := engines.Record{Partition: int32(g % 2), Offset: g / 2}
		in.Fill(&r)
		d := in.line(g)
		l, ok := Parse(r.Value)
		if !ok || l.TimeMs != d.timeMs || l.TimeMs*1e6 != r.EventTime || l.Level != in.levelName(d.level) ||
			l.Service != in.services[d.service] || l.Message != messages[d.level][d.message] {
			t.Fatalf("record %q parsed as %+v, %v; decided %+v", r.Value, l, ok, d)
		}
		levelsSeen[l.Level]++
		byIncident[d.incident].lines++
		if l.IsError() {
			byIncident[d.incident].errors++
		}
	}
	ordinary := float64(byIncident[false].errors) / float64(byIncident[false].lines)
	incident := float64(byIncident[true].errors) / float64(byIncident[true].lines)
	if byIncident[true].lines < n/10 || incident < 4*ordinary {
		t.Errorf("error rate %.4f in incidents (%d lines), %.4f otherwise", incident, byIncident[true].lines, ordinary)
	}
	if f := float64(levelsSeen["INFO"]) / n; f < 0.6 || f > 0.8 {
		t.Errorf("%.2f of lines are INFO, want about 0.73", f)
	}
	if size := in.RecordBytes(); size < 50 || size > 90 {
		t.Errorf("mean line %.0f bytes", size)
	}
}

// step adds lines to a window and names the flags that must change.
type step struct {
	window, lines, errors int64
	flags                 []FlagUpdate
}

func TestDetectorHandMade(t *testing.T) {
	d := Detector{FactorMilli: 2000, Windows: 2}
	f := func(w, flag int64) FlagUpdate { return FlagUpdate{Window: w, Flag: flag} }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"the first window has no baseline", []step{{10, 10, 10, []FlagUpdate{f(10, 0)}}}},
		{"twice the baseline is not more than twice", []step{
			{10, 100, 10, []FlagUpdate{f(10, 0)}},
			{20, 100, 20, []FlagUpdate{f(20, 0)}}, // 20% = 2 * 10%
			{20, 0, 1, []FlagUpdate{f(20, 1)}},    // 21%
		}},
		{"the baseline pools the previous windows", []step{
			{10, 100, 0, []FlagUpdate{f(10, 0)}},
			{20, 100, 10, []FlagUpdate{f(20, 1)}}, // 10% over 0%
			{30, 100, 11, []FlagUpdate{f(30, 1)}}, // 11% over 5%
			{40, 100, 10, []FlagUpdate{f(40, 0)}}, // 10% over 10.5%: windows 20 and 30
		}},
		{"an empty window is skipped", []step{
			{10, 100, 1, []FlagUpdate{f(10, 0)}},
			{50, 100, 5, []FlagUpdate{f(50, 1)}}, // baseline is window 10 alone
		}},
		{"a late line re-judges the windows after it", []step{
			{10, 100, 1, []FlagUpdate{f(10, 0)}},
			{20, 100, 3, []FlagUpdate{f(20, 1)}},
			{30, 100, 3, []FlagUpdate{f(30, 0)}}, // 3% over 2%
			{10, 0, 4, []FlagUpdate{f(20, 0)}},   // window 10 now 5%: 3% is fine for 20; 30's baseline is 4%
		}},
		{"a window arriving late shifts the baselines after it", []step{
			{10, 100, 10, []FlagUpdate{f(10, 0)}},
			{30, 100, 1, []FlagUpdate{f(30, 0)}},
			{40, 100, 5, []FlagUpdate{f(40, 0)}},          // 5% over 5.5%
			{20, 10, 0, []FlagUpdate{f(20, 0), f(40, 1)}}, // 40's baseline is now 20 and 30: 5% over 0.9%
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Service
			for i, st := range tc.steps {
				_, got := d.Add(&s, st.window, st.lines, st.errors, 0, nil)
				for k := range got {
					got[k].Intended = 0
				}
				if !slices.Equal(got, st.flags) {
					t.Errorf("step %d %+v: flags %v, want %v", i, st, got, st.flags)
				}
			}
		})
	}
}

// TestDetectorOrderIndependent: whatever order a service's lines arrive in,
// the last flag written for each window is the one its final counts give,
// judged here with exact rationals.
func TestDetectorOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 300 {
		d := Detector{FactorMilli: int64(1000 + rng.IntN(4000)), Windows: 1 + rng.IntN(4)}
		type line struct {
			window int64
			isErr  bool
		}
		var lines []line
		for w := range int64(8) {
			if rng.IntN(4) == 0 {
				continue // a window without lines
			}
			p := rng.Float64() * 0.5
			for range 1 + rng.IntN(30) {
				lines = append(lines, line{w * 10, rng.Float64() < p})
			}
		}
		rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		var s Service
		last := map[int64]int64{}
		counts := map[int64][2]int64{}
		for _, l := range lines {
			var e int64
			if l.isErr {
				e = 1
			}
			c := counts[l.window]
			counts[l.window] = [2]int64{c[0] + 1, c[1] + e}
			_, flags := d.Add(&s, l.window, 1, e, 0, nil)
			for _, f := range flags {
				last[f.Window] = f.Flag
			}
		}
		starts := slices.Sorted(func(yield func(int64) bool) {
			for w := range counts {
				if !yield(w) {
					return
				}
			}
		})
		for i, w := range starts {
			want := int64(0)
			if i > 0 {
				var e, n int64
				for _, b := range starts[max(0, i-d.Windows):i] {
					n += counts[b][0]
					e += counts[b][1]
				}
				limit := new(big.Rat).Mul(big.NewRat(d.FactorMilli, 1000), big.NewRat(e, n))
				if big.NewRat(counts[w][1], counts[w][0]).Cmp(limit) > 0 {
					want = 1
				}
			}
			if got, ok := last[w]; !ok || got != want {
				t.Fatalf("trial %d (%+v): window %d ends flagged %d (written %v), want %d; counts %v", trial, d, w, got, ok, want, counts)
			}
		}
	}
}

// TestOracleHandMade: the oracle agrees with parsing the lines, counting
// them per service and window, and judging each window against the ones
// before it; planted incidents of busy services are flagged.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "500ms", "services": "4", "incident-rate": "0.15", "zipf": "1.01"})
	type counts struct{ lines, errors int64 }
	seen := map[string]map[int64]*counts{}
	for p := range 2 {
		for o := range int64(20000) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			f := strings.Fields(r.Value)
			ts, _ := time.Parse(layout, f[0])
			w := ts.UnixNano() / 5e8 * 5e8
			if seen[f[2]] == nil {
				seen[f[2]] = map[int64]*counts{}
			}
			c := seen[f[2]][w]
			if c == nil {
				c = &counts{}
				seen[f[2]][w] = c
			}
			c.lines++
			if f[1] == "ERROR" {
				c.errors++
			}
		}
	}
	got := in.Expect([]int64{20000, 20000})
	flagged, incidents, caught := 0, 0, 0
	for svc, windows := range seen {
		starts := slices.Sorted(func(yield func(int64) bool) {
			for w := range windows {
				if !yield(w) {
					return
				}
			}
		})
		for i, w := range starts {
			c := windows[w]
			if got.Counts[workloads.Key{Key: LinesPrefix + svc, Window: w}] != c.lines ||
				got.Counts[workloads.Key{Key: ErrorsPrefix + svc, Window: w}] != c.errors {
				t.Fatalf("%s window %d: oracle lines/errors differ from %d/%d", svc, w, c.lines, c.errors)
			}
			var want int64
			if i > 0 {
				var e, n int64
				for _, b := range starts[max(0, i-5):i] {
					e += windows[b].errors
					n += windows[b].lines
				}
				if float64(c.errors)/float64(c.lines) > 3*float64(e)/float64(n) {
					want = 1
				}
			}
			flag, ok := got.Exact[workloads.Key{Key: AnomalyPrefix + svc, Window: w}]
			if !ok || flag != want {
				t.Fatalf("%s window %d: oracle flag %d (present %v), want %d", svc, w, flag, ok, want)
			}
			flagged += int(flag)
			idx := 0
			for in.services[idx] != svc {
				idx++
			}
			clear := i >= 5 && c.lines > 100
			for _, b := range starts[max(0, i-5):i] {
				clear = clear && !in.incidentAt(idx, b)
			}
			if in.incidentAt(idx, w) && clear {
				incidents++
				caught += int(flag)
			}
		}
	}
	t.Logf("%d flags, %d set; %d of %d clear incidents caught", len(got.Exact), flagged, caught, incidents)
	if len(got.Exact) != 4*80 || flagged == 0 || incidents < 5 || caught < incidents*8/10 {
		t.Errorf("%d flags, %d set; %d of %d clear incidents caught", len(got.Exact), flagged, caught, incidents)
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"services": "0"}, "services"},
		{map[string]string{"zipf": "1"}, "zipf"},
		{map[string]string{"window": "0s"}, "window"},
		{map[string]string{"factor": "1"}, "factor"},
		{map[string]string{"factor": "101"}, "factor"},
		{map[string]string{"baseline-windows": "0"}, "baseline-windows"},
		{map[string]string{"incident-rate": "0"}, "incident-rate"},
		{map[string]string{"incident-factor": "0.5"}, "incident-factor"},
		{map[string]string{"level": "ERROR"}, `no parameter "level"`},
	} {
		_, err := New(workloadtest.Config(1, 1, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Line
		ok   bool
	}{
		{"2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503",
			Line{time.Date(2027, 1, 15, 8, 0, 0, 123e6, time.UTC).UnixMilli(), "ERROR", "checkout", "upstream returned 503"}, true},
		{"2027-01-15T08:00:00.123Z INFO cart", Line{time.Date(2027, 1, 15, 8, 0, 0, 123e6, time.UTC).UnixMilli(), "INFO", "cart", ""}, true},
		{"2027-01-15T08:00:00.123Z INFO ", Line{}, false},
		{"2027-01-15T08:00:00.123Z  cart x", Line{}, false},
		{"2027-01-15T08:00:00.123Z INFO", Line{}, false},
		{"2027-01-15 08:00:00 INFO cart x", Line{}, false},
	} {
		got, ok := Parse(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add("2024-02-29T23:59:59.999Z WARN a b c")
	f.Add("2023-02-29T23:59:59.999Z WARN a b c")
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := Parse(s)
		if len(s) < TimestampLen {
			if ok {
				t.Fatalf("Parse(%q) accepted a short line", s)
			}
			return
		}
		ts, err := time.Parse(layout, s[:TimestampLen])
		if ok && (err != nil || ts.UnixMilli() != l.TimeMs) {
			t.Fatalf("Parse(%q) read time %d; the time package: %v, %v", s, l.TimeMs, ts, err)
		}
		if !ok {
			return
		}
		// What was read, written again, is the line.
		back := string(appendTimestamp(nil, l.TimeMs)) + " " + l.Level + " " + l.Service
		if l.Message != "" || strings.Count(s[TimestampLen+1:], " ") >= 2 {
			back += " " + l.Message
		}
		if back != s || strings.Contains(l.Level, " ") || strings.Contains(l.Service, " ") || l.Level == "" || l.Service == "" {
			t.Fatalf("Parse(%q) = %+v, which writes back as %q", s, l, back)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
