package microbatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

var textWords = []string{"to", "be", "or", "not", "that", "is", "the", "question"}

// textLines returns partition p's records from..to in the line format, and
// adds their words to want.
func textLines(p int, from, to int64, want map[string]int64) string {
	var b []byte
	for o := from; o < to; o++ {
		v := fmt.Sprintf("%s %s", textWords[o%8], textWords[(o*3+int64(p))%8])
		for _, w := range strings.Fields(v) {
			want[w]++
		}
		b = engines.AppendLine(b, &engines.Record{Partition: int32(p), Offset: o, Value: v})
	}
	return string(b)
}

// lineServer serves each partition's connections in turn: the i-th
// connection to partition p gets texts[p][i], and is then closed.
func lineServer(t *testing.T, texts [][]string) []string {
	t.Helper()
	var wg sync.WaitGroup
	addrs := make([]string, len(texts))
	for p, conns := range texts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[p] = ln.Addr().String()
		wg.Go(func() {
			for _, text := range conns {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				io.WriteString(c, text)
				c.Close()
			}
		})
		t.Cleanup(func() { ln.Close() })
	}
	t.Cleanup(wg.Wait)
	return addrs
}

// receiverErrors collects the receivers' errors a listener hears.
type receiverErrors struct {
	BaseStreamingListener
	mu        sync.Mutex
	msgs      []string
	submitted int
}

func (r *receiverErrors) OnReceiverError(info ReceiverInfo) {
	r.mu.Lock()
	r.msgs = append(r.msgs, info.LastErrorMessage)
	r.mu.Unlock()
}

// OnBatchSubmitted counts the batches the job generator has generated:
// a file stream lists its directory when its batch is generated, before
// the batch is submitted.
func (r *receiverErrors) OnBatchSubmitted(BatchInfo) {
	r.mu.Lock()
	r.submitted++
	r.mu.Unlock()
}

func (r *receiverErrors) batches() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.submitted
}

func runText(t *testing.T, g engines.Guarantee, in engines.Input, conf *Conf, heard *receiverErrors) (map[string]int64, error) {
	t.Helper()
	pipeline := func(ssc *StreamingContext, records *DStream[engines.Record], sink engines.Sink) error {
		if heard != nil {
			ssc.AddStreamingListener(heard)
		}
		return wordCount(ssc, records, sink)
	}
	e, err := NewEngine(EngineConfig{BatchInterval: 20 * time.Millisecond, Guarantee: g, CheckpointDir: t.TempDir(), Conf: conf}, pipeline)
	if err != nil {
		t.Fatal(err)
	}
	sink := &enginetest.CollectSink{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = e.RunInput(ctx, in, sink)
	if s := e.Settings()["input"]; err == nil && !strings.Contains(fmt.Sprint(s), map[engines.SourceKind]string{engines.KindSocket: "socket", engines.KindFiles: "textFileStream"}[in.Kind]) {
		t.Errorf("settings name the input %q", s)
	}
	return sink.Final(), err
}

// TestSocketRecordStream: one receiver per partition; a connection the
// server closes before the end line restarts the receiver, which connects
// again (Spark's SocketReceiver), and the run ends at every end line.
func TestSocketRecordStream(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	want := map[string]int64{}
	addrs := lineServer(t, [][]string{
		{textLines(0, 0, 300, want) + "end 0 300\n"},
		{textLines(1, 0, 100, want), textLines(1, 100, 200, want) + "end 1 200\n"},
	})
	conf := NewConf().Set(ConfReceiverRestartDelay, "10ms")
	heard := &receiverErrors{}
	got, err := runText(t, engines.AtMostOnce, engines.Input{Kind: engines.KindSocket, Addrs: addrs}, conf, heard)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	heard.mu.Lock()
	defer heard.mu.Unlock()
	if !strings.Contains(strings.Join(heard.msgs, "; "), "no more data from "+addrs[1]) {
		t.Errorf("receiver errors %q: want the restart naming %s", heard.msgs, addrs[1])
	}
}

// TestTextInputsRefuseBadInput: a line not in the format, over a socket or
// in a file, and a file that cannot be read, fail the run with an error
// naming where, without a panic.
func TestTextInputsRefuseBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input func(t *testing.T) (engines.Input, string) // and what the error names
		g     engines.Guarantee
		want  string
	}{
		{"socket bad line", func(t *testing.T) (engines.Input, string) {
			addrs := lineServer(t, [][]string{{textLines(0, 0, 10, map[string]int64{}) + "0 10 x 0 oops\n"}})
			return engines.Input{Kind: engines.KindSocket, Addrs: addrs}, addrs[0]
		}, engines.AtMostOnce, `line 11: not a record line: event time "x"`},
		{"file bad line", func(t *testing.T) (engines.Input, string) {
			dir := t.TempDir()
			f := filepath.Join(dir, "0001-p0.txt")
			os.WriteFile(f, []byte(textLines(0, 0, 3, map[string]int64{})+"garbage\n"), 0o644)
			return engines.Input{Kind: engines.KindFiles, Dir: dir, Partitions: 1}, f
		}, engines.ExactlyOnce, "line 4: not a record line"},
		{"unreadable file", func(t *testing.T) (engines.Input, string) {
			dir := t.TempDir()
			f := filepath.Join(dir, "0001-p0.txt")
			os.Symlink(filepath.Join(dir, "nowhere"), f) // unreadable even for root
			return engines.Input{Kind: engines.KindFiles, Dir: dir, Partitions: 1}, f
		}, engines.ExactlyOnce, "reading"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			in, where := tc.input(t)
			_, err := runText(t, tc.g, in, nil, nil)
			if err == nil || !strings.Contains(err.Error(), where) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s with %q", err, where, tc.want)
			}
			if tc.name != "unreadable file" && !errors.Is(err, engines.ErrBadLine) {
				t.Errorf("error %v does not wrap ErrBadLine", err)
			}
		})
	}
}

// TestFileRecordStream: files moved into the directory while the context
// runs are each read once; the run ends once every partition's end line and
// all its records are read, even when the end file is listed before a data
// file, and a hidden file being written is skipped.
func TestFileRecordStream(t *testing.T) {
	for _, g := range engines.Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			dir := t.TempDir()
			want := map[string]int64{}
			write := func(name, text string) {
				tmp := filepath.Join(dir, "."+name)
				if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
					t.Error(err)
				}
				if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
					t.Error(err)
				}
			}
			write("0001-p0.txt", textLines(0, 0, 100, want))
			late := textLines(1, 100, 150, want)
			os.WriteFile(filepath.Join(dir, ".0005-p1.txt.tmp"), []byte("half a li"), 0o644)
			heard := &receiverErrors{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				write("0002-p1.txt", textLines(1, 0, 100, want))
				write("0003-end.txt", "end 0 100\nend 1 150\n")
				// Two batches generated from now on: the second listed the
				// directory after the first was submitted, so after the end
				// file was there. The engine has seen that partition 1 ends
				// at 150 with only 100 of its records read, and must wait
				// for the rest rather than end the run.
				from := heard.batches()
				for deadline := time.Now().Add(10 * time.Second); heard.batches() < from+2 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond) // polling the listener's count
				}
				write("0004-p1.txt", late)
			}()
			got, err := runText(t, g, engines.Input{Kind: engines.KindFiles, Dir: dir, Partitions: 2}, nil, heard)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("counts %v, want %v", got, want)
			}
		})
	}
}
