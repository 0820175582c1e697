package trucking

import (
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

// TestRecords: events parse back to the generator's decisions, and the
// tables judge them as the generator planted them; trucks drive along
// their routes.
func TestRecords(t *testing.T) {
	in := newTest(t, 1, 2, map[string]string{"trucks": "5"})
	roads := in.Roads()
	var speeding, deviating int
	const n = 40000
	last := map[string]string{}
	moves := 0
	for g := range int64(n) {
		r := engines.Record{Partition: int32(g % 2), Offset: g / 2}
		in.Fill(&r)
		d := in.event(g)
		tr := in.trucks[d.truck]
		e, ok := Parse(r.Value)
		if !ok || e.ID != ID(g) || e.Truck != tr.id || e.Driver != tr.driver || e.Route != in.routeIDs[tr.route] ||
			e.Segment != in.segments[d.segment] || e.Speed != d.speed || e.TimeMs*1e6 != r.EventTime {
			t.Fatalf("record %q parsed as %+v, %v; decided %+v", r.Value, e, ok, d)
		}
		s, dev := roads.Check(e)
		if s != d.speeding || dev != d.deviating {
			t.Fatalf("record %q: tables say speeding %v deviation %v, generator planted %v %v", r.Value, s, dev, d.speeding, d.deviating)
		}
		if limit, _ := roads.SpeedLimit(e.Segment); !s && e.Speed < limit/2 || s && e.Speed > limit*7/5+1 {
			t.Fatalf("record %q: speed %d on a %d km/h segment", r.Value, e.Speed, limit)
		}
		if s {
			speeding++
		}
		if dev {
			deviating++
		} else {
			if last[e.Truck] != "" && last[e.Truck] != e.Segment {
				moves++
			}
			last[e.Truck] = e.Segment
		}
	}
	if f := float64(speeding) / n; f < 0.015 || f > 0.025 {
		t.Errorf("%.4f of events speed, want about 0.02", f)
	}
	if f := float64(deviating) / n; f < 0.007 || f > 0.013 {
		t.Errorf("%.4f of events deviate, want about 0.01", f)
	}
	// 40 s of events: each truck moves to its next segment once or twice.
	if moves < 5 || moves > 10 {
		t.Errorf("trucks changed segment %d times on their routes", moves)
	}
	if size := in.RecordBytes(); size < 40 || size > 60 {
		t.Errorf("mean record %.0f bytes", size)
	}
}

func TestRoadsCheck(t *testing.T) {
	roads := &Roads{
		limits: map[string]int64{"S1": 80, "S2": 50, "S9": 100},
		routes: map[string]map[string]struct{}{"R1": {"S1": {}, "S2": {}}},
	}
	for _, tc := range []struct {
		route, segment      string
		speed               int64
		speeding, deviation bool
	}{
		{"R1", "S1", 80, false, false},
		{"R1", "S1", 81, true, false},
		{"R1", "S9", 99, false, true},
		{"R1", "S9", 130, true, true},
		{"R1", "S7", 200, false, true}, // no limit known for S7
		{"R2", "S2", 40, false, true},  // an unknown route plans nothing
	} {
		s, d := roads.Check(Event{Route: tc.route, Segment: tc.segment, Speed: tc.speed})
		if s != tc.speeding || d != tc.deviation {
			t.Errorf("%+v: speeding %v deviation %v", tc, s, d)
		}
	}
	if got := roads.Routes(); len(got) != 1 || got[0] != "R1" {
		t.Errorf("Routes() = %v", got)
	}
}

// TestOracleHandMade: the oracle agrees with judging the parsed events
// against the tables by hand, and counts each violation in its own window.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "200ms", "trucks": "6", "speeding-rate": "0.1", "deviation-rate": "0.1"})
	want := map[workloads.Key]int64{}
	for p := range 2 {
		for o := range int64(500) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			f := strings.Split(r.Value, ",")
			speed, _ := strconv.ParseInt(f[5], 10, 64)
			ms, _ := strconv.ParseInt(f[6], 10, 64)
			violations := workloads.Key{Key: "violations:" + f[2], Window: ms * 1e6 / 2e8 * 2e8}
			if limit, _ := in.Roads().SpeedLimit(f[4]); speed > limit {
				want[workloads.Key{Key: "speeding:" + f[1] + ":" + f[0]}]++
				want[violations]++
			}
			if !in.Roads().Planned(f[3], f[4]) {
				want[workloads.Key{Key: "deviation:" + f[1] + ":" + f[0]}]++
				want[violations]++
			}
		}
	}
	got := in.Expect([]int64{500, 500})
	if len(want) < 100 || len(got.Counts) != len(want) {
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
		{map[string]string{"trucks": "0"}, "trucks"},
		{map[string]string{"routes": "10001"}, "routes"},
		{map[string]string{"segments": "31"}, "[32, 1000000]"},
		{map[string]string{"speeding-rate": "0"}, "speeding-rate"},
		{map[string]string{"deviation-rate": "1.01"}, "deviation-rate"},
		{map[string]string{"window": "1h1s"}, "window"},
		{map[string]string{"drivers": "4"}, `no parameter "drivers"`},
	} {
		_, err := New(workloadtest.Config(1, 1, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add("e1,T1,D1,R1,S1,1001,5")
	f.Add("e1,T1,D1,R1,,10,5")
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := Parse(s)
		fields := strings.Split(s, ",")
		valid := len(fields) == 7
		var speed, ms int64
		if valid {
			var e1, e2 error
			speed, e1 = strconv.ParseInt(fields[5], 10, 64)
			ms, e2 = strconv.ParseInt(fields[6], 10, 64)
			valid = e1 == nil && e2 == nil && speed >= 0 && speed <= 1000
			for _, id := range fields[:5] {
				valid = valid && id != ""
			}
		}
		if ok != valid {
			t.Fatalf("Parse(%q) ok = %v, want %v", s, ok, valid)
		}
		if ok && (e != Event{fields[0], fields[1], fields[2], fields[3], fields[4], speed, ms}) {
			t.Fatalf("Parse(%q) = %+v", s, e)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
