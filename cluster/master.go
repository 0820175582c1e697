package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/streambench/streambench/cluster/coord"
	"github.com/streambench/streambench/cluster/schedule"
)

// MasterOptions configure the master.
type MasterOptions struct {
	Common
}

// RunMaster runs the master (Storm's Nimbus) until ctx ends. It keeps no
// state of its own: everything it decides is in the key-value buckets, so a
// master may be killed and started again, and two masters do no harm
// (every change is a compare-and-set). See Master.Sweep for what it
// decides.
func RunMaster(ctx context.Context, opts MasterOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	ctx, stop := opts.lifeline(ctx)
	defer stop()
	store, err := opts.dial(ctx, "master")
	if err != nil {
		return err
	}
	defer store.Close()
	m := NewMaster(store, opts.Logger)
	m.log.Info("master started", "cluster", store.Cluster(), "nats", opts.NATSURL, "timing", store.Timing().String())
	err = m.Run(ctx)
	m.log.Info("master stopped")
	return err
}

// Master is the master's decision logic on a store, separate from its
// process so tests drive it with an injected clock.
type Master struct {
	store *coord.Store
	log   *slog.Logger
	// live is the set of nodes live at the last sweep, so that a new
	// agent's first heartbeat triggers a sweep and the others do not.
	live map[string]bool
	// waiting remembers the topologies logged as waiting for slots, to log
	// that once.
	waiting map[string]string
}

// NewMaster returns a master on store.
func NewMaster(store *coord.Store, log *slog.Logger) *Master {
	if log == nil {
		log = slog.Default()
	}
	return &Master{store: store, log: log.With("role", "master"), live: map[string]bool{}, waiting: map[string]string{}}
}

// Run sweeps every nimbus.monitor.freq.secs and on every change of the
// submissions, the assignments and the set of live agents, until ctx ends.
func (m *Master) Run(ctx context.Context) error {
	t := m.store.Timing()
	var subs, asgs, agents <-chan coord.Event
	rewatch := func() {
		var err error
		if subs == nil {
			if subs, err = m.store.WatchSubmissions(ctx); err != nil {
				m.log.Warn("watch submissions", "error", err)
			}
		}
		if asgs == nil {
			if asgs, err = m.store.WatchAssignments(ctx); err != nil {
				m.log.Warn("watch assignments", "error", err)
			}
		}
		if agents == nil {
			if agents, err = m.store.WatchAgents(ctx); err != nil {
				m.log.Warn("watch agents", "error", err)
			}
		}
	}
	rewatch()
	tick := time.NewTicker(t.NimbusMonitor)
	defer tick.Stop()
	m.Sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			rewatch()
		case _, ok := <-subs:
			if !ok {
				subs = nil
			}
		case _, ok := <-asgs:
			if !ok {
				asgs = nil
			}
		case ev, ok := <-agents:
			if !ok {
				agents = nil
				continue
			}
			// Heartbeats of known agents change nothing; a new agent or
			// one that left may.
			if !ev.Deleted && m.live[nodeOfAgentKey(ev.Key)] {
				continue
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		m.Sweep(ctx)
	}
}

func nodeOfAgentKey(key string) string {
	if len(key) > len("agent.") {
		return key[len("agent."):]
	}
	return key
}

// Sweep makes one pass over the cluster's state, as Nimbus's monitor does:
//
//   - an assignment whose topology was killed (or resubmitted since) is
//     deleted, with its workers' heartbeats;
//   - the workers on a node whose agent has not heartbeat for
//     nimbus.supervisor.timeout.secs, or that no longer offers their slot,
//     move to free slots of live nodes (a new assignment version); the
//     other workers stay;
//   - a submitted topology with no assignment is assigned by the even
//     scheduler once enough slots are free.
//
// Every write is a compare-and-set on the version read; a conflict is
// logged and decided again on the next sweep. Sweep returns the number of
// changes it made.
func (m *Master) Sweep(ctx context.Context) int {
	changes := 0
	// Invalid entries are skipped (and logged); a listing that failed
	// altogether (a lost server) ends the sweep, to be tried again.
	subs, err := m.store.Submissions(ctx)
	if !m.usable("submissions", err) {
		return 0
	}
	asgs, err := m.store.Assignments(ctx)
	if !m.usable("assignments", err) {
		return 0
	}
	agents, err := m.store.Agents(ctx)
	if !m.usable("agent heartbeats", err) {
		return 0
	}
	live := map[string]coord.AgentHeartbeat{}
	for _, a := range agents {
		live[a.Node] = a
	}
	for n := range m.live {
		if _, ok := live[n]; !ok {
			m.log.Warn("agent lost: no heartbeat within nimbus.supervisor.timeout.secs", "node", n, "timeout", m.store.Timing().NimbusSupervisorTimeout)
		}
	}
	m.live = map[string]bool{}
	for n := range live {
		m.live[n] = true
	}
	bySub := map[string]*coord.Submission{}
	for _, s := range subs {
		bySub[s.Topology] = s
	}

	// Killed topologies first, so that their slots are free below.
	used := map[string]bool{}
	assigned := map[string]*coord.Assignment{}
	for _, a := range asgs {
		s := bySub[a.Topology]
		if s != nil && !a.Time.Before(s.Submitted) {
			assigned[a.Topology] = a
			for _, w := range a.Workers {
				used[w.Addr] = true
			}
			continue
		}
		why := "topology killed"
		if s != nil {
			why = "topology resubmitted since it was assigned"
		}
		if err := m.store.DeleteAssignment(ctx, a.Topology, a.Version); err != nil {
			m.log.Warn("delete assignment", "topology", a.Topology, "error", err)
			continue
		}
		if err := m.store.DeleteWorkerHeartbeats(ctx, a.Topology); err != nil {
			m.log.Warn("delete worker heartbeats", "topology", a.Topology, "error", err)
		}
		m.log.Info("assignment deleted", "topology", a.Topology, "version", a.Version, "why", why)
		changes++
	}

	// Workers on lost nodes move.
	slotLive := func(w coord.WorkerAssignment) bool {
		h, ok := live[w.Node]
		if !ok {
			return false
		}
		for _, p := range h.Slots {
			if net.JoinHostPort(h.Host, strconv.Itoa(p)) == w.Addr {
				return true
			}
		}
		return false
	}
	for _, name := range sortedKeys(assigned) {
		a := assigned[name]
		if !slices.ContainsFunc(a.Workers, func(w coord.WorkerAssignment) bool { return !slotLive(w) }) {
			continue
		}
		workers, moved, rerr := reassignLost(a.Workers, slotLive, freeSlots(live, used))
		if len(moved) == 0 {
			m.logWaiting(name, fmt.Sprintf("workers on lost nodes wait for free slots: %v", rerr))
			continue
		}
		next := &coord.Assignment{Topology: name, Version: a.Version, Workers: workers, Time: m.store.Now()}
		if _, err := m.store.PutAssignment(ctx, next); err != nil {
			m.log.Warn("reassign", "topology", name, "error", err)
			continue
		}
		for _, w := range a.Workers {
			delete(used, w.Addr)
		}
		for _, w := range workers {
			used[w.Addr] = true
		}
		m.log.Info("workers reassigned from lost nodes", "topology", name, "moved", moved, "version", next.Version, "partial", rerr != nil)
		if rerr != nil {
			m.log.Warn("partial reassignment", "topology", name, "error", rerr)
		}
		changes++
	}

	// New topologies.
	for _, name := range sortedKeys(bySub) {
		if _, ok := assigned[name]; ok {
			continue
		}
		s := bySub[name]
		workers, err := schedule.Even(s.Executors, s.Workers, freeSlots(live, used))
		if err != nil {
			m.logWaiting(name, err.Error())
			continue
		}
		a := &coord.Assignment{Topology: name, Workers: workers, Time: m.store.Now()}
		if _, err := m.store.PutAssignment(ctx, a); err != nil {
			m.log.Warn("assign", "topology", name, "error", err)
			continue
		}
		for _, w := range workers {
			used[w.Addr] = true
		}
		delete(m.waiting, name)
		nodes := make([]string, len(workers))
		for i, w := range workers {
			nodes[i] = w.Node
		}
		m.log.Info("topology assigned", "topology", name, "workers", len(workers), "executors", len(s.Executors), "nodes", nodes, "version", a.Version)
		changes++
	}
	return changes
}

func (m *Master) usable(what string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, coord.ErrInvalid):
		m.log.Warn("skipping invalid "+what, "error", err)
		return true
	}
	m.log.Warn("reading "+what, "error", err)
	return false
}

func (m *Master) logWaiting(topology, why string) {
	if m.waiting[topology] == why {
		return
	}
	m.waiting[topology] = why
	m.log.Warn("topology waits", "topology", topology, "why", why)
}

// reassignLost moves the workers whose slot is not live.
func reassignLost(workers []coord.WorkerAssignment, slotLive func(coord.WorkerAssignment) bool, free []schedule.NodeSlots) ([]coord.WorkerAssignment, []int, error) {
	lostAddr := map[string]bool{}
	for _, w := range workers {
		if !slotLive(w) {
			lostAddr[w.Node+"\x00"+w.Addr] = true
		}
	}
	// schedule.Reassign judges by node; tag each worker by node and
	// address so that a worker whose node is live but whose slot is gone
	// (its agent restarted on other ports) moves too.
	tagged := make([]coord.WorkerAssignment, len(workers))
	for i, w := range workers {
		tagged[i] = w
		tagged[i].Node = w.Node + "\x00" + w.Addr
	}
	out, moved, err := schedule.Reassign(tagged, func(n string) bool { return lostAddr[n] }, free)
	for i := range out {
		if out[i].Node == tagged[i].Node {
			out[i].Node = workers[i].Node
		}
	}
	return out, moved, err
}

// freeSlots lists the live agents' slots no assignment uses.
func freeSlots(live map[string]coord.AgentHeartbeat, used map[string]bool) []schedule.NodeSlots {
	var out []schedule.NodeSlots
	for _, n := range sortedKeys(live) {
		h := live[n]
		ns := schedule.NodeSlots{Node: h.Node, Host: h.Host}
		for _, p := range h.Slots {
			if !used[net.JoinHostPort(h.Host, strconv.Itoa(p))] {
				ns.Ports = append(ns.Ports, p)
			}
		}
		if len(ns.Ports) > 0 {
			out = append(out, ns)
		}
	}
	return out
}
