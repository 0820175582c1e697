package multilang

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ErrProtocol is a message from a subprocess that breaks the multi-lang
// protocol: not JSON, not an object, an unknown command, a missing field,
// or too long.
var ErrProtocol = errors.New("multi-lang protocol error")

// MaxMessageBytes bounds one message from a subprocess, so that a
// subprocess writing garbage without "end" lines cannot exhaust memory.
const MaxMessageBytes = 16 << 20

// Message is one message a subprocess sends (Storm's ShellMsg): a command
// and the fields it uses.
//
//	{"command":"emit","id":..,"anchors":[..],"stream":"s","task":3,"tuple":[..],"need_task_ids":true}
//	{"command":"ack","id":".."}   {"command":"fail","id":".."}   {"command":"sync"}
//	{"command":"log","msg":"..","level":2}   {"command":"error","msg":".."}
//	{"command":"metrics","name":"..","params":..}
//	{"pid":1234}                  (the handshake's answer)
type Message struct {
	Command string
	// ID is a bolt's tuple id (a string) or a spout's message id (any
	// JSON value), nil when absent.
	ID          any
	Anchors     []string
	Stream      string
	Task        int // a direct emit's task, or -1
	Tuple       []any
	NeedTaskIDs bool
	Msg         string
	Level       int
	Name        string
	Params      any
	PID         int
}

type wireMessage struct {
	Command     string          `json:"command"`
	ID          json.RawMessage `json:"id"`
	Anchors     []any           `json:"anchors"`
	Stream      string          `json:"stream"`
	Task        *float64        `json:"task"`
	Tuple       json.RawMessage `json:"tuple"`
	NeedTaskIDs *bool           `json:"need_task_ids"`
	Msg         any             `json:"msg"`
	Level       *float64        `json:"level"`
	Name        string          `json:"name"`
	Params      any             `json:"params"`
	PID         *float64        `json:"pid"`
}

// ReadMessage reads one message: lines up to a line "end", joined.
// Storm's protocol allows a message to span lines.
func ReadMessage(r *bufio.Reader) ([]byte, error) {
	var msg []byte
	for {
		line, err := r.ReadSlice('\n')
		if len(msg)+len(line) > MaxMessageBytes {
			return nil, fmt.Errorf("%w: message over %d bytes without an \"end\" line", ErrProtocol, MaxMessageBytes)
		}
		if err == bufio.ErrBufferFull {
			msg = append(msg, line...)
			continue
		}
		if err != nil {
			if len(msg)+len(bytes.TrimSpace(line)) > 0 && errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: output ended in the middle of a message", ErrProtocol)
			}
			return nil, err
		}
		if string(bytes.TrimRight(line, "\r\n")) == "end" {
			if len(bytes.TrimSpace(msg)) == 0 {
				return nil, fmt.Errorf("%w: empty message before \"end\"", ErrProtocol)
			}
			return msg, nil
		}
		msg = append(msg, line...)
	}
}

// DecodeMessage parses and checks one message.
func DecodeMessage(data []byte) (Message, error) {
	var w wireMessage
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&w); err != nil {
		return Message{}, fmt.Errorf("%w: not a JSON object: %v: %.80q", ErrProtocol, err, data)
	}
	if d.More() {
		return Message{}, fmt.Errorf("%w: more than one JSON value before \"end\": %.80q", ErrProtocol, data)
	}
	m := Message{Command: w.Command, Stream: w.Stream, Task: -1, NeedTaskIDs: true, Name: w.Name, Params: w.Params}
	if len(w.ID) > 0 && string(w.ID) != "null" {
		id, err := decodeValue(w.ID)
		if err != nil {
			return Message{}, fmt.Errorf("%w: bad id: %v", ErrProtocol, err)
		}
		m.ID = id
	}
	for _, a := range w.Anchors {
		m.Anchors = append(m.Anchors, idString(a))
	}
	if w.Task != nil {
		if *w.Task != math.Trunc(*w.Task) || *w.Task < 0 || *w.Task > math.MaxInt32 {
			return Message{}, fmt.Errorf("%w: task %v is not a task id", ErrProtocol, *w.Task)
		}
		m.Task = int(*w.Task)
	}
	if w.NeedTaskIDs != nil {
		m.NeedTaskIDs = *w.NeedTaskIDs
	}
	if w.Msg != nil {
		m.Msg = fmt.Sprint(w.Msg)
	}
	if w.Level != nil {
		m.Level = int(*w.Level)
	}
	switch w.Command {
	case "":
		if w.PID == nil {
			return Message{}, fmt.Errorf("%w: message without a command: %.80q", ErrProtocol, data)
		}
		if *w.PID != math.Trunc(*w.PID) || *w.PID <= 0 || *w.PID > math.MaxInt32 {
			return Message{}, fmt.Errorf("%w: pid %v is not a process id", ErrProtocol, *w.PID)
		}
		m.PID = int(*w.PID)
	case "emit":
		v, err := decodeValue(w.Tuple)
		tuple, ok := v.([]any)
		if err != nil || !ok {
			return Message{}, fmt.Errorf("%w: emit without a \"tuple\" list: %.80q", ErrProtocol, data)
		}
		m.Tuple = tuple
	case "ack", "fail":
		if m.ID == nil {
			return Message{}, fmt.Errorf("%w: %s without an id", ErrProtocol, w.Command)
		}
	case "sync", "log", "error", "metrics":
	default:
		return Message{}, fmt.Errorf("%w: unknown command %q (known: emit, ack, fail, sync, log, error, metrics)", ErrProtocol, w.Command)
	}
	return m, nil
}

// decodeValue decodes JSON with integers as int64, as Storm's JSON
// serializer gives Longs, and other numbers as float64.
func decodeValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = numbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = numbers(v[k])
		}
	}
	return v
}

// idString is a tuple id as the bolt side keys it.
func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// writeMessage writes v as one message: its JSON and a line "end".
func writeMessage(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(b)
	w.WriteString("\nend\n")
	return w.Flush()
}
