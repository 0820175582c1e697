package hashtags

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
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

// TestTweets: tweets read back as the generator decided them; hashtag
// frequencies follow the Zipf law; about spam-users of the users are spam.
func TestTweets(t *testing.T) {
	in := newTest(t, 1, 2, map[string]string{"hashtags": "1000", "zipf": "1.5"})
	freq := make([]int, 1000)
	var tags []string
	const n = 50000
	for g := range int64(n) {
		r := engines.Record{Partition: int32(g % 2), Offset: g / 2}
		in.Fill(&r)
		tw := in.tweet(g)
		user, ts, ok := Parse(r.Value, tags[:0])
		tags = ts
		if !ok || user != in.userName(tw.user) || !strings.HasPrefix(user, "user") || len(tags) != tw.ntags {
			t.Fatalf("record %q parsed as %q %q %v; decided %+v", r.Value, user, tags, ok, tw)
		}
		for i, tag := range tags {
			if tag != in.tags[tw.tags[i]] {
				t.Fatalf("record %q: tag %d is %q, decided %q", r.Value, i, tag, in.tags[tw.tags[i]])
			}
			freq[tw.tags[i]]++
		}
	}
	// With s = 1.5, P(1)/P(4) = 4^1.5 = 8.
	if ratio := float64(freq[0]) / float64(freq[3]); ratio < 6.5 || ratio > 9.8 {
		t.Errorf("rank 1 / rank 4 frequency %.2f, want about 8", ratio)
	}
	if size := in.RecordBytes(); size < 40 || size > 120 {
		t.Errorf("mean tweet %.0f bytes", size)
	}
	spam := float64(len(in.SpamList())) / float64(in.nUsers)
	if spam < 0.04 || spam > 0.06 {
		t.Errorf("%.3f of users are spam, want about 0.05", spam)
	}
	seen := map[string]bool{}
	for k := range in.nUsers {
		u := in.userName(k)
		if seen[u] {
			t.Fatalf("user id %s given twice", u)
		}
		seen[u] = true
	}
}

func TestRankings(t *testing.T) {
	type step struct {
		tag     string
		count   int64
		changed []int
	}
	for _, tc := range []struct {
		name  string
		n     int
		steps []step
		want  []int64
	}{
		{"fills up", 3, []step{{"a", 1, []int{0}}, {"b", 1, []int{1}}, {"c", 1, []int{2}}}, []int64{1, 1, 1}},
		{"moves up", 3, []step{{"a", 1, []int{0}}, {"b", 1, []int{1}}, {"b", 2, []int{0}}, {"b", 3, []int{0}}}, []int64{3, 1}},
		{"a tie does not enter", 2, []step{{"a", 2, []int{0}}, {"b", 1, []int{1}}, {"c", 1, nil}}, []int64{2, 1}},
		{"passing the last enters", 2, []step{{"a", 2, []int{0}}, {"b", 1, []int{1}}, {"c", 2, []int{1}}, {"c", 3, []int{0}}}, []int64{3, 2}},
		{"stale update ignored", 2, []step{{"a", 5, []int{0}}, {"a", 4, nil}, {"a", 5, nil}}, []int64{5}},
		{"jumps", 3, []step{{"a", 1, []int{0}}, {"b", 2, []int{0, 1}}, {"c", 9, []int{0, 1, 2}}}, []int64{9, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRankings(tc.n)
			for i, s := range tc.steps {
				if got := r.UpdateWith(s.tag, s.count, nil); !slices.Equal(got, s.changed) {
					t.Errorf("step %d (%s=%d): changed ranks %v, want %v", i, s.tag, s.count, got, s.changed)
				}
			}
			got := make([]int64, r.Len())
			for i := range got {
				got[i] = r.Count(i)
			}
			if !slices.Equal(got, tc.want) || r.Count(r.Len()) != 0 {
				t.Errorf("counts by rank %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRankingsOrderIndependent: whatever order the count updates of
// different tags arrive in, with each tag's in order, the ranks end as the
// top n of the final counts; and an update is written for every rank whose
// count changed, so replaying the changes gives the same ranks.
func TestRankingsOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for trial := range 200 {
		tags := 1 + rng.IntN(30)
		final := make([]int64, tags)
		var queues [][]int64
		for k := range final {
			var q []int64
			for c := int64(0); rng.IntN(8) > 0; {
				c += 1 + int64(rng.IntN(3)) // batched engines jump
				q = append(q, c)
			}
			queues = append(queues, q)
			if len(q) > 0 {
				final[k] = q[len(q)-1]
			}
		}
		r := NewRankings(TopN)
		seen := make([]int64, TopN)
		for {
			var live []int
			for k, q := range queues {
				if len(q) > 0 {
					live = append(live, k)
				}
			}
			if len(live) == 0 {
				break
			}
			k := live[rng.IntN(len(live))]
			for _, i := range r.UpdateWith(fmt.Sprint("#t", k), queues[k][0], nil) {
				seen[i] = r.Count(i)
			}
			queues[k] = queues[k][1:]
		}
		slices.SortFunc(final, func(a, b int64) int { return cmp.Compare(b, a) })
		for i := range TopN {
			want := int64(0)
			if i < len(final) {
				want = final[i]
			}
			if r.Count(i) != want || seen[i] != want {
				t.Fatalf("trial %d: rank %d holds %d (updates said %d), want %d; final counts %v", trial, i, r.Count(i), seen[i], want, final)
			}
		}
	}
}

// TestOracleHandMade: the oracle agrees with parsing the records, dropping
// the spam list's users, counting per window and sorting; spam and windows
// both matter.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "200ms", "hashtags": "50", "users": "40", "spam-users": "0.3"})
	spam := map[string]bool{}
	for _, u := range in.SpamList() {
		spam[u] = true
	}
	want := map[workloads.Key]int64{}
	var dropped int
	for p := range 2 {
		for o := range int64(500) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			f := strings.Fields(r.Value)
			if spam[f[0]] {
				dropped++
				continue
			}
			for _, w := range f[1:] {
				if strings.HasPrefix(w, "#") {
					want[workloads.Key{Key: w, Window: r.EventTime / 2e8 * 2e8}]++
				}
			}
		}
	}
	top := map[int64][]int64{}
	for k, c := range want {
		top[k.Window] = append(top[k.Window], c)
	}
	wantTop := map[workloads.Key]int64{}
	for w, cs := range top {
		slices.Sort(cs)
		slices.Reverse(cs)
		for i := 0; i < 10 && i < len(cs); i++ {
			wantTop[workloads.Key{Key: fmt.Sprintf("top%02d", i+1), Window: w}] = cs[i]
		}
	}
	got := in.Expect([]int64{500, 500})
	if dropped < 50 || len(top) != 5 || len(wantTop) != 50 {
		t.Fatalf("%d spam tweets dropped, %d windows, %d ranks: the test needs spam and five full windows", dropped, len(top), len(wantTop))
	}
	if len(got.Counts) != len(want) || len(got.Exact) != len(wantTop) {
		t.Fatalf("oracle has %d counts and %d ranks, hand count %d and %d", len(got.Counts), len(got.Exact), len(want), len(wantTop))
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%v: oracle %d, hand count %d", k, got.Counts[k], v)
		}
	}
	for k, v := range wantTop {
		if got.Exact[k] != v {
			t.Errorf("%v: oracle %d, hand rank %d", k, got.Exact[k], v)
		}
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"zipf": "1"}, "zipf"},
		{map[string]string{"user-zipf": "0.5"}, "user-zipf"},
		{map[string]string{"hashtags": "0"}, "hashtags"},
		{map[string]string{"users": "2000000"}, "users"},
		{map[string]string{"spam-users": "-0.1"}, "spam-users"},
		{map[string]string{"tags-per-tweet": "11"}, "tags-per-tweet"},
		{map[string]string{"window": "-1s"}, "window"},
		{map[string]string{"language": "en"}, `no parameter "language"`},
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
		user string
		tags []string
		ok   bool
	}{
		{"user1 hello #go #go", "user1", []string{"#go", "#go"}, true},
		{"  user2   a #b  c #d ", "user2", []string{"#b", "#d"}, true},
		{"user3 # #x#y", "user3", []string{"#x#y"}, true},
		{"user4", "user4", nil, true},
		{"#tag user", "", nil, false},
		{"   ", "", nil, false},
		{"", "", nil, false},
	} {
		user, tags, ok := Parse(tc.in, nil)
		if user != tc.user || !slices.Equal(tags, tc.tags) || ok != tc.ok {
			t.Errorf("Parse(%q) = %q %q %v, want %q %q %v", tc.in, user, tags, ok, tc.user, tc.tags, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add("user1 #a # ## x")
	f.Add("#a b")
	f.Fuzz(func(t *testing.T, s string) {
		user, tags, ok := Parse(s, nil)
		words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
		if ok != (len(words) > 0 && words[0][0] != '#') {
			t.Fatalf("Parse(%q) ok = %v, words %q", s, ok, words)
		}
		if !ok {
			return
		}
		var want []string
		for _, w := range words[1:] {
			if len(w) > 1 && w[0] == '#' {
				want = append(want, w)
			}
		}
		if user != words[0] || !slices.Equal(tags, want) {
			t.Fatalf("Parse(%q) = %q %q, splitting on spaces gives %q %q", s, user, tags, words[0], want)
		}
	})
}

func BenchmarkBaseline(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "baseline", 2, 200000)
}
