package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/drpc"
)

func TestDRPCBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"drpc", "--http-port", "70000"},
		{"drpc", "--invocations-port", "-1"},
		{"drpc", "--timeout", "0s"},
		{"drpc", "--listen", "not-an-ip"},
		{"drpc", "--nosuch"},
		{"drpc", "extra"},
		{"drpc", "--serve", "nosuch"},
	} {
		if code, _, stderr := cli(t, args...); code != exitBadUsage || !strings.Contains(stderr, "drpc") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming drpc", args, code, stderr)
		}
	}
}

// upperBolt answers (id, args) with (id, ARGS).
type upperBolt struct{ core.BaseBasicBolt }

func (upperBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	c.Emit(core.Values{t.GetValue(0), strings.ToUpper(t.GetString(1))})
	return nil
}
func (upperBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "result"))
}

// TestDRPCCommand runs the server, answers a request through a topology
// that reaches it over the network, and stops it as Ctrl-C does.
func TestDRPCCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := Main(ctx, []string{"drpc", "--http-port", "0", "--invocations-port", "0", "--timeout", "20s"},
			Stdio{In: strings.NewReader(""), Out: pw, Err: pw})
		pw.Close()
		done <- code
	}()
	lines := bufio.NewScanner(pr)
	var base string
	for lines.Scan() {
		if _, addr, ok := strings.Cut(lines.Text(), "http+invocations on "); ok {
			base = addr
			break
		}
	}
	if base == "" {
		t.Fatal("drpc did not say where it listens")
	}
	go io.Copy(io.Discard, pr)

	b := drpc.NewLinearDRPCTopologyBuilder("upper")
	b.AddBolt(upperBolt{}, 2)
	topo, err := b.CreateRemoteTopology(base)
	if err != nil {
		t.Fatal(err)
	}
	cluster := core.NewLocalCluster()
	if err := cluster.SubmitTopology("upper", core.Config{}, topo); err != nil {
		t.Fatal(err)
	}
	client := drpc.NewClient(base, nil)
	var got string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, err = client.Execute("upper", "storm")
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || got != "STORM" {
		t.Errorf("upper(storm) over the drpc command = %q, %v", got, err)
	}
	cluster.Shutdown()
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("drpc exit %d after Ctrl-C, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("drpc did not stop on Ctrl-C")
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// TestDRPCServeExamples runs `streambench drpc --serve reach,exclamation`
// as a user does, asks it what the README's curl lines ask over real
// HTTP, and stops it as Ctrl-C does.
func TestDRPCServeExamples(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := Main(ctx, []string{"drpc", "--serve", "reach,exclamation", "--http-port", "0", "--invocations-port", "0"},
			Stdio{In: strings.NewReader(""), Out: pw, Err: pw})
		pw.Close()
		done <- code
	}()
	lines := bufio.NewScanner(pr)
	curls := map[string]string{} // function -> URL the command suggests
	for len(curls) < 2 && lines.Scan() {
		// drpc: serving reach, <description>: curl http://ADDR/drpc/reach/ARG
		rest, ok := strings.CutPrefix(lines.Text(), "drpc: serving ")
		fn, _, _ := strings.Cut(rest, ",")
		if _, u, found := strings.Cut(rest, ": curl "); ok && found {
			curls[fn] = u
		}
	}
	go io.Copy(io.Discard, pr)
	want := map[string]string{"reach": fmt.Sprint(drpc.Reach("foo.com/blog/1")), "exclamation": "hello!"}
	for fn, body := range want {
		u, ok := curls[fn]
		if !ok {
			t.Fatalf("drpc --serve did not print a curl line for %s (got %v)", fn, curls)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != body {
			t.Errorf("GET %s = %d %q, want 200 %q", u, resp.StatusCode, b, body)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("drpc --serve exit %d after Ctrl-C, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("drpc --serve did not stop on Ctrl-C")
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
