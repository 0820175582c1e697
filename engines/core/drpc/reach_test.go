package drpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/drpc"
	"github.com/streambench/streambench/engines/enginetest"
)

func reachOracle(u string) int { return drpc.Reach(u) }

func reachBuilder() *drpc.LinearDRPCTopologyBuilder { return drpc.NewReachTopology() }

// httpServer serves s on 127.0.0.1:0 until the test ends.
func httpServer(t *testing.T, s *drpc.Server) *httptest.Server {
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Shutdown()
		ts.Close()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
	return ts
}

func submit(t *testing.T, name string, conf core.Config, topo *core.StormTopology) *core.LocalCluster {
	c := core.NewLocalCluster(core.WithSeed(1))
	t.Cleanup(c.Shutdown)
	if err := c.SubmitTopology(name, conf, topo); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitServed waits until a topology has asked the server for function.
func waitServed(t *testing.T, s *drpc.Server, function string) {
	t.Helper()
	enginetest.WaitFor(t, "a topology serving "+function, func() bool { return s.Served(function) })
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDRPCReachOverHTTP answers reach requests through a server on
// loopback: the topology talks to it over the invocations endpoints, the
// client over POST and GET.
func TestDRPCReachOverHTTP(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	s := drpc.NewServer()
	ts := httpServer(t, s)
	topo, err := reachBuilder().CreateRemoteTopology(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	submit(t, "reach", core.Config{}, topo)
	waitServed(t, s, "reach")
	client := drpc.NewClient(ts.URL, nil)
	for _, u := range []string{"foo.com/blog/1", "engineering.twitter.com/blog/5", "tech.backtype.com/blog/123", "notaurl.com"} {
		got, err := client.ExecuteContext(context.Background(), "reach", u)
		if want := fmt.Sprint(reachOracle(u)); err != nil || got != want {
			t.Errorf("POST reach(%q) = %q, %v; want %q", u, got, err, want)
		}
		code, body := get(t, ts.URL+"/drpc/reach/"+u)
		if want := fmt.Sprint(reachOracle(u)); code != 200 || body != want {
			t.Errorf("GET reach(%q) = %d %q; want 200 %q", u, code, body, want)
		}
	}
}

// TestDRPCReachLocal runs the same topology on a LocalDRPC, with
// concurrent clients.
func TestDRPCReachLocal(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	d := drpc.NewLocalDRPC()
	t.Cleanup(d.Shutdown)
	submit(t, "reach", core.Config{}, reachBuilder().CreateLocalTopology(d))
	urls := []string{"foo.com/blog/1", "engineering.twitter.com/blog/5", "tech.backtype.com/blog/123"}
	errs := make(chan error, 3*len(urls))
	for range 3 {
		for _, u := range urls {
			go func() {
				got, err := d.Execute("reach", u)
				if want := fmt.Sprint(reachOracle(u)); err != nil || got != want {
					err = fmt.Errorf("reach(%q) = %q, %v; want %q", u, got, err, want)
				}
				errs <- err
			}()
		}
	}
	for range 3 * len(urls) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// failingBolt fails the request of one argument.
type failingBolt struct{ core.BaseBasicBolt }

func (failingBolt) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
	if t.GetString(1) == "boom" {
		return errors.New("boom refused")
	}
	c.Emit(core.Values{t.GetValue(0), strings.ToUpper(t.GetString(1))})
	return nil
}
func (failingBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "result"))
}

// silentBolt emits nothing.
type silentBolt struct{ core.BaseBasicBolt }

func (silentBolt) Execute(*core.Tuple, *core.BasicOutputCollector) error { return nil }
func (silentBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("id", "result"))
}

// TestDRPCFailuresOverHTTP: a failing bolt fails its request (500), a
// chain that emits no result fails too, a request nobody answers in time
// gets 504, and bad input gets clear 4xx answers.
func TestDRPCFailuresOverHTTP(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	s := drpc.NewServer()
	s.MaxArgsBytes = 1024
	ts := httpServer(t, s)
	upper := drpc.NewLinearDRPCTopologyBuilder("upper")
	upper.AddBolt(failingBolt{}, 2)
	topo, err := upper.CreateRemoteTopology(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	submit(t, "upper", core.Config{}, topo)
	silent := drpc.NewLinearDRPCTopologyBuilder("silent")
	silent.AddBolt(silentBolt{}, 1)
	topo, err = silent.CreateRemoteTopology(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	submit(t, "silent", core.Config{}, topo)
	waitServed(t, s, "upper")
	waitServed(t, s, "silent")

	client := drpc.NewClient(ts.URL, nil)
	if got, err := client.Execute("upper", "storm"); err != nil || got != "STORM" {
		t.Errorf("upper(storm) = %q, %v", got, err)
	}
	_, err = client.Execute("upper", "boom")
	if !errors.Is(err, drpc.ErrRequestFailed) {
		t.Errorf("upper(boom) = %v, want ErrRequestFailed", err)
	}
	if code, body := get(t, ts.URL+"/drpc/upper/boom"); code != 500 || !strings.Contains(body, "failed") {
		t.Errorf("GET upper/boom = %d %q, want 500 and a failure", code, body)
	}
	if _, err := client.Execute("silent", "x"); !errors.Is(err, drpc.ErrRequestFailed) {
		t.Errorf("silent(x) = %v, want ErrRequestFailed (no result)", err)
	}

	for _, c := range []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"unknown function", "GET", "/drpc/nosuch/x", "", 404, `"nosuch": no topology serves it`},
		{"huge body", "POST", "/drpc/upper", strings.Repeat("x", 2000), 413, "over 1024 bytes"},
		{"reserved name", "GET", "/drpc/invocations", "", 400, "reserved"},
		{"bad result", "POST", "/drpc/invocations/result", "not json", 400, "JSON object"},
		{"late result", "POST", "/drpc/invocations/result", `{"id":"999999","result":"x"}`, 410, "unknown drpc request"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(b), c.says) {
			t.Errorf("%s: %s %s = %d %q; want %d saying %q", c.name, c.method, c.path, resp.StatusCode, b, c.code, c.says)
		}
	}

	// A function no topology asked for is refused at once; one whose
	// topology never answers times out.
	s.Timeout = 100 * time.Millisecond
	_, err = client.Execute("never-served", "x")
	if !errors.Is(err, drpc.ErrUnknownFunction) {
		t.Errorf("execute of an unserved function = %v, want ErrUnknownFunction", err)
	}
	if _, _, err := s.FetchRequest("slow"); err != nil { // a topology that asks once and never answers
		t.Fatal(err)
	}
	if code, body := get(t, ts.URL+"/drpc/slow/"+url.PathEscape("a b")); code != 504 || !strings.Contains(body, "timed out") {
		t.Errorf("GET slow = %d %q, want 504 timed out", code, body)
	}
	if _, err := client.Execute("slow", "x"); !errors.Is(err, drpc.ErrTimeout) {
		t.Errorf("slow(x) = %v, want ErrTimeout", err)
	}
}
