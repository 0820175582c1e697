package coord

import (
	"strings"
	"testing"
	"time"
)

func TestTiming(t *testing.T) {
	d, f := DefaultTiming(), FastTiming()
	want := map[string]float64{
		"worker.heartbeat.frequency.secs": 1, "supervisor.monitor.frequency.secs": 3, "supervisor.worker.timeout.secs": 30,
		"supervisor.worker.start.timeout.secs": 120, "supervisor.worker.shutdown.sleep.secs": 3, "supervisor.heartbeat.frequency.secs": 5,
		"nimbus.supervisor.timeout.secs": 60, "nimbus.task.timeout.secs": 30, "nimbus.monitor.freq.secs": 10,
		"topology.message.timeout.secs": 30,
	}
	got := d.Settings()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("default %s = %v, want %v", k, got[k], v)
		}
		if fs := f.Settings()[k]; fs != v/FastDivisor {
			t.Errorf("fast %s = %v, want %v", k, fs, v/FastDivisor)
		}
	}
	if len(got) != len(want) {
		t.Errorf("settings %v", got)
	}
	if f.SupervisorWorkerTimeout != 3*time.Second || f.NimbusSupervisorTimeout != 6*time.Second {
		t.Errorf("fast: %+v", f)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	if err := f.Validate(); err != nil {
		t.Error(err)
	}
	if s := f.String(); !strings.HasPrefix(s, "timing fast:") || !strings.Contains(s, "nimbus.monitor.freq.secs=1") {
		t.Errorf("String: %s", s)
	}
	if _, err := TimingProfile("slow"); err == nil || !strings.Contains(err.Error(), "known: default, fast") {
		t.Errorf("unknown profile: %v", err)
	}
	c := d
	if err := c.Set("nimbus.monitor.freq.secs", 2.5); err != nil || c.NimbusMonitor != 2500*time.Millisecond || c.Profile != "custom" {
		t.Errorf("Set: %v %+v", err, c)
	}
	if err := c.Set("nimbus.monitor.freq", 1); err == nil || !strings.Contains(err.Error(), "known:") {
		t.Errorf("Set unknown: %v", err)
	}
	if err := c.Set("nimbus.monitor.freq.secs", -1); err == nil {
		t.Error("Set negative accepted")
	}
	c = d
	c.SupervisorWorkerTimeout = c.WorkerHeartbeat
	if err := c.Validate(); err == nil {
		t.Error("worker timeout = heartbeat accepted")
	}
	if d.HeartbeatTTL() != 120*time.Second || f.HeartbeatTTL() != 12*time.Second {
		t.Errorf("TTL %v %v", d.HeartbeatTTL(), f.HeartbeatTTL())
	}
}
