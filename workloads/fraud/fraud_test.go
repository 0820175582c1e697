package fraud

import (
	"fmt"
	"math/rand/v2"
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

// TestRecords: records parse back to the generator's decisions; each card
// lives in one partition; event times grow with the offset and follow
// events-per-second, not the offered rate.
func TestRecords(t *testing.T) {
	const P = 3
	in := newTest(t, 1, P, map[string]string{"cards": "30", "events-per-second": "500"})
	fast, _ := New(workloads.Config{Seed: 1, Partitions: P, EventStart: 1_800_000_000 * 1e9, EventRate: 1e6,
		Params: map[string]string{"cards": "30", "events-per-second": "500"}})
	index := map[string]int{}
	for c, n := range in.numbers {
		index[n] = c
	}
	for p := range int32(P) {
		var last int64
		for o := range int64(300) {
			r := engines.Record{Partition: p, Offset: o}
			in.Fill(&r)
			d := in.txn(p, o)
			tx, ok := Parse(r.Value)
			if !ok || tx.ID != ID(d.g) || index[tx.Card] != d.card || tx.Amount != d.amount ||
				tx.Country != Countries[d.country] || tx.Merchant != in.merchants[d.merchant] || tx.TimeMs*1e6 != r.EventTime {
				t.Fatalf("record %q parsed as %+v, %v; decided %+v", r.Value, tx, ok, d)
			}
			if d.card%P != int(p) {
				t.Fatalf("card %d in partition %d", d.card, p)
			}
			if r.EventTime < last {
				t.Fatalf("partition %d offset %d: event time went back", p, o)
			}
			last = r.EventTime
			// g/500 seconds after the start, in whole milliseconds.
			if want := (1_800_000_000*1e9 + d.g*2e6) / 1e6 * 1e6; r.EventTime != want {
				t.Fatalf("record g=%d at %d, want %d", d.g, r.EventTime, want)
			}
			f := engines.Record{Partition: p, Offset: o}
			fast.Fill(&f)
			if f.EventTime != r.EventTime {
				t.Fatalf("the offered rate moved event time: %d at 1k/s, %d at 1M/s", r.EventTime, f.EventTime)
			}
		}
	}
	if size := in.RecordBytes(); size < 40 || size > 70 {
		t.Errorf("mean record %.0f bytes", size)
	}
}

func rulesForTest() Rules {
	return Rules{AmountFactor: 5, MinHistory: 3, VelocityCount: 3, VelocityWindowMs: 1000, TravelWindowMs: 3_600_000}
}

// TestRulesHandMade: hand-made card histories, judged by the pipelines'
// Profile and by the oracle's plain statement of the rules.
func TestRulesHandMade(t *testing.T) {
	type step struct {
		amount  int64
		country string
		timeMs  int64
		want    Alert
	}
	h := int64(3_600_000)
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"amount spike caught after min-history", []step{
			{1000, "US", 0, 0}, {1000, "US", 10_000, 0}, {1000, "US", 20_000, 0},
			{5001, "US", 30_000, AmountSpike}, // 5001 > 5 * 1000
		}},
		{"exactly factor times the mean is not a spike", []step{
			{1000, "US", 0, 0}, {1000, "US", 10_000, 0}, {1000, "US", 20_000, 0},
			{5000, "US", 30_000, 0},
			{7000, "US", 40_000, 0}, // the mean is now 3000
			{15001, "US", 50_000, AmountSpike},
		}},
		{"no spike before min-history", []step{
			{1000, "US", 0, 0}, {1000, "US", 10_000, 0}, {90000, "US", 20_000, 0},
		}},
		{"velocity: the third within a second", []step{
			{1000, "US", 0, 0}, {1000, "US", 500, 0}, {1000, "US", 1000, Velocity},
			{1000, "US", 1500, Velocity}, // 500, 1000, 1500
			{1000, "US", 3000, 0},        // 1000 is 2000 ms back
		}},
		{"velocity: one millisecond too slow", []step{
			{1000, "US", 0, 0}, {1000, "US", 600, 0}, {1000, "US", 1001, 0},
		}},
		{"travel within the hour, and back", []step{
			{1000, "US", 0, 0}, {1000, "DE", h, Travel}, {1000, "US", 2*h - 1, Travel},
		}},
		{"travel after more than an hour is a trip", []step{
			{1000, "US", 0, 0}, {1000, "DE", h + 1, 0}, {1000, "DE", h + 2, 0},
		}},
		{"all three at once", []step{
			{1000, "US", 0, 0}, {1000, "US", 100, 0}, {1000, "US", 200, Velocity},
			{9000, "BR", 300, AmountSpike | Velocity | Travel},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rulesForTest()
			var prof Profile
			var hist history
			countries := map[string]int{}
			for i, s := range tc.steps {
				got := r.Check(&prof, Txn{ID: fmt.Sprint("t", i), Card: "c", Amount: s.amount, Country: s.country, TimeMs: s.timeMs})
				if _, ok := countries[s.country]; !ok {
					countries[s.country] = len(countries)
				}
				oracle := r.flags(&hist, past{s.amount, s.timeMs, countries[s.country]})
				if got != s.want || oracle != s.want {
					t.Errorf("step %d %+v: profile says %v, oracle %v, want %v", i, s, got, oracle, s.want)
				}
			}
		})
	}
}

// TestProfileAgreesWithOracle: on random card histories, the pipelines'
// compact Profile and the oracle's whole history judge alike.
func TestProfileAgreesWithOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		r := Rules{AmountFactor: int64(2 + rng.IntN(4)), MinHistory: int64(1 + rng.IntN(5)),
			VelocityCount: 2 + rng.IntN(5), VelocityWindowMs: int64(1 + rng.IntN(3000)), TravelWindowMs: int64(1 + rng.IntN(5000))}
		var prof Profile
		var hist history
		var ms int64
		for i := range 60 {
			ms += int64(rng.IntN(1500))
			amount := int64(rng.IntN(100)) * int64(1+rng.IntN(20))
			c := rng.IntN(3)
			got := r.Check(&prof, Txn{ID: "t", Card: "c", Amount: amount, Country: Countries[c], TimeMs: ms})
			if want := r.flags(&hist, past{amount, ms, c}); got != want {
				t.Fatalf("trial %d step %d (%+v): profile %v, oracle %v", trial, i, r, got, want)
			}
		}
	}
}

// TestPlantedFraudIsCaught: what the generator plants, the oracle flags:
// every spike on a card with min-history ordinary amounts before it, the
// last record of every burst, every trip abroad within an hour of the
// card's previous transaction. Ordinary traffic raises fewer alerts than
// the planted patterns.
func TestPlantedFraudIsCaught(t *testing.T) {
	const P, n = 2, 20000
	in := newTest(t, 9, P, map[string]string{"cards": "1000", "events-per-second": "100", "amount-rate": "0.01", "velocity-rate": "0.005", "country-rate": "0.01"})
	want := in.Expect([]int64{n, n}).Counts
	type seen struct {
		count   int64
		spiked  bool
		lastMs  int64
		country int
	}
	cards := map[int]*seen{}
	planted, caught, ordinary := map[string]int{}, map[string]int{}, 0
	for p := range int32(P) {
		for o := range int64(n) {
			d := in.txn(p, o)
			s := cards[d.card]
			if s == nil {
				s = &seen{}
				cards[d.card] = s
			}
			flagged := want[workloads.Key{Key: ID(d.g)}] == 1
			check := func(kind string, applies bool) {
				if applies {
					planted[kind]++
					if flagged {
						caught[kind]++
					}
				}
			}
			check("spike", d.spike && s.count >= in.rules.MinHistory && !s.spiked)
			lastOfBurst := false
			if s := o - int64(in.rules.VelocityCount-1); s >= 0 {
				if start := workloads.GlobalIndex(p, s, P); in.burst.Hit(workloads.Mix(in.cfg.Seed^saltBurst, start)) {
					lastOfBurst = true
					for e := s - int64(in.rules.VelocityCount-1); e < s; e++ { // not swallowed by an earlier burst
						if e >= 0 && in.burst.Hit(workloads.Mix(in.cfg.Seed^saltBurst, workloads.GlobalIndex(p, e, P))) {
							lastOfBurst = false
						}
					}
				}
			}
			check("burst", lastOfBurst)
			check("abroad", d.abroad && s.count > 0 && d.country != s.country && d.timeMs-s.lastMs <= in.rules.TravelWindowMs)
			if flagged && !d.spike && !d.abroad && !d.burst && !(s.count > 0 && s.country != d.country) {
				ordinary++
			}
			s.count++
			s.spiked = s.spiked || d.spike
			s.lastMs, s.country = d.timeMs, d.country
		}
	}
	for _, kind := range []string{"spike", "burst", "abroad"} {
		if planted[kind] < 20 || caught[kind] != planted[kind] {
			t.Errorf("%s: %d of %d planted caught", kind, caught[kind], planted[kind])
		}
	}
	if ordinary*4 > len(want) {
		t.Errorf("%d of %d alerts are on ordinary transactions", ordinary, len(want))
	}
	t.Logf("planted %v, caught %v, %d alerts (%d ordinary) in %d transactions", planted, caught, len(want), ordinary, P*n)
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params     map[string]string
		partitions int
		want       string
	}{
		{map[string]string{"cards": "3"}, 4, "cards"},
		{map[string]string{"events-per-second": "0"}, 1, "events-per-second"},
		{map[string]string{"amount-factor": "1"}, 1, "amount-factor"},
		{map[string]string{"min-history": "0"}, 1, "min-history"},
		{map[string]string{"velocity-count": "1"}, 1, "velocity-count"},
		{map[string]string{"velocity-window": "1ns"}, 1, "velocity-window"},
		{map[string]string{"travel-window": "0s"}, 1, "travel-window"},
		{map[string]string{"amount-rate": "2"}, 1, "amount-rate"},
		{map[string]string{"country-rate": "x"}, 1, "country-rate"},
		{map[string]string{"velocity-window": "10ms", "events-per-second": "100"}, 1, "raise velocity-window or events-per-second"},
		{map[string]string{"threshold": "9"}, 1, `no parameter "threshold"`},
	} {
		_, err := New(workloadtest.Config(1, tc.partitions, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"tx1,4111,250,US,m1,1800000000000", true},
		{"tx1,4111,250,US,,1800000000000", true},
		{"tx1,4111,250,US,m1", false},
		{"tx1,4111,250,US,m1,1,2", false},
		{"tx1,4111,-5,US,m1,1", false},
		{"tx1,4111,99999999999999,US,m1,1", false},
		{",4111,250,US,m1,1", false},
		{"tx1,4111,250,US,m1,soon", false},
		{"tx1,4111,250,USA,m1,1", true},
		{"tx1,4111,250,U,m1,1", false},
		{"tx1,4111,250,us,m1,1", false},
		{"tx1,4111,250,EURO,m1,1", false},
	} {
		if _, ok := Parse(tc.in); ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add("a,b,1,CH,,2")
	f.Add(",,,,,")
	f.Fuzz(func(t *testing.T, s string) {
		tx, ok := Parse(s)
		fields := strings.Split(s, ",")
		if len(fields) != 6 {
			if ok {
				t.Fatalf("Parse(%q) accepted %d fields", s, len(fields))
			}
			return
		}
		amount, aerr := strconv.ParseInt(fields[2], 10, 64)
		ms, terr := strconv.ParseInt(fields[5], 10, 64)
		country := len(fields[3]) >= 2 && len(fields[3]) <= 3 && strings.Trim(fields[3], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
		valid := aerr == nil && terr == nil && amount >= 0 && amount <= maxAmount && fields[0] != "" && fields[1] != "" && country
		if ok != valid {
			t.Fatalf("Parse(%q) ok = %v, want %v", s, ok, valid)
		}
		if ok && (tx != Txn{fields[0], fields[1], amount, fields[3], fields[4], ms}) {
			t.Fatalf("Parse(%q) = %+v", s, tx)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
