package multilang

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzMultilangMessage feeds arbitrary subprocess output to the decoder:
// it must never panic, and a message it accepts is well formed.
func FuzzMultilangMessage(f *testing.F) {
	for _, s := range []string{
		"{\"pid\": 1234}\nend\n",
		"{\"command\":\"emit\",\"anchors\":[\"1\"],\"tuple\":[\"word\", 3, 1.5]}\nend\n",
		"{\"command\":\"ack\",\"id\":\"7\"}\nend\n{\"command\":\"sync\"}\nend\n",
		"{\"command\":\"emit\",\"stream\":\"s\",\n\"task\":2,\"tuple\":[],\"need_task_ids\":false}\nend\n",
		"{\"command\":\"log\",\"msg\":\"hi\",\"level\":2}\nend\n",
		"not json\nend\n", "\nend\n", "{\"command\":\"emit\"}\nend\n", "[1,2]\nend\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for range 16 {
			msg, err := ReadMessage(r)
			if err != nil {
				return
			}
			m, err := DecodeMessage(msg)
			if err != nil {
				continue
			}
			switch m.Command {
			case "emit":
				if m.Tuple == nil {
					t.Fatalf("emit accepted without a tuple: %q", msg)
				}
			case "ack", "fail":
				if m.ID == nil {
					t.Fatalf("%s accepted without an id: %q", m.Command, msg)
				}
			case "":
				if m.PID <= 0 {
					t.Fatalf("handshake accepted without a pid: %q", msg)
				}
			}
		}
	})
}
