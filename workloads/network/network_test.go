package network

import (
	"maps"
	"strconv"
	"strings"
	"testing"

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

// TestRecords: records parse back to the generator's decisions, in the
// stated proportions of kinds, with towers Zipf-loaded.
func TestRecords(t *testing.T) {
	in := newTest(t, 1, 2, nil)
	kinds := map[string]int{}
	towers := map[string]int{}
	const n = 20000
	for g := range int64(n) {
		r := engines.Record{Partition: int32(g % 2), Offset: g / 2}
		in.Fill(&r)
		d := in.cdr(g)
		c, ok := Parse(r.Value)
		if !ok || c.Tower != in.towers[d.tower] || c.Subscriber != in.subscriber(d.subscriber) || c.Kind != Kinds[d.kind] ||
			c.Bytes != d.bytes || c.Duration != d.duration {
			t.Fatalf("record %q parsed as %+v, %v; decided %+v", r.Value, c, ok, d)
		}
		if c.Kind == "voice" && (c.Bytes != 0 || c.Duration < 5) || c.Kind == "data" && c.Bytes < 1024 {
			t.Fatalf("implausible record %q", r.Value)
		}
		kinds[c.Kind]++
		towers[c.Tower]++
	}
	for i, k := range Kinds {
		if share := float64(kinds[k]) / n * 100; share < float64(kindShare[i])-2 || share > float64(kindShare[i])+2 {
			t.Errorf("%s: %.1f%% of records, want %d%%", k, share, kindShare[i])
		}
	}
	// With s = 1.1, P(1)/P(2) = 2^1.1 = 2.14.
	if ratio := float64(towers[in.towers[0]]) / float64(towers[in.towers[1]]); ratio < 1.8 || ratio > 2.5 {
		t.Errorf("busiest / second tower = %.2f, want about 2.14", ratio)
	}
	imsis := map[string]bool{}
	for i := range in.subscribers {
		imsi := in.subscriber(i)
		if imsis[imsi] || len(imsi) != 15 {
			t.Fatalf("subscriber %d has IMSI %q, given twice or not 15 digits", i, imsi)
		}
		imsis[imsi] = true
	}
	if size := in.RecordBytes(); size < 40 || size > 60 {
		t.Errorf("mean record %.0f bytes", size)
	}
}

// TestCapacities: among tower-windows busy enough to judge, a third to a
// half reach capacity, as the table is drawn to make them.
func TestCapacities(t *testing.T) {
	in := newTest(t, 2, 1, map[string]string{"towers": "50", "window": "1s"}) // 1000 records a window
	want := in.Expect([]int64{100_000})
	busy, crossed := 0, 0
	for k, load := range want.Counts {
		if strings.HasPrefix(k.Key, AllocatePrefix) {
			continue
		}
		tower := 0
		for in.towers[tower] != k.Key {
			tower++
		}
		if in.zipf.P(tower)*1000 < 30 {
			continue
		}
		busy++
		if load >= in.capacities[tower] {
			crossed++
		}
		if want.Counts[workloads.Key{Key: AllocatePrefix + k.Key, Window: k.Window}] != map[bool]int64{true: 1}[load >= in.capacities[tower]] {
			t.Fatalf("%v: load %d, capacity %d, allocate %d", k, load, in.capacities[tower], want.Counts[workloads.Key{Key: AllocatePrefix + k.Key, Window: k.Window}])
		}
	}
	if f := float64(crossed) / float64(busy); busy < 200 || f < 0.3 || f > 0.55 {
		t.Errorf("%d of %d busy tower-windows crossed (%.2f)", crossed, busy, f)
	}
}

func TestCrosses(t *testing.T) {
	for _, tc := range []struct {
		capacity, before, after int64
		want                    bool
	}{
		{5, 4, 5, true}, {5, 5, 6, false}, {5, 3, 4, false}, {5, 0, 9, true}, {1, 0, 1, true}, {5, 6, 9, false},
	} {
		if got := Crosses(tc.capacity, tc.before, tc.after); got != tc.want {
			t.Errorf("Crosses(%d, %d, %d) = %v", tc.capacity, tc.before, tc.after, got)
		}
	}
}

// TestOracleHandMade: the oracle agrees with counting the parsed records per
// tower and window, and allocating where the count reaches the table's
// capacity.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "100ms", "towers": "20"})
	want := map[workloads.Key]int64{}
	for p := range 2 {
		for o := range int64(500) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			tower := r.Value[:strings.IndexByte(r.Value, ',')]
			want[workloads.Key{Key: tower, Window: r.EventTime / 1e8 * 1e8}]++
		}
	}
	allocate := map[workloads.Key]int64{}
	for k, load := range want {
		if c, ok := in.Capacity(k.Key); !ok || load >= c {
			allocate[workloads.Key{Key: AllocatePrefix + k.Key, Window: k.Window}] = 1
		}
	}
	allocations := len(allocate)
	maps.Copy(want, allocate)
	got := in.Expect([]int64{500, 500})
	if allocations < 10 || allocations == len(got.Counts)/2 {
		t.Fatalf("%d allocations among %d results: the test needs some windows on each side", allocations, len(got.Counts))
	}
	if len(got.Counts) != len(want) {
		t.Fatalf("oracle has %d results, hand count %d", len(got.Counts), len(want))
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%v: oracle %d, hand count %d", k, got.Counts[k], v)
		}
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"towers": "0"}, "towers"},
		{map[string]string{"zipf": "1.0"}, "zipf"},
		{map[string]string{"subscribers": "abc"}, "subscribers"},
		{map[string]string{"window": "2h"}, "window"},
		{map[string]string{"capacity": "9"}, `no parameter "capacity"`},
	} {
		_, err := New(workloadtest.Config(1, 1, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
	if _, err := New(workloads.Config{Seed: 1, Partitions: 1}); err == nil {
		t.Error("a zero event rate accepted: capacities need it")
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add("t,s,voice,0,30")
	f.Add("t,s,fax,0,30")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := Parse(s)
		fields := strings.Split(s, ",")
		valid := len(fields) == 5 && fields[0] != "" && fields[1] != "" &&
			(fields[2] == "voice" || fields[2] == "sms" || fields[2] == "data")
		var b, d int64
		if valid {
			var e1, e2 error
			b, e1 = strconv.ParseInt(fields[3], 10, 64)
			d, e2 = strconv.ParseInt(fields[4], 10, 64)
			valid = e1 == nil && e2 == nil && b >= 0 && d >= 0
		}
		if ok != valid {
			t.Fatalf("Parse(%q) ok = %v, want %v", s, ok, valid)
		}
		if ok && (c != CDR{fields[0], fields[1], fields[2], b, d}) {
			t.Fatalf("Parse(%q) = %+v", s, c)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
