package coord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrNotFound is returned (wrapped) for a topology with no submission
	// or no assignment.
	ErrNotFound = errors.New("not found")
	// ErrExists is returned (wrapped) by Submit for a topology already
	// submitted.
	ErrExists = errors.New("already exists")
	// ErrConflict is returned (wrapped) by PutAssignment and
	// DeleteAssignment when the assignment changed since the version the
	// caller read: read it again and decide again.
	ErrConflict = errors.New("assignment changed since it was read")
)

// Options configure a Store.
type Options struct {
	// Cluster names the cluster; its buckets are <Cluster>-topologies,
	// <Cluster>-assignments and <Cluster>-heartbeats. Default "streambench".
	Cluster string
	// Timing sets the heartbeat bucket's expiry and the liveness limits;
	// the zero value means DefaultTiming.
	Timing Timing
	// Memory keeps the buckets in the server's memory instead of on disk.
	Memory bool
	// Now is the clock heartbeats are judged by; nil means time.Now.
	Now func() time.Time
	// Logger receives the entries skipped as invalid; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Store is the coordination state of one cluster in three JetStream
// key-value buckets, in the role ZooKeeper has for Storm:
//
//	<cluster>-topologies   one key per topology: its Submission
//	<cluster>-assignments  one key per topology: its Assignment, changed by compare-and-set
//	<cluster>-heartbeats   agent.<node> and worker.<topology>.<index>, with a bucket-wide expiry
//
// It asks only for what nats-server 2.9 (Debian's package) offers: the
// heartbeat bucket expires keys by a bucket-wide TTL (no per-key TTL), and
// listings read one filtered watch and filter again here. Liveness is
// judged by the time inside each heartbeat against the timeout, not by
// expiry, so it does not wait for the server to purge a key.
//
// Everything read back is validated; an entry that breaks the schema is an
// error wrapping ErrInvalid, and listings skip it (logged) and return the
// rest. A Store is safe for concurrent use.
type Store struct {
	cluster     string
	nc          *nats.Conn
	ownConn     bool
	topologies  jetstream.KeyValue
	assignments jetstream.KeyValue
	heartbeats  jetstream.KeyValue
	timing      Timing
	now         func() time.Time
	log         *slog.Logger
}

// Dial connects to the nats-server at url and opens the cluster's buckets;
// Close closes the connection.
func Dial(ctx context.Context, url, clientName string, opts Options) (*Store, error) {
	if url == "" {
		return nil, fmt.Errorf("no NATS URL: pass --nats-url nats://HOST:4222 (a nats-server started with -js)")
	}
	nc, err := nats.Connect(url,
		nats.Name(clientName),
		nats.Timeout(5*time.Second),
		// A control-plane process outlives short server restarts.
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("nats-server at %s: %w (start one with `nats-server -js`)", url, err)
	}
	s, err := Open(ctx, nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	s.ownConn = true
	return s, nil
}

// Open opens (creating when missing) the cluster's buckets on nc. The
// caller keeps ownership of nc.
func Open(ctx context.Context, nc *nats.Conn, opts Options) (*Store, error) {
	if opts.Cluster == "" {
		opts.Cluster = "streambench"
	}
	if err := CheckName("cluster", opts.Cluster); err != nil {
		return nil, err
	}
	if opts.Timing.Profile == "" {
		opts.Timing = DefaultTiming()
	}
	if err := opts.Timing.Validate(); err != nil {
		return nil, err
	}
	s := &Store{cluster: opts.Cluster, nc: nc, timing: opts.Timing, now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	storage := jetstream.FileStorage
	if opts.Memory {
		storage = jetstream.MemoryStorage
	}
	open := func(suffix, desc string, ttl time.Duration) (jetstream.KeyValue, error) {
		name := opts.Cluster + "-" + suffix
		kv, err := js.KeyValue(ctx, name)
		if err == nil {
			return kv, nil
		}
		if !errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, bucketErr(name, nc, err)
		}
		// Created once by whichever process comes first; the others open
		// it as it is, so processes with other timings do not keep
		// rewriting its expiry.
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, Description: desc, History: 1, TTL: ttl, Storage: storage})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, name)
		}
		if err != nil {
			return nil, bucketErr(name, nc, err)
		}
		return kv, nil
	}
	if s.topologies, err = open("topologies", "streambench: submitted topologies", 0); err != nil {
		return nil, err
	}
	if s.assignments, err = open("assignments", "streambench: assignments of topologies to workers", 0); err != nil {
		return nil, err
	}
	if s.heartbeats, err = open("heartbeats", "streambench: agent and worker heartbeats", opts.Timing.HeartbeatTTL()); err != nil {
		return nil, err
	}
	return s, nil
}

func bucketErr(name string, nc *nats.Conn, err error) error {
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		return fmt.Errorf("nats-server at %s has no JetStream: start it with -js", nc.ConnectedUrlRedacted())
	}
	return fmt.Errorf("key-value bucket %q: %w", name, err)
}

// Close closes the connection if Dial made it.
func (s *Store) Close() {
	if s.ownConn {
		s.nc.Close()
	}
}

// Conn returns the store's NATS connection.
func (s *Store) Conn() *nats.Conn { return s.nc }

// Cluster returns the cluster's name.
func (s *Store) Cluster() string { return s.cluster }

// Timing returns the timing the store judges liveness by.
func (s *Store) Timing() Timing { return s.timing }

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.now() }

// Submit stores a new topology; a topology of the same name must be killed
// first.
func (s *Store) Submit(ctx context.Context, sub *Submission) error {
	if sub.Submitted.IsZero() {
		sub.Submitted = s.now()
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	if _, err := s.topologies.Create(ctx, sub.Topology, data); err != nil {
		if isConflict(err) {
			return fmt.Errorf("submit %q: %w: kill it first", sub.Topology, ErrExists)
		}
		return fmt.Errorf("submit %q: %w", sub.Topology, err)
	}
	return nil
}

// Kill deletes a topology's submission (Storm's killTopology); the master
// then deletes its assignment and the agents stop its workers. Killing a
// topology that is not there is not an error.
func (s *Store) Kill(ctx context.Context, topology string) error {
	if err := CheckName("topology", topology); err != nil {
		return err
	}
	if err := s.topologies.Delete(ctx, topology); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("kill %q: %w", topology, err)
	}
	return nil
}

// Submission returns one topology's submission.
func (s *Store) Submission(ctx context.Context, topology string) (*Submission, error) {
	if err := CheckName("topology", topology); err != nil {
		return nil, err
	}
	e, err := s.topologies.Get(ctx, topology)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("topology %q: %w (submit it first)", topology, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("topology %q: %w", topology, err)
	}
	return decodeSubmission(e.Key(), e.Value())
}

// decodeSubmission parses and validates a stored submission.
func decodeSubmission(key string, data []byte) (*Submission, error) {
	var sub Submission
	if err := decode("submission", key, data, &sub); err != nil {
		return nil, err
	}
	if err := sub.Validate(); err != nil {
		return nil, fmt.Errorf("submission %q: %w", key, err)
	}
	if sub.Topology != key {
		return nil, fmt.Errorf("%w: submission under key %q names topology %q", ErrInvalid, key, sub.Topology)
	}
	return &sub, nil
}

// Submissions returns every valid submission, sorted by topology; the
// error joins those of the entries skipped.
func (s *Store) Submissions(ctx context.Context) ([]*Submission, error) {
	entries, err := snapshot(ctx, s.topologies, ">")
	if err != nil {
		return nil, fmt.Errorf("list topologies: %w", err)
	}
	var out []*Submission
	var bad []error
	for _, e := range entries {
		sub, err := decodeSubmission(e.Key(), e.Value())
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, sub)
	}
	return out, errors.Join(bad...)
}

// Assignment returns a topology's assignment, its Version set to the
// revision it was read at.
func (s *Store) Assignment(ctx context.Context, topology string) (*Assignment, error) {
	if err := CheckName("topology", topology); err != nil {
		return nil, err
	}
	e, err := s.assignments.Get(ctx, topology)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("assignment of %q: %w", topology, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("assignment of %q: %w", topology, err)
	}
	return decodeAssignment(e.Key(), e.Value(), e.Revision())
}

func decodeAssignment(key string, data []byte, rev uint64) (*Assignment, error) {
	var a Assignment
	if err := decode("assignment", key, data, &a); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("assignment %q: %w", key, err)
	}
	if a.Topology != key {
		return nil, fmt.Errorf("%w: assignment under key %q names topology %q", ErrInvalid, key, a.Topology)
	}
	a.Version = rev
	return &a, nil
}

// Assignments returns every valid assignment, sorted by topology; the
// error joins those of the entries skipped.
func (s *Store) Assignments(ctx context.Context) ([]*Assignment, error) {
	entries, err := snapshot(ctx, s.assignments, ">")
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	var out []*Assignment
	var bad []error
	for _, e := range entries {
		a, err := decodeAssignment(e.Key(), e.Value(), e.Revision())
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, a)
	}
	return out, errors.Join(bad...)
}

// PutAssignment writes an assignment by compare-and-set: with Version 0 it
// creates the topology's first assignment, otherwise it replaces the one
// at revision Version. It returns the new version (and sets a.Version to
// it), or an error wrapping ErrConflict when another writer got there
// first.
func (s *Store) PutAssignment(ctx context.Context, a *Assignment) (uint64, error) {
	if a.Time.IsZero() {
		a.Time = s.now()
	}
	if err := a.Validate(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(a)
	if err != nil {
		return 0, err
	}
	var rev uint64
	if a.Version == 0 {
		rev, err = s.assignments.Create(ctx, a.Topology, data)
	} else {
		rev, err = s.assignments.Update(ctx, a.Topology, data, a.Version)
	}
	if err != nil {
		if isConflict(err) {
			return 0, fmt.Errorf("assignment of %q at version %d: %w", a.Topology, a.Version, ErrConflict)
		}
		return 0, fmt.Errorf("assignment of %q: %w", a.Topology, err)
	}
	a.Version = rev
	return rev, nil
}

// DeleteAssignment deletes a topology's assignment if it is still at
// version.
func (s *Store) DeleteAssignment(ctx context.Context, topology string, version uint64) error {
	if err := CheckName("topology", topology); err != nil {
		return err
	}
	err := s.assignments.Delete(ctx, topology, jetstream.LastRevision(version))
	if err != nil {
		if isConflict(err) {
			return fmt.Errorf("delete assignment of %q at version %d: %w", topology, version, ErrConflict)
		}
		return fmt.Errorf("delete assignment of %q: %w", topology, err)
	}
	return nil
}

func isConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

func agentKey(node string) string { return "agent." + node }

func workerKey(topology string, worker int) string {
	return "worker." + topology + "." + strconv.Itoa(worker)
}

// PutAgentHeartbeat writes an agent's heartbeat.
func (s *Store) PutAgentHeartbeat(ctx context.Context, h *AgentHeartbeat) error {
	if h.Time.IsZero() {
		h.Time = s.now()
	}
	if err := h.Validate(s.now()); err != nil {
		return err
	}
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := s.heartbeats.Put(ctx, agentKey(h.Node), data); err != nil {
		return fmt.Errorf("agent heartbeat of %q: %w", h.Node, err)
	}
	return nil
}

// RemoveAgent deletes an agent's heartbeat: an agent that shuts down
// cleanly says so at once instead of waiting to time out.
func (s *Store) RemoveAgent(ctx context.Context, node string) error {
	if err := CheckName("node", node); err != nil {
		return err
	}
	if err := s.heartbeats.Purge(ctx, agentKey(node)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove agent %q: %w", node, err)
	}
	return nil
}

// PutWorkerHeartbeat writes a worker's heartbeat.
func (s *Store) PutWorkerHeartbeat(ctx context.Context, h *WorkerHeartbeat) error {
	if h.Time.IsZero() {
		h.Time = s.now()
	}
	if err := h.Validate(s.now()); err != nil {
		return err
	}
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := s.heartbeats.Put(ctx, workerKey(h.Topology, h.Worker), data); err != nil {
		return fmt.Errorf("worker heartbeat of %s worker %d: %w", h.Topology, h.Worker, err)
	}
	return nil
}

// AgentLive reports whether an agent's heartbeat is recent enough for the
// master to give it work: no older than nimbus.supervisor.timeout.secs.
func (t Timing) AgentLive(h AgentHeartbeat, now time.Time) bool {
	return now.Sub(h.Time) <= t.NimbusSupervisorTimeout
}

// WorkerLive reports whether a worker's heartbeat is recent enough for its
// agent to leave it running: no older than supervisor.worker.timeout.secs.
func (t Timing) WorkerLive(h WorkerHeartbeat, now time.Time) bool {
	return now.Sub(h.Time) <= t.SupervisorWorkerTimeout
}

// AllAgents returns the heartbeat of every agent still in the bucket, live
// or not, sorted by node.
func (s *Store) AllAgents(ctx context.Context) ([]AgentHeartbeat, error) {
	entries, err := snapshot(ctx, s.heartbeats, "agent.*")
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	now := s.now()
	var out []AgentHeartbeat
	var bad []error
	for _, e := range entries {
		var h AgentHeartbeat
		if err := decode("agent heartbeat", e.Key(), e.Value(), &h); err != nil {
			bad = append(bad, err)
			continue
		}
		if err := h.Validate(now); err != nil {
			bad = append(bad, err)
			continue
		}
		if agentKey(h.Node) != e.Key() {
			bad = append(bad, fmt.Errorf("%w: heartbeat under key %q names node %q", ErrInvalid, e.Key(), h.Node))
			continue
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, errors.Join(bad...)
}

// Agents returns the live agents (AgentLive), sorted by node.
func (s *Store) Agents(ctx context.Context) ([]AgentHeartbeat, error) {
	all, err := s.AllAgents(ctx)
	now := s.now()
	live := all[:0]
	for _, h := range all {
		if s.timing.AgentLive(h, now) {
			live = append(live, h)
		}
	}
	return live, err
}

// Workers returns the heartbeats of a topology's workers, live or not,
// sorted by worker index; judge them with Timing.WorkerLive.
func (s *Store) Workers(ctx context.Context, topology string) ([]WorkerHeartbeat, error) {
	if err := CheckName("topology", topology); err != nil {
		return nil, err
	}
	entries, err := snapshot(ctx, s.heartbeats, "worker."+topology+".*")
	if err != nil {
		return nil, fmt.Errorf("list workers of %q: %w", topology, err)
	}
	now := s.now()
	var out []WorkerHeartbeat
	var bad []error
	for _, e := range entries {
		var h WorkerHeartbeat
		if err := decode("worker heartbeat", e.Key(), e.Value(), &h); err != nil {
			bad = append(bad, err)
			continue
		}
		if err := h.Validate(now); err != nil {
			bad = append(bad, err)
			continue
		}
		if workerKey(h.Topology, h.Worker) != e.Key() {
			bad = append(bad, fmt.Errorf("%w: heartbeat under key %q names %s worker %d", ErrInvalid, e.Key(), h.Topology, h.Worker))
			continue
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Worker < out[j].Worker })
	return out, errors.Join(bad...)
}

// DeleteWorkerHeartbeats removes the heartbeats of a killed topology's
// workers.
func (s *Store) DeleteWorkerHeartbeats(ctx context.Context, topology string) error {
	if err := CheckName("topology", topology); err != nil {
		return err
	}
	entries, err := snapshot(ctx, s.heartbeats, "worker."+topology+".*")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := s.heartbeats.Purge(ctx, e.Key()); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("delete heartbeat %q: %w", e.Key(), err)
		}
	}
	return nil
}

// PutRaw writes a raw value into one of the buckets ("topologies",
// "assignments" or "heartbeats"), bypassing validation: for tests of what
// the readers do with bad content, and for operators repairing a cluster.
func (s *Store) PutRaw(ctx context.Context, bucket, key string, value []byte) error {
	var kv jetstream.KeyValue
	switch bucket {
	case "topologies":
		kv = s.topologies
	case "assignments":
		kv = s.assignments
	case "heartbeats":
		kv = s.heartbeats
	default:
		return fmt.Errorf("unknown bucket %q (known: topologies, assignments, heartbeats)", bucket)
	}
	_, err := kv.Put(ctx, key, value)
	return err
}

// Event is one change seen by a watch: a key written or deleted. Watches
// are level-triggered: an event says that something changed, and the
// reader reads the state again.
type Event struct {
	Key      string
	Revision uint64
	Deleted  bool
}

// WatchSubmissions reports every change of the submissions, starting with
// one event per topology present.
func (s *Store) WatchSubmissions(ctx context.Context) (<-chan Event, error) {
	return watch(ctx, s.topologies, ">")
}

// WatchAssignments reports every change of the assignments, starting with
// one event per assignment present.
func (s *Store) WatchAssignments(ctx context.Context) (<-chan Event, error) {
	return watch(ctx, s.assignments, ">")
}

// WatchAssignment reports every change of one topology's assignment,
// starting with its present value if there is one.
func (s *Store) WatchAssignment(ctx context.Context, topology string) (<-chan Event, error) {
	if err := CheckName("topology", topology); err != nil {
		return nil, err
	}
	return watch(ctx, s.assignments, topology)
}

// WatchAgents reports every agent heartbeat written or removed.
func (s *Store) WatchAgents(ctx context.Context) (<-chan Event, error) {
	return watch(ctx, s.heartbeats, "agent.*")
}

// watch forwards a key watcher's entries as events until ctx ends; the
// channel is closed then, or when the watcher ends (a lost server).
func watch(ctx context.Context, kv jetstream.KeyValue, keys string) (<-chan Event, error) {
	w, err := kv.Watch(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("watch %s in %q: %w", keys, kv.Bucket(), err)
	}
	out := make(chan Event, 16)
	go func() {
		defer close(out)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil { // the end of the initial values
					continue
				}
				ev := Event{Key: e.Key(), Revision: e.Revision(), Deleted: e.Operation() != jetstream.KeyValuePut}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// snapshot reads the current value of every key matching keys through one
// watcher, up to the end of the initial values: one request and one
// consumer whatever the number of keys, on any server with JetStream.
func snapshot(ctx context.Context, kv jetstream.KeyValue, keys string) ([]jetstream.KeyValueEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	w, err := kv.Watch(ctx, keys, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	var out []jetstream.KeyValueEntry
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("watcher of %q ended early", kv.Bucket())
			}
			if e == nil {
				sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
				return out, nil
			}
			if e.Operation() == jetstream.KeyValuePut && !strings.HasPrefix(e.Key(), "_") {
				out = append(out, e)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("reading %q: %w", kv.Bucket(), ctx.Err())
		}
	}
}
