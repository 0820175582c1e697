package grep

import (
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
	workloadtest.CheckDeterminism(t, func(seed uint64) workloads.Instance {
		return newTest(t, seed, 3, map[string]string{"match-rate": "0.3"})
	}, 3)
}

// TestRecords: every record has record-bytes bytes of words; a record holds
// the pattern exactly when the generator planted it, at about match-rate.
func TestRecords(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		size   int
	}{
		{nil, 100},
		{map[string]string{"pattern": "GET /index.html", "record-bytes": "16", "match-rate": "0.2"}, 16},
		{map[string]string{"pattern": "q", "lines": "64"}, 100}, // random text often holds a "q": redrawn
	} {
		in := newTest(t, 1, 2, tc.params)
		rate := in.match
		matches := 0
		const n = 20000
		for g := range int64(n) {
			r := engines.Record{Partition: int32(g % 2), Offset: g / 2}
			in.Fill(&r)
			_, planted := in.line(g)
			if len(r.Value) != tc.size || strings.Contains(r.Value, "  ") || strings.HasPrefix(r.Value, " ") {
				t.Fatalf("%v: record %q has %d bytes, want %d words", tc.params, r.Value, len(r.Value), tc.size)
			}
			if in.matcher.Match(r.Value) != planted {
				t.Fatalf("%v: record %q: match %v, planted %v", tc.params, r.Value, !planted, planted)
			}
			if planted {
				matches++
			}
		}
		want := 0.01
		if tc.params["match-rate"] == "0.2" {
			want = 0.2
		}
		if got := float64(matches) / n; got < want*0.8 || got > want*1.2 {
			t.Errorf("%v: %.4f of records match, want about %g (%v)", tc.params, got, want, rate)
		}
	}
}

// TestOracleHandMade: the oracle agrees with grepping the records
// themselves, and a window counts only the matches whose event time falls
// in it.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "100ms", "match-rate": "0.1", "matching-lines": "4"})
	want := map[workloads.Key]int64{}
	for p := range 2 {
		for o := range int64(400) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			if !strings.Contains(r.Value, "needle") {
				continue
			}
			want[workloads.Key{Key: r.Value}]++
			// workloadtest.Config: 1000 records/s from a whole second, so
			// record g is at g ms and the 100 ms windows hold 100 records.
			g := o*2 + int64(p)
			want[workloads.Key{Key: MatchesKey, Window: 1_800_000_000*1e9 + g/100*int64(100*time.Millisecond)}]++
		}
	}
	got := in.Expect([]int64{400, 400})
	if len(got.Counts) != len(want) || len(want) < 10 || len(got.Exact) != 0 {
		t.Fatalf("oracle has %d results, hand count %d", len(got.Counts), len(want))
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%.20q window %d: oracle %d, hand count %d", k.Key, k.Window, got.Counts[k], v)
		}
	}
	// The records published decide: one fewer record in partition 1 takes
	// out exactly that record's matches.
	last := engines.Record{Partition: 1, Offset: 399}
	in.Fill(&last)
	fewer := in.Expect([]int64{400, 399})
	if d := got.Total() - fewer.Total(); (d == 2) != strings.Contains(last.Value, "needle") || (d != 0 && d != 2) {
		t.Errorf("dropping one record changed the total by %d", d)
	}
}

// TestWindowEdges: a match counts in the window its event time falls in and
// in no other: with every record matching, 1000 records a second and 100 ms
// windows, 150 records fill one window and half the next.
func TestWindowEdges(t *testing.T) {
	in := newTest(t, 1, 1, map[string]string{"match-rate": "1", "window": "100ms"})
	start := int64(1_800_000_000 * 1e9)
	got := in.Expect([]int64{150}).Counts
	for _, tc := range []struct {
		window int64
		want   int64
	}{{start - 1e8, 0}, {start, 100}, {start + 1e8, 50}, {start + 2e8, 0}} {
		if n := got[workloads.Key{Key: MatchesKey, Window: tc.window}]; n != tc.want {
			t.Errorf("window %d: %d matches, want %d", tc.window-start, n, tc.want)
		}
	}
	r := engines.Record{Offset: 100}
	in.Fill(&r)
	if w := in.Window(r.EventTime); w != start+1e8 {
		t.Errorf("the 101st record, at 100 ms, is in the window at %d, want 100 ms", w-start)
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"pattern": ""}, "pattern"},
		{map[string]string{"pattern": "   "}, "pattern"},
		{map[string]string{"pattern": "tab\there"}, "pattern"},
		{map[string]string{"pattern": strings.Repeat("x", 65)}, "pattern"},
		{map[string]string{"pattern": "e", "record-bytes": "4000"}, "occurs by chance"},
		{map[string]string{"match-rate": "0"}, "match-rate"},
		{map[string]string{"match-rate": "1.5"}, "match-rate"},
		{map[string]string{"record-bytes": "10"}, "record-bytes"},
		{map[string]string{"pattern": strings.Repeat("x", 40), "record-bytes": "30"}, "[40, 65536]"},
		{map[string]string{"window": "0s"}, "window"},
		{map[string]string{"lines": "0"}, "lines"},
		{map[string]string{"matching-lines": "100000"}, "matching-lines"},
		{map[string]string{"regex": "a.*b"}, `no parameter "regex"`},
	} {
		_, err := New(workloadtest.Config(1, 1, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
	if _, err := New(workloads.Config{Seed: 1, Partitions: 0, EventRate: 1}); err == nil {
		t.Error("zero partitions accepted")
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "needle", "a needle in a haystack", "needl", "nneedle", "haystack"} {
		f.Add(s, "needle")
	}
	f.Add("abcabd", "abd")
	f.Fuzz(func(t *testing.T, line, pattern string) {
		want := false
		for i := 0; i+len(pattern) <= len(line); i++ {
			if line[i:i+len(pattern)] == pattern {
				want = true
				break
			}
		}
		if got := NewMatcher(pattern).Match(line); got != want {
			t.Fatalf("Match(%q) with pattern %q = %v, a byte-by-byte scan says %v", line, pattern, got, want)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
