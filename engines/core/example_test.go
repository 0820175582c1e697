package core_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/core"
)

// SentenceSpout emits each of its sentences once, tracked by its index, and
// emits a sentence again when its tree fails.
type SentenceSpout struct {
	core.BaseRichSpout
	Sentences []string
	collector *core.SpoutOutputCollector
	next      int
	replay    []int
}

func (s *SentenceSpout) Open(_ core.Config, _ *core.TopologyContext, c *core.SpoutOutputCollector) error {
	s.collector = c
	return nil
}

func (s *SentenceSpout) NextTuple() {
	if n := len(s.replay); n > 0 {
		i := s.replay[n-1]
		s.replay = s.replay[:n-1]
		s.collector.Emit(core.Values{s.Sentences[i]}, i)
		return
	}
	if s.next < len(s.Sentences) {
		s.collector.Emit(core.Values{s.Sentences[s.next]}, s.next)
		s.next++
	}
}

func (s *SentenceSpout) Fail(msgID any) { s.replay = append(s.replay, msgID.(int)) }

func (s *SentenceSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("sentence"))
}

// ExclamationBolt appends "!!!" to its input, as in Storm's starter.
type ExclamationBolt struct {
	core.BaseRichBolt
	collector *core.OutputCollector
}

func (b *ExclamationBolt) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	return nil
}

func (b *ExclamationBolt) Execute(t *core.Tuple) {
	b.collector.Emit(t, core.Values{t.GetString(0) + "!!!"})
	b.collector.Ack(t)
}

func (b *ExclamationBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("word"))
}

// Results gathers what a topology's last bolt saw, for the examples.
type Results struct {
	mu   sync.Mutex
	seen map[string]string
}

func (r *Results) Put(k, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = make(map[string]string)
	}
	r.seen[k] = v
}

func (r *Results) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *Results) Sorted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for k, v := range r.seen {
		out = append(out, k+" "+v)
	}
	slices.Sort(out)
	return out
}

// WaitLen polls until r holds n results or five seconds pass.
func (r *Results) WaitLen(n int) {
	deadline := time.Now().Add(5 * time.Second)
	for r.Len() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// PrinterBolt records the last value per key.
type PrinterBolt struct {
	core.BaseBasicBolt
	Out *Results
}

func (p *PrinterBolt) Execute(t *core.Tuple, _ *core.BasicOutputCollector) error {
	v := fmt.Sprint(t.GetValue(t.Size() - 1))
	p.Out.Put(t.GetString(0), v)
	return nil
}

func (p *PrinterBolt) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// Storm's ExclamationTopology: a spout and two exclamation bolts in a row.
func Example_exclamationTopology() {
	out := &Results{}
	builder := core.NewTopologyBuilder()
	builder.SetSpout("word", &SentenceSpout{Sentences: []string{"nathan", "mike", "jackson", "golda", "bertels"}}, 1)
	builder.SetBolt("exclaim1", &ExclamationBolt{}, 3).ShuffleGrouping("word")
	builder.SetBolt("exclaim2", &ExclamationBolt{}, 2).ShuffleGrouping("exclaim1")
	builder.SetBolt("print", &PrinterBolt{Out: out}, 1).GlobalGrouping("exclaim2")

	conf := core.Config{}
	conf.SetDebug(false)
	cluster := core.NewLocalCluster()
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology("test", conf, builder.CreateTopology()); err != nil {
		fmt.Println(err)
		return
	}
	out.WaitLen(5)
	if err := cluster.KillTopology("test"); err != nil {
		fmt.Println(err)
	}
	for _, line := range out.Sorted() {
		fmt.Println(strings.Fields(line)[0])
	}
	// Output:
	// bertels!!!!!!
	// golda!!!!!!
	// jackson!!!!!!
	// mike!!!!!!
	// nathan!!!!!!
}

// SplitSentence splits a sentence into words, as Storm's starter does.
type SplitSentence struct{ core.BaseBasicBolt }

func (SplitSentence) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	for _, w := range strings.Fields(t.GetString(0)) {
		c.Emit(core.Values{w})
	}
	return nil
}

func (SplitSentence) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("word"))
}

// WordCount counts words; a fields grouping sends each word to one task.
type WordCount struct {
	core.BaseBasicBolt
	counts map[string]int
}

func (w *WordCount) Prepare(core.Config, *core.TopologyContext) error {
	w.counts = make(map[string]int)
	return nil
}

func (w *WordCount) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	word := t.GetStringByField("word")
	w.counts[word]++
	c.Emit(core.Values{word, w.counts[word]})
	return nil
}

func (w *WordCount) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("word", "count"))
}

// Storm's WordCountTopology: sentences, split into words (shuffle), counted
// per word (fields grouping), with acking on.
func Example_wordCountTopology() {
	out := &Results{}
	builder := core.NewTopologyBuilder()
	builder.SetSpout("spout", &SentenceSpout{Sentences: []string{
		"the cow jumped over the moon",
		"an apple a day keeps the doctor away",
		"four score and seven years ago",
		"snow white and the seven dwarfs",
	}}, 1)
	builder.SetBolt("split", SplitSentence{}, 2).ShuffleGrouping("spout")
	builder.SetBolt("count", &WordCount{}, 3).FieldsGrouping("split", core.NewFields("word"))
	builder.SetBolt("print", &PrinterBolt{Out: out}, 1).GlobalGrouping("count")

	conf := core.Config{}
	conf.SetNumWorkers(2)
	cluster := core.NewLocalCluster()
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology("word-count", conf, builder.CreateTopology()); err != nil {
		fmt.Println(err)
		return
	}
	out.WaitLen(20)
	// Wait until every tree has completed, then look at the counts.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		m, _ := cluster.Metrics("word-count")
		if m.Components[spoutIndex(m)].Acked == 4 {
			break
		}
	}
	cluster.KillTopology("word-count")
	for _, line := range out.Sorted() {
		if strings.HasPrefix(line, "the ") || strings.HasPrefix(line, "seven ") || strings.HasPrefix(line, "and ") {
			fmt.Println(line)
		}
	}
	// Output:
	// and 2
	// seven 2
	// the 4
}

func spoutIndex(m core.TopologyMetrics) int {
	for i, c := range m.Components {
		if c.Type == "spout" {
			return i
		}
	}
	return -1
}
