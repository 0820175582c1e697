package multilang

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/streambench/streambench/engines/core"
)

// HeartbeatStream is the stream of the heartbeat tuples a ShellBolt sends
// its subprocess, which answers each with "sync" (Storm's
// Constants.HEARTBEAT_STREAM_ID).
const HeartbeatStream = "__heartbeat"

// ShellBolt runs a bolt written in another language as a subprocess that
// speaks Storm's multi-lang protocol on its stdin and stdout (Storm's
// ShellBolt): JSON messages, each followed by a line "end".
//
// On Prepare it starts Command in Dir and sends the handshake (the
// configuration, the context, and a pidDir in which the subprocess writes
// a file named by its pid); the subprocess answers {"pid": N}. Each input
// tuple is sent as {"id","comp","stream","task","tuple"}; the subprocess
// answers with "emit" (anchored on the ids in "anchors", on "stream", to
// "task" for a direct emit; unless "need_task_ids" is false it is sent
// back the list of tasks the tuple went to), "ack", "fail", "log",
// "error" (reported as the task's error) and "metrics" (counted, not
// kept). At most topology.shellbolt.max.pending tuples are with the
// subprocess at a time.
//
// Every second a heartbeat tuple (stream "__heartbeat") is sent; a
// subprocess that says nothing for topology.subprocess.timeout.secs (or
// supervisor.worker.timeout.secs) is taken as hung. A subprocess that
// hangs, exits or writes something that is not the protocol is killed, its
// pending tuples are failed (so reliable spouts replay them), the reason
// is reported as the task's error, and a new subprocess is started for the
// next tuple, as Storm's supervisor restarts the worker of a dead
// ShellBolt. On Cleanup the subprocess is killed by its pid.
type ShellBolt struct {
	// Command and its arguments, such as {"python3", "splitsentence.py"}.
	Command []string
	// Dir is the working directory ("" for the current one), where Storm
	// unpacks the topology's resources/ directory.
	Dir string
	// OutputFields declares the default stream; Streams declares others.
	OutputFields core.Fields
	Streams      map[string]core.Fields

	conf       core.Config
	ctx        *core.TopologyContext
	collector  *core.OutputCollector
	proc       *process
	maxPending int
	pending    map[string]*core.Tuple
	nextID     uint64
	restartAt  time.Time
	metrics    int
}

var (
	_ core.Bolt                = (*ShellBolt)(nil)
	_ core.Flusher             = (*ShellBolt)(nil)
	_ core.ComponentConfigurer = (*ShellBolt)(nil)
)

// NewShellBolt returns a bolt running command, emitting fields on the
// default stream.
func NewShellBolt(fields core.Fields, command ...string) *ShellBolt {
	return &ShellBolt{Command: command, OutputFields: fields}
}

// DeclareOutputFields declares OutputFields and Streams.
func (b *ShellBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	if b.OutputFields.Size() > 0 {
		d.Declare(b.OutputFields)
	}
	for s, f := range b.Streams {
		d.DeclareStream(s, false, f)
	}
}

// ComponentConfiguration asks for a tick every second: the heartbeat.
func (b *ShellBolt) ComponentConfiguration() core.Config {
	return core.Config{core.TopologyTickTupleFreqSecs: 1}
}

// Prepare starts the subprocess.
func (b *ShellBolt) Prepare(conf core.Config, ctx *core.TopologyContext, c *core.OutputCollector) error {
	b.conf, b.ctx, b.collector = conf, ctx, c
	b.pending = make(map[string]*core.Tuple)
	b.maxPending = 100
	if n, ok := conf.Int(core.TopologyShellBoltMaxPending); ok && n > 0 {
		b.maxPending = n
	}
	p, err := startProcess(b.Command, b.Dir, conf, ctx)
	if err != nil {
		return fmt.Errorf("shell bolt %q: %w", ctx.ThisComponentID(), err)
	}
	b.proc = p
	return nil
}

type boltTuple struct {
	ID     string `json:"id"`
	Comp   string `json:"comp"`
	Stream string `json:"stream"`
	Task   int    `json:"task"`
	Tuple  []any  `json:"tuple"`
}

// Execute sends t to the subprocess, waiting first while
// topology.shellbolt.max.pending tuples are with it.
func (b *ShellBolt) Execute(t *core.Tuple) {
	if core.IsTick(t) {
		b.heartbeat()
		b.collector.Ack(t)
		return
	}
	if b.proc == nil && !b.restart() {
		b.collector.Fail(t)
		return
	}
	for len(b.pending) >= b.maxPending && b.proc != nil {
		b.await(b.proc.timeout)
	}
	if b.proc == nil {
		b.collector.Fail(t)
		return
	}
	b.nextID++
	id := strconv.FormatUint(b.nextID, 10)
	b.pending[id] = t
	if err := b.proc.send(boltTuple{ID: id, Comp: t.SourceComponent(), Stream: t.SourceStreamID(), Task: t.SourceTask(), Tuple: t.Values()}); err != nil {
		b.die(err)
		return
	}
	b.drain()
}

// Flush handles what the subprocess answered, waiting while it makes
// progress on the pending tuples (up to 100 ms without a message), so
// that acks are not left for the next tuple or heartbeat.
func (b *ShellBolt) Flush() {
	for len(b.pending) > 0 && b.proc != nil {
		if !b.await(100 * time.Millisecond) {
			return
		}
	}
}

// heartbeat sends a heartbeat tuple, or kills a subprocess that has been
// silent too long.
func (b *ShellBolt) heartbeat() {
	if b.proc == nil {
		return
	}
	b.drain()
	if b.proc == nil {
		return
	}
	if s := b.proc.silentFor(); s > b.proc.timeout {
		b.die(fmt.Errorf("%w: no heartbeat for %v (topology.subprocess.timeout.secs %v)", ErrSubprocess, s.Round(time.Millisecond), b.proc.timeout))
		return
	}
	if err := b.proc.send(boltTuple{ID: "-1", Comp: core.SystemComponentID, Stream: HeartbeatStream, Task: -1, Tuple: []any{}}); err != nil {
		b.die(err)
	}
}

// drain handles every message already waiting.
func (b *ShellBolt) drain() {
	for b.proc != nil {
		m, ok, err := b.proc.tryNext()
		if err != nil {
			b.die(err)
			return
		}
		if !ok {
			return
		}
		b.handle(m)
	}
}

// await handles one message, waiting up to d (and never past the heartbeat
// timeout) for it; it reports whether one came.
func (b *ShellBolt) await(d time.Duration) bool {
	m, err := b.proc.next(d)
	if errors.Is(err, errTimeout) {
		if s := b.proc.silentFor(); s > b.proc.timeout {
			b.die(fmt.Errorf("%w: no answer for %v with %d tuples pending (topology.subprocess.timeout.secs %v)", ErrSubprocess, s.Round(time.Millisecond), len(b.pending), b.proc.timeout))
		}
		return false
	}
	if err != nil {
		b.die(err)
		return false
	}
	b.handle(m)
	b.drain()
	return true
}

func (b *ShellBolt) handle(m Message) {
	switch m.Command {
	case "emit":
		var anchors []*core.Tuple
		for _, a := range m.Anchors {
			if t, ok := b.pending[a]; ok {
				anchors = append(anchors, t)
			}
		}
		stream := m.Stream
		if stream == "" {
			stream = core.DefaultStreamID
		}
		tasks, err := b.emit(stream, m.Task, anchors, m.Tuple)
		if err != nil {
			b.die(fmt.Errorf("%w: emit: %v", ErrSubprocess, err))
			return
		}
		if m.NeedTaskIDs {
			if tasks == nil {
				tasks = []int{}
			}
			if err := b.proc.send(tasks); err != nil {
				b.die(err)
			}
		}
	case "ack", "fail":
		id := idString(m.ID)
		t, ok := b.pending[id]
		if !ok {
			return // acked twice, or an id it made up: Storm ignores it too
		}
		delete(b.pending, id)
		if m.Command == "ack" {
			b.collector.Ack(t)
		} else {
			b.collector.Fail(t)
		}
	case "log":
		slog.Info("multi-lang bolt", "component", b.ctx.ThisComponentID(), "task", b.ctx.ThisTaskID(), "level", m.Level, "msg", m.Msg)
	case "error":
		b.collector.ReportError(fmt.Errorf("shell bolt %q: %s", b.ctx.ThisComponentID(), m.Msg))
	case "metrics":
		b.metrics++
	case "sync": // a heartbeat's answer
	default:
		b.die(fmt.Errorf("%w: %q is not a bolt command", ErrProtocol, m.Command))
	}
}

// emit emits for the subprocess, turning an invalid emit (an undeclared
// stream, a direct emit to a task that does not subscribe) into an error.
func (b *ShellBolt) emit(stream string, task int, anchors []*core.Tuple, values []any) (tasks []int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	if task >= 0 {
		b.collector.EmitDirectAnchors(task, stream, anchors, core.Values(values))
		return []int{task}, nil
	}
	return append([]int(nil), b.collector.EmitStreamAnchors(stream, anchors, core.Values(values))...), nil
}

// die kills the subprocess, fails its pending tuples and reports why.
func (b *ShellBolt) die(err error) {
	if b.proc == nil {
		return
	}
	b.proc.kill()
	b.proc = nil
	for id, t := range b.pending {
		delete(b.pending, id)
		b.collector.Fail(t)
	}
	b.collector.ReportError(fmt.Errorf("shell bolt %q: %w", b.ctx.ThisComponentID(), err))
	b.restartAt = time.Now().Add(time.Second)
}

// restart starts a new subprocess, at most once a second.
func (b *ShellBolt) restart() bool {
	if time.Now().Before(b.restartAt) {
		return false
	}
	b.restartAt = time.Now().Add(time.Second)
	p, err := startProcess(b.Command, b.Dir, b.conf, b.ctx)
	if err != nil {
		b.collector.ReportError(fmt.Errorf("shell bolt %q: restart: %w", b.ctx.ThisComponentID(), err))
		return false
	}
	b.proc = p
	return true
}

// Cleanup kills the subprocess by its pid.
func (b *ShellBolt) Cleanup() {
	if b.proc != nil {
		b.proc.kill()
		b.proc = nil
	}
}
