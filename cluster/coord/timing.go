package coord

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Timing holds the control plane's intervals and timeouts under Storm's
// names (conf/defaults.yaml). The defaults are Storm's own, so a recovery
// measured with them is the recovery a Storm user would see: a crashed
// worker is relaunched within about supervisor.monitor.frequency.secs, a hung
// one after supervisor.worker.timeout.secs, and the workers of a lost node
// move once nimbus.supervisor.timeout.secs has passed.
type Timing struct {
	// Profile names the set these values came from: "default" or "fast",
	// or "custom" once a value was changed.
	Profile string
	// WorkerHeartbeat is worker.heartbeat.frequency.secs: how often a
	// worker writes its heartbeat.
	WorkerHeartbeat time.Duration
	// SupervisorMonitor is supervisor.monitor.frequency.secs: how often an
	// agent checks its workers.
	SupervisorMonitor time.Duration
	// SupervisorWorkerTimeout is supervisor.worker.timeout.secs: the
	// heartbeat age at which an agent kills and relaunches a worker.
	SupervisorWorkerTimeout time.Duration
	// SupervisorWorkerStartTimeout is supervisor.worker.start.timeout.secs:
	// how long a new worker may take to write its first heartbeat.
	SupervisorWorkerStartTimeout time.Duration
	// SupervisorWorkerShutdownSleep is
	// supervisor.worker.shutdown.sleep.secs: the grace between SIGTERM and
	// SIGKILL when an agent stops a worker.
	SupervisorWorkerShutdownSleep time.Duration
	// SupervisorHeartbeat is supervisor.heartbeat.frequency.secs: how often
	// an agent writes its heartbeat.
	SupervisorHeartbeat time.Duration
	// NimbusSupervisorTimeout is nimbus.supervisor.timeout.secs: the agent
	// heartbeat age at which the master takes the node's workers away.
	NimbusSupervisorTimeout time.Duration
	// NimbusTaskTimeout is nimbus.task.timeout.secs: the worker heartbeat
	// age at which the master reports a worker as not running (its agent
	// restarts it; the master moves it only with its node).
	NimbusTaskTimeout time.Duration
	// NimbusMonitor is nimbus.monitor.freq.secs: the master's sweep
	// interval; it also sweeps on every watched change.
	NimbusMonitor time.Duration
	// MessageTimeout is topology.message.timeout.secs, the one topology
	// setting of the profile: how long a tuple tree may take before its
	// spout replays it (Storm), and a Trident batch before it is retried.
	// A run gives it to the topology unless the topology sets its own.
	MessageTimeout time.Duration
}

// Profiles are the names TimingProfile knows.
var Profiles = []string{"default", "fast"}

// FastDivisor is how much faster than Storm's defaults the fast profile
// runs: a dead worker is relaunched within ~0.3 s, a hung one after 3 s, a
// dead node's workers move after ~6 s, and a lost tuple tree is replayed
// after 3 s.
const FastDivisor = 10

// DefaultTiming returns Storm's defaults.
func DefaultTiming() Timing {
	return Timing{
		Profile:                       "default",
		WorkerHeartbeat:               1 * time.Second,
		SupervisorMonitor:             3 * time.Second,
		SupervisorWorkerTimeout:       30 * time.Second,
		SupervisorWorkerStartTimeout:  120 * time.Second,
		SupervisorWorkerShutdownSleep: 3 * time.Second,
		SupervisorHeartbeat:           5 * time.Second,
		NimbusSupervisorTimeout:       60 * time.Second,
		NimbusTaskTimeout:             30 * time.Second,
		NimbusMonitor:                 10 * time.Second,
		MessageTimeout:                30 * time.Second,
	}
}

// FastTiming returns Storm's defaults divided by FastDivisor, for tests and
// quick fault-injection runs; results record that this profile ran.
func FastTiming() Timing {
	t := DefaultTiming()
	t.Profile = "fast"
	for _, f := range t.fields() {
		*f.d /= FastDivisor
	}
	return t
}

// TimingProfile returns the named profile.
func TimingProfile(name string) (Timing, error) {
	switch name {
	case "default", "":
		return DefaultTiming(), nil
	case "fast":
		return FastTiming(), nil
	}
	return Timing{}, fmt.Errorf("unknown timing profile %q (known: %s)", name, strings.Join(Profiles, ", "))
}

type timingField struct {
	key string
	d   *time.Duration
}

func (t *Timing) fields() []timingField {
	return []timingField{
		{"worker.heartbeat.frequency.secs", &t.WorkerHeartbeat},
		{"supervisor.monitor.frequency.secs", &t.SupervisorMonitor},
		{"supervisor.worker.timeout.secs", &t.SupervisorWorkerTimeout},
		{"supervisor.worker.start.timeout.secs", &t.SupervisorWorkerStartTimeout},
		{"supervisor.worker.shutdown.sleep.secs", &t.SupervisorWorkerShutdownSleep},
		{"supervisor.heartbeat.frequency.secs", &t.SupervisorHeartbeat},
		{"nimbus.supervisor.timeout.secs", &t.NimbusSupervisorTimeout},
		{"nimbus.task.timeout.secs", &t.NimbusTaskTimeout},
		{"nimbus.monitor.freq.secs", &t.NimbusMonitor},
		{"topology.message.timeout.secs", &t.MessageTimeout},
	}
}

// Settings returns every value in seconds by its Storm key, for the
// result file.
func (t Timing) Settings() map[string]float64 {
	m := map[string]float64{}
	for _, f := range t.fields() {
		m[f.key] = f.d.Seconds()
	}
	return m
}

// Set changes one value by its Storm key (seconds, fractions allowed) and
// marks the profile custom.
func (t *Timing) Set(key string, secs float64) error {
	for _, f := range t.fields() {
		if f.key == key {
			if secs <= 0 || secs > 86400 {
				return fmt.Errorf("%s = %g: want seconds in (0, 86400]", key, secs)
			}
			*f.d = time.Duration(secs * float64(time.Second))
			t.Profile = "custom"
			return nil
		}
	}
	keys := make([]string, 0, 9)
	for _, f := range t.fields() {
		keys = append(keys, f.key)
	}
	return fmt.Errorf("unknown timing setting %q (known: %s)", key, strings.Join(keys, ", "))
}

// Validate checks that every value is positive and that the timeouts
// leave room for the heartbeats they judge.
func (t Timing) Validate() error {
	for _, f := range t.fields() {
		if *f.d <= 0 {
			return fmt.Errorf("timing %s is %v: want a positive duration", f.key, *f.d)
		}
	}
	if t.SupervisorWorkerTimeout <= t.WorkerHeartbeat {
		return fmt.Errorf("supervisor.worker.timeout.secs (%v) must exceed worker.heartbeat.frequency.secs (%v)", t.SupervisorWorkerTimeout, t.WorkerHeartbeat)
	}
	if t.NimbusSupervisorTimeout <= t.SupervisorHeartbeat {
		return fmt.Errorf("nimbus.supervisor.timeout.secs (%v) must exceed supervisor.heartbeat.frequency.secs (%v)", t.NimbusSupervisorTimeout, t.SupervisorHeartbeat)
	}
	return nil
}

// HeartbeatTTL is the heartbeat bucket's expiry: twice the longest
// heartbeat timeout. Liveness is judged by each heartbeat's own time, so
// the expiry only clears away what dead processes left.
func (t Timing) HeartbeatTTL() time.Duration {
	return 2 * max(t.NimbusSupervisorTimeout, t.SupervisorWorkerTimeout, t.NimbusTaskTimeout)
}

// String lists the profile and every value, one line, keys sorted.
func (t Timing) String() string {
	s := t.Settings()
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "timing %s:", t.Profile)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%g", k, s[k])
	}
	return b.String()
}
