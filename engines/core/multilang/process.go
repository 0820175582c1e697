package multilang

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/streambench/streambench/engines/core"
)

// ErrSubprocess is a multi-lang subprocess that died, stopped answering
// heartbeats, or broke the protocol; the error says which.
var ErrSubprocess = errors.New("multi-lang subprocess failed")

// process is one running subprocess and its pipes. The reader goroutine
// decodes its messages into msgs; everything else runs on the executor's
// goroutine.
type process struct {
	cmd     *exec.Cmd
	stdin   *os.File
	w       *bufio.Writer
	pid     int // as the subprocess reported it
	pidDir  string
	msgs    chan Message
	readErr error // set before msgs is closed
	heard   atomic.Int64
	stderr  *tail
	timeout time.Duration
	done    sync.WaitGroup
	killed  bool
}

// handshake is what the subprocess is first sent (Storm's multi-lang
// handshake).
type handshake struct {
	Conf    map[string]any `json:"conf"`
	PidDir  string         `json:"pidDir"`
	Context handshakeCtx   `json:"context"`
}

type handshakeCtx struct {
	TaskComponent map[string]string `json:"task->component"`
	TaskID        int               `json:"taskid"`
	ComponentID   string            `json:"componentid"`
}

// timeoutOf is topology.subprocess.timeout.secs, else
// supervisor.worker.timeout.secs, as Storm's ShellBolt chooses.
func timeoutOf(conf core.Config) time.Duration {
	if n, ok := conf.Int(core.TopologySubprocessTimeoutSecs); ok && n > 0 {
		return time.Duration(n) * time.Second
	}
	if n, ok := conf.Int(core.SupervisorWorkerTimeoutSecs); ok && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 30 * time.Second
}

// startProcess runs command in dir, sends the handshake and waits for the
// pid, within the heartbeat timeout.
func startProcess(command []string, dir string, conf core.Config, ctx *core.TopologyContext) (*process, error) {
	if len(command) == 0 {
		return nil, fmt.Errorf("%w: no command to run", ErrSubprocess)
	}
	if s, _ := conf[core.TopologyMultilangSerializer].(string); s != "" && s != core.MultilangJSONSerializer && s != "org.apache.storm.multilang.JsonSerializer" {
		return nil, fmt.Errorf("%w: serializer %q: only json is supported", ErrSubprocess, s)
	}
	pidDir, err := os.MkdirTemp("", "streambench-multilang-pids-")
	if err != nil {
		return nil, err
	}
	p := &process{pidDir: pidDir, msgs: make(chan Message, 64), stderr: &tail{max: 4096}, timeout: timeoutOf(conf)}
	p.cmd = exec.Command(command[0], command[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stderr = p.stderr
	inR, inW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(pidDir)
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		os.RemoveAll(pidDir)
		return nil, err
	}
	p.cmd.Stdin, p.cmd.Stdout = inR, outW
	if err := p.cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		os.RemoveAll(pidDir)
		return nil, fmt.Errorf("%w: start %q: %v", ErrSubprocess, command[0], err)
	}
	inR.Close()
	outW.Close()
	p.stdin, p.w = inW, bufio.NewWriter(inW)
	p.heard.Store(time.Now().UnixNano())
	p.done.Add(1)
	go p.read(outR)

	hs := handshake{Conf: map[string]any{}, PidDir: pidDir, Context: handshakeCtx{TaskComponent: map[string]string{},
		TaskID: ctx.ThisTaskID(), ComponentID: ctx.ThisComponentID()}}
	for k, v := range conf {
		hs.Conf[k] = v
	}
	for id := 1; ctx.ComponentID(id) != ""; id++ {
		hs.Context.TaskComponent[strconv.Itoa(id)] = ctx.ComponentID(id)
	}
	if err := p.send(hs); err != nil {
		p.kill()
		return nil, err
	}
	m, err := p.next(p.timeout)
	if err == nil && m.PID == 0 {
		err = fmt.Errorf("%w: handshake answered with %q, not {\"pid\": N}", ErrProtocol, m.Command)
	}
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("%w: handshake: %v", ErrSubprocess, err)
	}
	p.pid = m.PID
	return p, nil
}

// read decodes messages until the output ends or breaks the protocol.
func (p *process) read(out *os.File) {
	defer p.done.Done()
	defer out.Close()
	r := bufio.NewReaderSize(out, 64<<10)
	for {
		data, err := ReadMessage(r)
		var m Message
		if err == nil {
			m, err = DecodeMessage(data)
		}
		if err != nil {
			p.readErr = err
			close(p.msgs)
			return
		}
		p.heard.Store(time.Now().UnixNano())
		p.msgs <- m
	}
}

// next waits up to d for a message.
func (p *process) next(d time.Duration) (Message, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case m, ok := <-p.msgs:
		if !ok {
			return Message{}, p.exitError()
		}
		return m, nil
	case <-t.C:
		return Message{}, errTimeout
	}
}

var errTimeout = errors.New("no message")

// tryNext returns a message if one is waiting.
func (p *process) tryNext() (Message, bool, error) {
	select {
	case m, ok := <-p.msgs:
		if !ok {
			return Message{}, false, p.exitError()
		}
		return m, true, nil
	default:
		return Message{}, false, nil
	}
}

// exitError says why the output ended.
func (p *process) exitError() error {
	err := p.readErr
	if errors.Is(err, ErrProtocol) {
		return fmt.Errorf("%w: %v", ErrSubprocess, err)
	}
	// Output ended: the process exited or closed it; give it a moment to
	// be reaped, for its exit status.
	p.kill()
	msg := "exited"
	if p.cmd.ProcessState != nil {
		msg = p.cmd.ProcessState.String()
	}
	if s := p.stderr.String(); s != "" {
		msg += "; stderr: " + s
	}
	return fmt.Errorf("%w: %s", ErrSubprocess, msg)
}

// silentFor is how long the subprocess has said nothing.
func (p *process) silentFor() time.Duration {
	return time.Duration(time.Now().UnixNano() - p.heard.Load())
}

// send writes one message, giving up after the heartbeat timeout if the
// subprocess does not read.
func (p *process) send(v any) error {
	p.stdin.SetWriteDeadline(time.Now().Add(p.timeout))
	if err := writeMessage(p.w, v); err != nil {
		return fmt.Errorf("%w: writing to it: %v", ErrSubprocess, err)
	}
	return nil
}

// kill kills the subprocess by its pid (and the process started, if the
// pid it reported is another), and waits for it and the reader.
func (p *process) kill() {
	if p.killed {
		return
	}
	p.killed = true
	if p.pid > 0 && p.pid != p.cmd.Process.Pid {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	p.cmd.Process.Kill()
	p.stdin.Close()
	p.cmd.Wait()
	go func() { // the reader may be blocked handing over a message
		for range p.msgs {
		}
	}()
	p.done.Wait()
	os.RemoveAll(p.pidDir)
}

// tail keeps the last bytes written to it: a subprocess's stderr, for
// error messages.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
