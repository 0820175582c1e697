package trident_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/drpc"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Storm-starter's TridentReach: the reach of a URL (distinct followers of
// the people who tweeted it) as a Trident DRPC stream over two static
// states, served by a DRPC server over HTTP.

var reachTweeters = map[string][]string{
	"foo.com/blog/1":                 {"sally", "bob", "tim", "george", "nathan"},
	"engineering.twitter.com/blog/5": {"adam", "david", "sally", "nathan"},
	"tech.backtype.com/blog/123":     {"tim", "mike", "john"},
}

var reachFollowers = map[string][]string{
	"sally":  {"bob", "tim", "alice", "adam", "jim", "chris", "jai"},
	"bob":    {"sally", "nathan", "jim", "mary", "david", "vivian"},
	"tim":    {"alex"},
	"nathan": {"sally", "bob", "adam", "harry", "chris", "vivian", "emily", "jordan"},
	"adam":   {"david", "carissa"},
	"mike":   {"john", "bob"},
	"john":   {"alice", "nathan", "jim", "mike", "bob"},
}

func staticMap(m map[string][]string) *state.MapFactory {
	f := state.NewMemoryMapStateFactory(state.NonTransactional)
	for k, v := range m {
		f.Backing.MultiPut([][]any{{k}}, []any{v})
	}
	return f
}

// expandList emits one tuple per element of a list (TridentReach's
// ExpandList); a missing list emits nothing.
var expandList = operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
	l, _ := t.Get(0).([]string)
	for _, v := range l {
		c.Emit(tuple.Values{v})
	}
})

// one is TridentReach's One: every group counts once.
type one struct{}

func (one) Init(tuple.Tuple) any { return int64(1) }
func (one) Combine(any, any) any { return int64(1) }
func (one) Zero() any            { return int64(1) }

func TestDRPCTridentReachOverHTTP(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	s := drpc.NewServer()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Shutdown()
		ts.Close()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
	inv, err := drpc.NewInvocationsClient(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.CloseIdleConnections)

	topo := trident.NewTridentTopology()
	urlToTweeters := topo.NewStaticState(staticMap(reachTweeters))
	tweetersToFollowers := topo.NewStaticState(staticMap(reachFollowers))
	topo.NewDRPCStream("reach", inv).
		StateQuery(urlToTweeters, tuple.NewFields("args"), builtin.MapGet{}, tuple.NewFields("tweeters")).
		Each(tuple.NewFields("tweeters"), expandList, tuple.NewFields("tweeter")).
		Shuffle().
		StateQuery(tweetersToFollowers, tuple.NewFields("tweeter"), builtin.MapGet{}, tuple.NewFields("followers")).
		Each(tuple.NewFields("followers"), expandList, tuple.NewFields("follower")).
		GroupBy(tuple.NewFields("follower")).
		Aggregate(tuple.NewFields(), one{}, tuple.NewFields("one")).
		Aggregate(tuple.NewFields("one"), builtin.Sum{}, tuple.NewFields("reach"))
	storm, conf, err := topo.BuildConfig(core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 1})
	if err != nil {
		t.Fatal(err)
	}
	cluster := core.NewLocalCluster()
	t.Cleanup(cluster.Shutdown)
	if err := cluster.SubmitTopology("trident-reach", conf, storm); err != nil {
		t.Fatal(err)
	}
	enginetest.WaitFor(t, "the topology to ask for reach requests", func() bool { return s.Served("reach") })
	client := drpc.NewClient(ts.URL, nil)
	for _, u := range []string{"foo.com/blog/1", "engineering.twitter.com/blog/5", "tech.backtype.com/blog/123", "notaurl.com"} {
		seen := map[string]bool{}
		for _, tw := range reachTweeters[u] {
			for _, f := range reachFollowers[tw] {
				seen[f] = true
			}
		}
		got, err := client.Execute("reach", u)
		if want := fmt.Sprintf("[[%d]]", len(seen)); err != nil || got != want {
			t.Errorf("reach(%q) = %q, %v; want %q", u, got, err, want)
		}
	}
}
