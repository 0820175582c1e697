package drpc

import (
	"maps"
	"slices"

	"github.com/streambench/streambench/engines/core"
)

// Example topologies from storm-starter, ready to serve: `streambench drpc
// --serve reach,exclamation` runs them against its own server, so that
//
//	curl http://127.0.0.1:3774/drpc/reach/foo.com/blog/1
//
// answers 16 without any Go written.

// Example is a DRPC function with the linear topology that computes it.
type Example struct {
	// Function is the DRPC function's name, Description what it computes,
	// and Try an argument worth trying.
	Function, Description, Try string
	// New builds the topology.
	New func() *LinearDRPCTopologyBuilder
}

// Examples are the example topologies by function name.
var Examples = map[string]Example{
	"reach": {
		Function:    "reach",
		Description: "storm-starter's ReachTopology: distinct followers of the people who tweeted a URL",
		Try:         "foo.com/blog/1",
		New:         NewReachTopology,
	},
	"exclamation": {
		Function:    "exclamation",
		Description: "storm-starter's BasicDRPCTopology: the argument with \"!\" appended",
		Try:         "hello",
		New:         NewExclamationTopology,
	},
}

// ExampleNames returns the example function names, sorted.
func ExampleNames() []string { return slices.Sorted(maps.Keys(Examples)) }

// ReachTweeters and ReachFollowers are ReachTopology's two tables, as
// storm-starter keeps them in memory in place of a database: who tweeted
// each URL, and who follows each person.
var (
	ReachTweeters = map[string][]string{
		"foo.com/blog/1":                 {"sally", "bob", "tim", "george", "nathan"},
		"engineering.twitter.com/blog/5": {"adam", "david", "sally", "nathan"},
		"tech.backtype.com/blog/123":     {"tim", "mike", "john"},
	}
	ReachFollowers = map[string][]string{
		"sally":  {"bob", "tim", "alice", "adam", "jim", "chris", "jai"},
		"bob":    {"sally", "nathan", "jim", "mary", "david", "vivian"},
		"tim":    {"alex"},
		"nathan": {"sally", "bob", "adam", "harry", "chris", "vivian", "emily", "jordan"},
		"adam":   {"david", "carissa"},
		"mike":   {"john", "bob"},
		"john":   {"alice", "nathan", "jim", "mike", "bob"},
	}
)

// Reach computes a URL's reach directly from the tables: the answer the
// topology must give.
func Reach(url string) int {
	seen := map[string]bool{}
	for _, t := range ReachTweeters[url] {
		for _, f := range ReachFollowers[t] {
			seen[f] = true
		}
	}
	return len(seen)
}

// NewReachTopology builds storm-starter's ReachTopology for function
// "reach": the tweeters of the URL, their followers, the distinct
// followers per task (a batch bolt, so each task knows when it has seen
// all of a request's followers), and their sum.
//
// The fields grouping on ("id", "follower") sends each follower of a
// request to one task, so that the partial counts can be summed without
// counting a follower twice.
func NewReachTopology() *LinearDRPCTopologyBuilder {
	b := NewLinearDRPCTopologyBuilder("reach")
	b.AddBolt(GetTweeters{}, 4)
	b.AddBolt(GetFollowers{}, 12).ShuffleGrouping()
	b.AddBolt(&PartialUniquer{}, 6).FieldsGrouping(core.NewFields("id", "follower"))
	b.AddBolt(&CountAggregator{}, 3).FieldsGrouping(core.NewFields("id"))
	return b
}

// GetTweeters emits (id, tweeter) for each person who tweeted the URL.
type GetTweeters struct{ core.BaseBasicBolt }

// Execute looks the URL up.
func (GetTweeters) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	for _, tw := range ReachTweeters[t.GetString(1)] {
		c.Emit(core.Values{t.GetValue(0), tw})
	}
	return nil
}

// DeclareOutputFields declares (id, tweeter).
func (GetTweeters) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "tweeter"))
}

// GetFollowers emits (id, follower) for each follower of a tweeter.
type GetFollowers struct{ core.BaseBasicBolt }

// Execute looks the tweeter up.
func (GetFollowers) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	for _, f := range ReachFollowers[t.GetString(1)] {
		c.Emit(core.Values{t.GetValue(0), f})
	}
	return nil
}

// DeclareOutputFields declares (id, follower).
func (GetFollowers) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "follower"))
}

// PartialUniquer counts the distinct followers its task saw for one
// request, and emits (id, partial-count) when the request's batch ends.
type PartialUniquer struct {
	c    *core.BatchOutputCollector
	id   any
	seen map[string]bool
}

// Prepare starts a request's batch.
func (p *PartialUniquer) Prepare(_ core.Config, _ *core.TopologyContext, c *core.BatchOutputCollector, id any) error {
	p.c, p.id, p.seen = c, id, map[string]bool{}
	return nil
}

// Execute notes a follower.
func (p *PartialUniquer) Execute(t *core.Tuple) error { p.seen[t.GetString(1)] = true; return nil }

// FinishBatch emits the task's distinct count.
func (p *PartialUniquer) FinishBatch() error {
	p.c.Emit(core.Values{p.id, len(p.seen)})
	return nil
}

// DeclareOutputFields declares (id, partial-count).
func (*PartialUniquer) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "partial-count"))
}

// CountAggregator sums the partial counts of one request and emits
// (id, reach).
type CountAggregator struct {
	c     *core.BatchOutputCollector
	id    any
	count int
}

// Prepare starts a request's batch.
func (a *CountAggregator) Prepare(_ core.Config, _ *core.TopologyContext, c *core.BatchOutputCollector, id any) error {
	a.c, a.id = c, id
	return nil
}

// Execute adds a partial count.
func (a *CountAggregator) Execute(t *core.Tuple) error { a.count += t.GetInt(1); return nil }

// FinishBatch emits the reach.
func (a *CountAggregator) FinishBatch() error {
	a.c.Emit(core.Values{a.id, a.count})
	return nil
}

// DeclareOutputFields declares (id, reach).
func (*CountAggregator) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "reach"))
}

// NewExclamationTopology builds storm-starter's BasicDRPCTopology for
// function "exclamation": one bolt that appends "!" to its argument.
func NewExclamationTopology() *LinearDRPCTopologyBuilder {
	b := NewLinearDRPCTopologyBuilder("exclamation")
	b.AddBolt(ExclaimBolt{}, 3)
	return b
}

// ExclaimBolt answers (id, args) with (id, args+"!").
type ExclaimBolt struct{ core.BaseBasicBolt }

// Execute exclaims.
func (ExclaimBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	c.Emit(core.Values{t.GetValue(0), t.GetString(1) + "!"})
	return nil
}

// DeclareOutputFields declares (id, result).
func (ExclaimBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "result"))
}
