package multilang

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/streambench/streambench/engines/core"
)

// ShellSpout runs a spout written in another language as a multi-lang
// subprocess (Storm's ShellSpout). The spout side is synchronous: each
// NextTuple, Ack, Fail, Activate and Deactivate sends {"command": "next"}
// (or "ack"/"fail" with the message id, "activate", "deactivate") and
// reads the subprocess's emits, logs and errors up to its "sync". An emit
// with an "id" is tracked with that message id. A subprocess that exits,
// breaks the protocol, or does not sync within
// topology.subprocess.timeout.secs (or supervisor.worker.timeout.secs) is
// killed and reported as the task's error; the spout then emits nothing
// more. Close kills the subprocess by its pid.
type ShellSpout struct {
	Command      []string
	Dir          string
	OutputFields core.Fields
	Streams      map[string]core.Fields

	ctx       *core.TopologyContext
	collector *core.SpoutOutputCollector
	proc      *process
}

var _ core.Spout = (*ShellSpout)(nil)

// NewShellSpout returns a spout running command, emitting fields.
func NewShellSpout(fields core.Fields, command ...string) *ShellSpout {
	return &ShellSpout{Command: command, OutputFields: fields}
}

// DeclareOutputFields declares OutputFields and Streams.
func (s *ShellSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	if s.OutputFields.Size() > 0 {
		d.Declare(s.OutputFields)
	}
	for id, f := range s.Streams {
		d.DeclareStream(id, false, f)
	}
}

// Open starts the subprocess.
func (s *ShellSpout) Open(conf core.Config, ctx *core.TopologyContext, c *core.SpoutOutputCollector) error {
	s.ctx, s.collector = ctx, c
	p, err := startProcess(s.Command, s.Dir, conf, ctx)
	if err != nil {
		return fmt.Errorf("shell spout %q: %w", ctx.ThisComponentID(), err)
	}
	s.proc = p
	return nil
}

type spoutCommand struct {
	Command string `json:"command"`
	ID      any    `json:"id,omitempty"`
}

// NextTuple asks the subprocess for tuples.
func (s *ShellSpout) NextTuple() { s.command(spoutCommand{Command: "next"}) }

// Ack tells the subprocess a tuple tree completed.
func (s *ShellSpout) Ack(msgID any) { s.command(spoutCommand{Command: "ack", ID: msgID}) }

// Fail tells the subprocess a tuple tree failed.
func (s *ShellSpout) Fail(msgID any) { s.command(spoutCommand{Command: "fail", ID: msgID}) }

// Activate tells the subprocess the topology is active.
func (s *ShellSpout) Activate() { s.command(spoutCommand{Command: "activate"}) }

// Deactivate tells the subprocess the topology is deactivated.
func (s *ShellSpout) Deactivate() { s.command(spoutCommand{Command: "deactivate"}) }

// Close kills the subprocess by its pid.
func (s *ShellSpout) Close() {
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// command sends one command and handles the answers up to "sync".
func (s *ShellSpout) command(c spoutCommand) {
	if s.proc == nil {
		return
	}
	if err := s.proc.send(c); err != nil {
		s.die(err)
		return
	}
	for s.proc != nil {
		m, err := s.proc.next(s.proc.timeout)
		if errors.Is(err, errTimeout) {
			err = fmt.Errorf("%w: no sync within %v after %q (topology.subprocess.timeout.secs)", ErrSubprocess, s.proc.timeout, c.Command)
		}
		if err != nil {
			s.die(err)
			return
		}
		switch m.Command {
		case "sync":
			return
		case "emit":
			stream := m.Stream
			if stream == "" {
				stream = core.DefaultStreamID
			}
			tasks, err := s.emit(stream, m)
			if err != nil {
				s.die(fmt.Errorf("%w: emit: %v", ErrSubprocess, err))
				return
			}
			if m.NeedTaskIDs {
				if err := s.proc.send(tasks); err != nil {
					s.die(err)
					return
				}
			}
		case "log":
			slog.Info("multi-lang spout", "component", s.ctx.ThisComponentID(), "task", s.ctx.ThisTaskID(), "level", m.Level, "msg", m.Msg)
		case "error":
			s.collector.ReportError(fmt.Errorf("shell spout %q: %s", s.ctx.ThisComponentID(), m.Msg))
		case "metrics":
		default:
			s.die(fmt.Errorf("%w: %q is not a spout command", ErrProtocol, m.Command))
			return
		}
	}
}

func (s *ShellSpout) emit(stream string, m Message) (tasks []int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	if m.Task >= 0 {
		s.collector.EmitDirect(m.Task, stream, core.Values(m.Tuple), m.ID)
		return []int{m.Task}, nil
	}
	tasks = append([]int{}, s.collector.EmitStream(stream, core.Values(m.Tuple), m.ID)...)
	return tasks, nil
}

func (s *ShellSpout) die(err error) {
	s.proc.kill()
	s.proc = nil
	s.collector.ReportError(fmt.Errorf("shell spout %q: %w", s.ctx.ThisComponentID(), err))
}
