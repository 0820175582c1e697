package core

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// hangingBolt blocks in Execute on its first tuple until released.
type hangingBolt struct {
	BaseBasicBolt
	entered chan struct{}
	release chan struct{}
	once    *sync.Once
}

func (*hangingBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

func (b *hangingBolt) Execute(*Tuple, *BasicOutputCollector) error {
	b.once.Do(func() {
		close(b.entered)
		<-b.release
	})
	return nil
}

// TestStuckExecuteReported: a bolt stuck in Execute longer than
// topology.executor.stuck.report.secs is reported once as its task's
// error (Storm reports nothing, STORM-956); a healthy one is not.
func TestStuckExecuteReported(t *testing.T) {
	hang := &hangingBolt{entered: make(chan struct{}), release: make(chan struct{}), once: &sync.Once{}}
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 10, Log: newSpoutLog()}, 1)
	b.SetBolt("hang", hang, 1).ShuffleGrouping("s")
	b.SetBolt("fine", passBolt{}, 1).ShuffleGrouping("s")
	clock := NewManualClock(time.Unix(0, 0))
	c := newCluster(t, WithClock(clock))
	if err := c.SubmitTopology("t", Config{TopologyExecutorStuckReportSecs: 4}, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	<-hang.entered
	stuck := func() []ErrorInfo {
		m, _ := c.Metrics("t")
		var out []ErrorInfo
		for _, e := range m.Errors {
			if strings.Contains(e.Error, ErrStuck.Error()) {
				out = append(out, e)
			}
		}
		return out
	}
	clock.Advance(time.Second) // the watchdog sees the call
	clock.Advance(time.Second)
	if s := stuck(); len(s) != 0 {
		t.Fatalf("reported stuck after 2s of a 4s limit: %v", s)
	}
	// Tickers of a manual clock may drop a tick the watchdog was not
	// ready for, so time moves on until it has looked twice, 4s apart.
	waitUntil(t, 5*time.Second, "the stuck report", func() bool {
		clock.Advance(time.Second)
		return len(stuck()) > 0
	})
	s := stuck()
	if len(s) != 1 || s[0].Component != "hang" || !strings.Contains(s[0].Error, "Execute") || !strings.Contains(s[0].Error, TopologyExecutorStuckReportSecs) {
		t.Errorf("stuck reports %v, want one for hang's Execute naming the setting", s)
	}
	close(hang.release)
}
