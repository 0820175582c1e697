package coord

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Limits on what the store accepts, so that a corrupt or hostile entry is
// refused with a message instead of making a process allocate or loop
// without bound.
const (
	MaxWorkers   = 1024
	MaxExecutors = 1 << 16
	MaxTasks     = 1 << 20
	MaxSlots     = 256
	MaxCores     = 4096
	// maxSkew is how far in the future a heartbeat's time may be before it
	// is refused as absurd (clocks of the hosts of a cluster disagree a
	// little; chrony keeps them within milliseconds).
	maxSkew = time.Hour
)

// ErrInvalid is wrapped by every error about a value that breaks the
// schema, whether it came from the caller or from the store.
var ErrInvalid = errors.New("invalid cluster state")

// namePattern is what topology and node names may be: they are parts of
// key-value keys, so no dots, spaces or wildcards.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// CheckName checks a topology, node or cluster name.
func CheckName(what, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%w: %s name %q: use 1 to 128 letters, digits, '-' or '_'", ErrInvalid, what, name)
	}
	return nil
}

// Executor is one executor of a submitted topology: a thread of one
// component running the tasks FirstTask to LastTask (inclusive), as in
// Storm, where an executor is identified by its task range.
type Executor struct {
	ID        int    `json:"id"`
	Component string `json:"component"`
	FirstTask int    `json:"first_task"`
	LastTask  int    `json:"last_task"`
}

// Submission is a topology submitted to the cluster (Storm's
// submitTopology): its executors, in component order, and how many worker
// processes to spread them over. Payload is the engine's own description
// of the topology, which the cluster stores and hands to every worker
// without reading it.
type Submission struct {
	Topology  string          `json:"topology"`
	Engine    string          `json:"engine"`
	Workers   int             `json:"workers"`
	Executors []Executor      `json:"executors"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	Submitted time.Time       `json:"submitted"`
}

// Validate checks the submission.
func (s *Submission) Validate() error {
	if err := CheckName("topology", s.Topology); err != nil {
		return err
	}
	if s.Engine == "" {
		return fmt.Errorf("%w: topology %q: no engine named", ErrInvalid, s.Topology)
	}
	if s.Workers < 1 || s.Workers > MaxWorkers {
		return fmt.Errorf("%w: topology %q: %d workers: want 1 to %d", ErrInvalid, s.Topology, s.Workers, MaxWorkers)
	}
	if len(s.Executors) == 0 || len(s.Executors) > MaxExecutors {
		return fmt.Errorf("%w: topology %q: %d executors: want 1 to %d", ErrInvalid, s.Topology, len(s.Executors), MaxExecutors)
	}
	ids := map[int]bool{}
	for _, e := range s.Executors {
		switch {
		case ids[e.ID]:
			return fmt.Errorf("%w: topology %q: executor id %d appears twice", ErrInvalid, s.Topology, e.ID)
		case e.Component == "":
			return fmt.Errorf("%w: topology %q: executor %d has no component", ErrInvalid, s.Topology, e.ID)
		case e.FirstTask < 0 || e.LastTask < e.FirstTask || e.LastTask > MaxTasks:
			return fmt.Errorf("%w: topology %q: executor %d has tasks [%d, %d]: want 0 <= first <= last <= %d", ErrInvalid, s.Topology, e.ID, e.FirstTask, e.LastTask, MaxTasks)
		}
		ids[e.ID] = true
	}
	return nil
}

// Assignment is where a topology's workers run (Storm's Assignment in
// ZooKeeper): one entry per worker, naming the node, the address the worker
// listens on and the executors it runs. Version is the key-value revision
// the assignment was read at; every change goes through a compare-and-set
// on it, so two masters, or a sweep racing a kill, cannot overwrite each
// other unseen.
type Assignment struct {
	Topology string             `json:"topology"`
	Version  uint64             `json:"version"`
	Workers  []WorkerAssignment `json:"workers"`
	Time     time.Time          `json:"time"`
}

// WorkerAssignment is one worker of an assignment.
type WorkerAssignment struct {
	Worker    int    `json:"worker"`
	Node      string `json:"node"`
	Addr      string `json:"addr"`
	Executors []int  `json:"executors"`
}

// Validate checks the assignment's own consistency.
func (a *Assignment) Validate() error {
	if err := CheckName("topology", a.Topology); err != nil {
		return err
	}
	if len(a.Workers) == 0 || len(a.Workers) > MaxWorkers {
		return fmt.Errorf("%w: assignment of %q: %d workers: want 1 to %d", ErrInvalid, a.Topology, len(a.Workers), MaxWorkers)
	}
	workers, execs, addrs := map[int]bool{}, map[int]bool{}, map[string]int{}
	for _, w := range a.Workers {
		if w.Worker < 0 || w.Worker >= MaxWorkers || workers[w.Worker] {
			return fmt.Errorf("%w: assignment of %q: worker index %d out of range or repeated", ErrInvalid, a.Topology, w.Worker)
		}
		workers[w.Worker] = true
		if err := CheckName("node", w.Node); err != nil {
			return fmt.Errorf("assignment of %q, worker %d: %w", a.Topology, w.Worker, err)
		}
		if w.Addr == "" {
			return fmt.Errorf("%w: assignment of %q: worker %d has no address", ErrInvalid, a.Topology, w.Worker)
		}
		if other, ok := addrs[w.Addr]; ok {
			return fmt.Errorf("%w: assignment of %q: workers %d and %d share the address %s", ErrInvalid, a.Topology, other, w.Worker, w.Addr)
		}
		addrs[w.Addr] = w.Worker
		for _, e := range w.Executors {
			if execs[e] {
				return fmt.Errorf("%w: assignment of %q: executor %d is assigned twice", ErrInvalid, a.Topology, e)
			}
			execs[e] = true
		}
	}
	return nil
}

// Worker returns the entry of worker index w, or false.
func (a *Assignment) Worker(w int) (WorkerAssignment, bool) {
	for _, wa := range a.Workers {
		if wa.Worker == w {
			return wa, true
		}
	}
	return WorkerAssignment{}, false
}

// AgentHeartbeat is a node agent's heartbeat (Storm's SupervisorInfo): the
// node, the host its workers are reached at, the ports of its slots (one
// worker each), the cores it gives its workers, and its pid.
type AgentHeartbeat struct {
	Node  string    `json:"node"`
	Host  string    `json:"host"`
	Slots []int     `json:"slots"`
	Cores int       `json:"cores"`
	CPUs  []int     `json:"cpus,omitempty"`
	PID   int       `json:"pid"`
	Time  time.Time `json:"time"`
}

// Validate checks the heartbeat against now.
func (h *AgentHeartbeat) Validate(now time.Time) error {
	if err := CheckName("node", h.Node); err != nil {
		return fmt.Errorf("agent heartbeat: %w", err)
	}
	if h.Host == "" {
		return fmt.Errorf("%w: agent heartbeat of %q: no host", ErrInvalid, h.Node)
	}
	if len(h.Slots) > MaxSlots {
		return fmt.Errorf("%w: agent heartbeat of %q: %d slots: want at most %d", ErrInvalid, h.Node, len(h.Slots), MaxSlots)
	}
	seen := map[int]bool{}
	for _, p := range h.Slots {
		if p < 1 || p > 65535 || seen[p] {
			return fmt.Errorf("%w: agent heartbeat of %q: slot port %d out of range or repeated", ErrInvalid, h.Node, p)
		}
		seen[p] = true
	}
	if h.Cores < 0 || h.Cores > MaxCores || len(h.CPUs) > MaxCores {
		return fmt.Errorf("%w: agent heartbeat of %q: %d cores: want 0 to %d", ErrInvalid, h.Node, h.Cores, MaxCores)
	}
	return checkPIDTime("agent heartbeat of "+h.Node, h.PID, h.Time, now)
}

// WorkerHeartbeat is a worker's heartbeat (Storm's LSWorkerHeartbeat): the
// assignment version it runs, its pid, and the engine's own progress
// (Status), which the cluster stores without reading. Error is the last
// error the engine reported.
type WorkerHeartbeat struct {
	Topology string          `json:"topology"`
	Worker   int             `json:"worker"`
	Node     string          `json:"node"`
	PID      int             `json:"pid"`
	Version  uint64          `json:"version"`
	CPUs     []int           `json:"cpus,omitempty"`
	Time     time.Time       `json:"time"`
	Status   json.RawMessage `json:"status,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// Validate checks the heartbeat against now.
func (h *WorkerHeartbeat) Validate(now time.Time) error {
	if err := CheckName("topology", h.Topology); err != nil {
		return fmt.Errorf("worker heartbeat: %w", err)
	}
	if err := CheckName("node", h.Node); err != nil {
		return fmt.Errorf("worker heartbeat: %w", err)
	}
	if h.Worker < 0 || h.Worker >= MaxWorkers {
		return fmt.Errorf("%w: worker heartbeat of %q: worker index %d out of range", ErrInvalid, h.Topology, h.Worker)
	}
	if len(h.Status) > 0 && !json.Valid(h.Status) {
		return fmt.Errorf("%w: worker heartbeat of %q worker %d: status is not JSON", ErrInvalid, h.Topology, h.Worker)
	}
	return checkPIDTime(fmt.Sprintf("worker heartbeat of %s worker %d", h.Topology, h.Worker), h.PID, h.Time, now)
}

func checkPIDTime(what string, pid int, t, now time.Time) error {
	if pid < 1 || pid > 1<<22 {
		return fmt.Errorf("%w: %s: pid %d out of range", ErrInvalid, what, pid)
	}
	if t.IsZero() {
		return fmt.Errorf("%w: %s: no time", ErrInvalid, what)
	}
	if !now.IsZero() && t.After(now.Add(maxSkew)) {
		return fmt.Errorf("%w: %s: time %s is more than %v ahead of this host's clock (%s): check the hosts' clocks (chrony)", ErrInvalid, what, t.Format(time.RFC3339), maxSkew, now.Format(time.RFC3339))
	}
	return nil
}

// decode unmarshals a stored value strictly: unknown fields are allowed
// (a newer writer), but the JSON must parse and the result validate.
func decode[T any](what, key string, data []byte, v *T) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %s %q: %v (delete the key, or the bucket, to start clean)", ErrInvalid, what, key, err)
	}
	return nil
}
