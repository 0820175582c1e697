package hashtags

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreDropsSpam: with every user on the spam list, nothing is counted.
func TestCoreDropsSpam(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"users": "50", "spam-users": "1"})
	if len(in.SpamList()) != 50 {
		t.Fatalf("%d users on the spam list, want all 50", len(in.SpamList()))
	}
	for _, m := range workloadtest.Modes("core") {
		eng, err := in.Pipeline("core", engines.Options{Parallelism: 2, Guarantee: m.Guarantee})
		if err != nil {
			t.Fatal(err)
		}
		sink := &enginetest.CollectSink{}
		if err := eng.Run(t.Context(), workloadtest.Source(in, 2, 200), sink); err != nil {
			t.Fatal(err)
		}
		if n := len(sink.Outputs()); n != 0 {
			t.Errorf("%s: %d outputs from spam only", m, n)
		}
	}
}

// TestCoreRefusesBadTweets: a record that is not a tweet ends the run with
// an error naming it.
func TestCoreRefusesBadTweets(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("core") {
		eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: m.Guarantee})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "user1 hello #go", "#nouser at all", "user2 #more")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not a tweet") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
