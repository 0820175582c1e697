package multilang_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/multilang"
	"github.com/streambench/streambench/engines/enginetest"
)

// sentenceSpout emits each sentence once, tracked, and again on Fail.
type sentenceSpout struct {
	core.BaseRichSpout
	Sentences []string
	Log       *spoutLog

	c    *core.SpoutOutputCollector
	next int
	redo []int
}

type spoutLog struct {
	mu     sync.Mutex
	acked  map[int]bool
	failed int
}

func (l *spoutLog) state() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked), l.failed
}

func (s *sentenceSpout) Open(_ core.Config, _ *core.TopologyContext, c *core.SpoutOutputCollector) error {
	s.c = c
	return nil
}

func (s *sentenceSpout) NextTuple() {
	i := s.next
	switch {
	case len(s.redo) > 0:
		i, s.redo = s.redo[0], s.redo[1:]
	case s.next < len(s.Sentences):
		s.next++
	default:
		return
	}
	s.c.Emit(core.Values{s.Sentences[i]}, i)
}

func (s *sentenceSpout) Ack(id any) {
	s.Log.mu.Lock()
	s.Log.acked[id.(int)] = true
	s.Log.mu.Unlock()
}

func (s *sentenceSpout) Fail(id any) {
	s.Log.mu.Lock()
	s.Log.failed++
	s.Log.mu.Unlock()
	s.redo = append(s.redo, id.(int))
}

func (*sentenceSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("sentence"))
}

// countBolt counts words into a shared map.
type countBolt struct {
	core.BaseBasicBolt
	mu     *sync.Mutex
	counts map[string]int
}

func (b *countBolt) Execute(t *core.Tuple, _ *core.BasicOutputCollector) error {
	b.mu.Lock()
	b.counts[t.GetString(0)]++
	b.mu.Unlock()
	return nil
}
func (*countBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}

func script(t *testing.T, name string) string {
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMultilangWordCount: Storm-starter's word count with its split bolt
// in Python gives the exact counts, every sentence acked.
func TestMultilangWordCount(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	var sentences []string
	want := map[string]int{}
	base := []string{"the cow jumped over the moon", "an apple a day keeps the doctor away",
		"four score and seven years ago", "snow white and the seven dwarfs", "i am at two with nature"}
	for i := range 300 {
		s := base[i%len(base)]
		sentences = append(sentences, s)
		for _, w := range strings.Fields(s) {
			want[w]++
		}
	}
	log := &spoutLog{acked: map[int]bool{}}
	var mu sync.Mutex
	counts := map[string]int{}
	b := core.NewTopologyBuilder()
	b.SetSpout("spout", &sentenceSpout{Sentences: sentences, Log: log}, 1)
	b.SetBolt("split", multilang.NewShellBolt(core.NewFields("word"), "python3", script(t, "splitsentence.py")), 2).ShuffleGrouping("spout")
	b.SetBolt("count", &countBolt{mu: &mu, counts: counts}, 2).FieldsGrouping("split", core.NewFields("word"))
	c := core.NewLocalCluster(core.WithSeed(1))
	defer c.Shutdown()
	conf := core.Config{core.TopologyShellBoltMaxPending: 10}
	if err := c.SubmitTopology("wc", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	enginetest.WaitFor(t, "every sentence acked", func() bool { n, _ := log.state(); return n == len(sentences) })
	if _, failed := log.state(); failed != 0 {
		t.Fatalf("%d sentences failed", failed)
	}
	mu.Lock()
	defer mu.Unlock()
	for w, n := range want {
		if counts[w] != n {
			t.Errorf("count(%q) = %d, want %d", w, counts[w], n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("%d distinct words, want %d", len(counts), len(want))
	}
}

// TestShellSpout: a Python spout's tuples reach a Go bolt and are acked.
func TestShellSpout(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	var mu sync.Mutex
	counts := map[string]int{}
	b := core.NewTopologyBuilder()
	b.SetSpout("numbers", multilang.NewShellSpout(core.NewFields("word"), "python3", script(t, "numbers_spout.py")), 1)
	b.SetBolt("count", &countBolt{mu: &mu, counts: counts}, 1).ShuffleGrouping("numbers")
	c := core.NewLocalCluster(core.WithSeed(1))
	defer c.Shutdown()
	if err := c.SubmitTopology("numbers", core.Config{}, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	enginetest.WaitFor(t, "ten numbers counted", func() bool { mu.Lock(); defer mu.Unlock(); return len(counts) == 10 })
	m, err := c.Metrics("numbers")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) > 0 {
		t.Errorf("errors: %v", m.Errors)
	}
}

// TestShellBoltMisbehaves: a subprocess that exits, hangs past the
// heartbeat timeout or writes garbage fails its pending tuples, is
// reported, and is replaced; the topology goes on and the sentences are
// acked once replayed without the trigger.
func TestShellBoltMisbehaves(t *testing.T) {
	for _, word := range []string{"die", "hang", "garbage"} {
		t.Run(word, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			log := &spoutLog{acked: map[int]bool{}}
			var mu sync.Mutex
			counts := map[string]int{}
			spout := &onceBadSpout{sentenceSpout: sentenceSpout{Sentences: []string{"a", word, "b", "c"}, Log: log}, bad: word}
			b := core.NewTopologyBuilder()
			b.SetSpout("spout", spout, 1)
			b.SetBolt("bolt", multilang.NewShellBolt(core.NewFields("word"), "python3", script(t, "misbehave.py")), 1).ShuffleGrouping("spout")
			b.SetBolt("count", &countBolt{mu: &mu, counts: counts}, 1).ShuffleGrouping("bolt")
			c := core.NewLocalCluster(core.WithSeed(1))
			defer c.Shutdown()
			conf := core.Config{core.TopologySubprocessTimeoutSecs: 1, core.TopologyMessageTimeoutSecs: 30}
			if err := c.SubmitTopology("bad", conf, b.CreateTopology()); err != nil {
				t.Fatal(err)
			}
			enginetest.WaitFor(t, "every sentence acked", func() bool { n, _ := log.state(); return n == 4 })
			if _, failed := log.state(); failed == 0 {
				t.Error("no tuple failed")
			}
			m, err := c.Metrics("bad")
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, e := range m.Errors {
				said = append(said, e.Error)
			}
			if !strings.Contains(strings.Join(said, "\n"), "multi-lang subprocess failed") {
				t.Errorf("errors %q do not report the subprocess", said)
			}
		})
	}
}

// onceBadSpout replays its bad sentence as a harmless one.
type onceBadSpout struct {
	sentenceSpout
	bad string
}

func (s *onceBadSpout) Fail(id any) {
	s.sentenceSpout.Fail(id)
	s.Sentences[id.(int)] = strings.ToUpper(s.Sentences[id.(int)])
}

func TestShellBoltBadCommand(t *testing.T) {
	b := core.NewTopologyBuilder()
	b.SetSpout("spout", &sentenceSpout{Log: &spoutLog{}}, 1)
	b.SetBolt("bolt", multilang.NewShellBolt(core.NewFields("word"), filepath.Join(os.TempDir(), "no-such-program")), 1).ShuffleGrouping("spout")
	c := core.NewLocalCluster()
	defer c.Shutdown()
	err := c.SubmitTopology("bad", core.Config{}, b.CreateTopology())
	if !errors.Is(err, multilang.ErrSubprocess) {
		t.Errorf("submit with a missing program = %v, want ErrSubprocess", err)
	}
}
