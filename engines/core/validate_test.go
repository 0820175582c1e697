package core

import (
	"errors"
	"strings"
	"testing"
)

// directSpout declares a direct stream "d" and a normal stream "default".
type directSpout struct {
	numberSpout
}

func (s *directSpout) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.Declare(NewFields("n"))
	d.DeclareStream("d", true, NewFields("n"))
}

type notABolt struct{}

func (notABolt) DeclareOutputFields(OutputFieldsDeclarer) {}

type dupFieldsBolt struct{ passBolt }

func (dupFieldsBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("a", "a")) }

func TestValidation(t *testing.T) {
	log := newSpoutLog()
	spout := func() Spout { return &numberSpout{N: 1, Log: log} }
	for _, tc := range []struct {
		name  string
		build func(b *TopologyBuilder)
		want  string // substring of the error; "" means valid
	}{
		{"valid", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 2).ShuffleGrouping("s")
		}, ""},
		{"unknown component", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("nope")
		}, `input from "nope" stream "default": no such component`},
		{"unknown stream", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("s", "other")
		}, `"s" declares no such stream`},
		{"field not declared", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).FieldsGrouping("s", NewFields("word"))
		}, `field "word" is not declared`},
		{"cycle", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("a", passBolt{}, 1).ShuffleGrouping("s").ShuffleGrouping("c")
			b.SetBolt("c", passBolt{}, 1).ShuffleGrouping("a")
		}, "cycle a -> c -> a"},
		{"self loop", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("a", passBolt{}, 1).ShuffleGrouping("s").ShuffleGrouping("a")
		}, "cycle a -> a"},
		{"parallelism above tasks", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 4).SetNumTasks(2).ShuffleGrouping("s")
		}, "parallelism 4 is more than its 2 tasks"},
		{"zero parallelism", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 0)
		}, "parallelism 0 must be at least 1"},
		{"duplicate id", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("s", passBolt{}, 1).ShuffleGrouping("s")
		}, "component ids must be unique"},
		{"reserved id", func(b *TopologyBuilder) {
			b.SetSpout("__acker", spout(), 1)
		}, "reserved"},
		{"not a bolt", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", notABolt{}, 1).ShuffleGrouping("s")
		}, "neither a Bolt, a BasicBolt nor a WindowedBolt"},
		{"nil spout", func(b *TopologyBuilder) {
			b.SetSpout("s", (*numberSpout)(nil), 1)
		}, "spout is nil"},
		{"no spouts", func(b *TopologyBuilder) {
			b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("b")
		}, "no spouts"},
		{"empty", func(b *TopologyBuilder) {}, "no components"},
		{"bolt without inputs", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1)
		}, "subscribes to no stream"},
		{"direct grouping on a plain stream", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).DirectGrouping("s")
		}, "DirectGrouping needs a direct stream"},
		{"plain grouping on a direct stream", func(b *TopologyBuilder) {
			b.SetSpout("s", &directSpout{numberSpout{N: 1, Log: log}}, 1)
			b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("s", "d")
		}, "the stream is direct, so it needs DirectGrouping"},
		{"direct grouping on a direct stream", func(b *TopologyBuilder) {
			b.SetSpout("s", &directSpout{numberSpout{N: 1, Log: log}}, 1)
			b.SetBolt("b", passBolt{}, 1).DirectGrouping("s", "d")
		}, ""},
		{"duplicate fields", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", dupFieldsBolt{}, 1).ShuffleGrouping("s")
		}, `declares field "a" twice`},
		{"bad component config", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1).AddConfiguration(TopologyMaxSpoutPending, "many")
		}, `config key "topology.max.spout.pending" (in component "s" configuration)`},
		{"two streams in one grouping", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("s", "x", "y")
		}, "a grouping subscribes to one stream"},
		{"fields grouping without fields", func(b *TopologyBuilder) {
			b.SetSpout("s", spout(), 1)
			b.SetBolt("b", passBolt{}, 1).FieldsGrouping("s", NewFields())
		}, "needs at least one field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewTopologyBuilder()
			tc.build(b)
			_, err := buildPlan("t", nil, nil, b.CreateTopology(), 1)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid topology refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidTopology) && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v wraps neither ErrInvalidTopology nor ErrInvalidConfig", err)
			}
		})
	}
}

func TestTaskLayout(t *testing.T) {
	b := NewTopologyBuilder()
	b.SetSpout("spout", &numberSpout{N: 1, Log: newSpoutLog()}, 2)
	b.SetBolt("bolt", passBolt{}, 3).SetNumTasks(6).ShuffleGrouping("spout")
	conf := Config{}
	conf.SetNumWorkers(2)
	p, err := buildPlan("t", nil, conf, b.CreateTopology(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// One acker per worker by default; ids contiguous per component in id
	// order.
	want := map[string][]int{AckerComponentID: {1, 2}, "bolt": {3, 4, 5, 6, 7, 8}, "spout": {9, 10}}
	for id, tasks := range want {
		got := p.byID[id].tasks
		if len(got) != len(tasks) {
			t.Fatalf("%s tasks %v, want %v", id, got, tasks)
		}
		for i := range got {
			if got[i] != tasks[i] {
				t.Fatalf("%s tasks %v, want %v", id, got, tasks)
			}
		}
	}
	if p.numTasks != 10 || len(p.ackers) != 2 {
		t.Fatalf("numTasks %d ackers %v", p.numTasks, p.ackers)
	}
}
