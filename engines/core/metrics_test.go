package core

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestBuiltinMetricNames: metrics carry Storm's built-in names, with the
// same figures as the fields, in what Metrics returns and in its JSON
// (the result file's engine_metrics).
func TestBuiltinMetricNames(t *testing.T) {
	log := newSpoutLog()
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 50, Tracked: true, Log: log}, 1)
	b.SetBolt("b", passBolt{}, 2).ShuffleGrouping("s")
	c := newCluster(t)
	if err := c.SubmitTopology("t", Config{}, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "50 acked trees", func() bool {
		m, _ := c.Metrics("t")
		for _, cm := range m.Components {
			if cm.Component == "s" {
				return cm.Acked == 50
			}
		}
		return false
	})
	m, _ := c.Metrics("t")
	for _, cm := range m.Components {
		bi := cm.Builtin
		for _, name := range []string{MetricAckCount, MetricFailCount, MetricEmitCount, MetricTransferCount, MetricExecuteCount,
			MetricCompleteLatency, MetricExecuteLatency, MetricProcessLatency, MetricSkippedMaxSpoutMs, MetricSkippedBackpressureMs,
			MetricReceivePopulation, MetricReceiveCapacity, MetricReceivePctFull, MetricCapacity} {
			if _, ok := bi[name]; !ok {
				t.Errorf("%s: no %s in %v", cm.Component, name, bi)
			}
		}
		if bi[MetricAckCount] != float64(cm.Acked) || bi[MetricExecuteCount] != float64(cm.Executed) || bi[MetricTransferCount] != float64(cm.Transferred) {
			t.Errorf("%s: builtin %v disagrees with the fields %+v", cm.Component, bi, cm.TaskMetrics)
		}
		if cm.Receive.Capacity <= 0 || bi[MetricReceiveCapacity] != float64(cm.Receive.Capacity) {
			t.Errorf("%s: receive queue %+v", cm.Component, cm.Receive)
		}
		if cm.Component == "b" && bi[MetricExecuteCount] != 50 {
			t.Errorf("bolt __execute-count %v, want 50", bi[MetricExecuteCount])
		}
		for _, tm := range cm.Tasks {
			if tm.Builtin[MetricAckCount] != float64(tm.Acked) {
				t.Errorf("task %d: __ack-count %v, acked %d", tm.Task, tm.Builtin[MetricAckCount], tm.Acked)
			}
		}
	}
	js, _ := json.Marshal(m)
	if !strings.Contains(string(js), `"__ack-count":50`) || !strings.Contains(string(js), `"pct_full"`) {
		t.Errorf("JSON lacks Storm's names: %.400s", js)
	}
}
