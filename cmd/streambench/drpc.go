package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/drpc"
	"github.com/streambench/streambench/harness"
)

// runDRPC runs `streambench drpc`: Storm's DRPC server, until Ctrl-C or
// SIGTERM. Clients call GET /drpc/<function>/<args> or POST
// /drpc/<function> on the HTTP port; topologies fetch requests and return
// results on the invocations port (JSON over HTTP, see engines/core/drpc).
// Both may be one port. --serve runs storm-starter's example topologies
// (reach, exclamation) on a local cluster against the server, so that
// curl http://127.0.0.1:3774/drpc/reach/foo.com/blog/1 answers at once.
func runDRPC(ctx context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("drpc", "drpc [--listen ADDR] [--http-port N] [--invocations-port N] [--timeout D] [--serve reach,exclamation]", stdio)
	listen := fs.String("listen", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
	httpPort := fs.Int("http-port", drpc.DefaultHTTPPort, "port of the client endpoint (drpc.http.port); 0 picks a free one")
	invPort := fs.Int("invocations-port", drpc.DefaultInvocationsPort, "port of the invocations endpoint topologies use (drpc.invocations.port); equal to --http-port for one port, 0 picks a free one")
	timeout := fs.Duration("timeout", drpc.DefaultRequestTimeout, "how long a request waits for its result (drpc.request.timeout.secs)")
	maxBytes := fs.Int64("max-buffer-size", drpc.DefaultMaxArgsBytes, "largest request body in bytes (drpc.max_buffer_size)")
	serve := fs.StringSlice("serve", nil, "example topologies to run against the server, on a local cluster in this process: "+strings.Join(drpc.ExampleNames(), ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		return &harness.UsageError{Msg: "drpc: " + fmt.Sprintf(format, a...) + " (see 'streambench drpc --help')"}
	}
	for name, p := range map[string]int{"--http-port": *httpPort, "--invocations-port": *invPort} {
		if p < 0 || p > 65535 {
			return bad("%s %d is not a port (0 to 65535)", name, p)
		}
	}
	if *timeout <= 0 {
		return bad("--timeout %v must be positive", *timeout)
	}
	if *maxBytes <= 0 {
		return bad("--max-buffer-size %d must be positive", *maxBytes)
	}
	if net.ParseIP(*listen) == nil && *listen != "localhost" {
		return bad("--listen %q is not an IP address", *listen)
	}
	var examples []drpc.Example
	for _, name := range *serve {
		ex, ok := drpc.Examples[name]
		if !ok {
			return bad("--serve %q is not an example topology (known: %s)", name, strings.Join(drpc.ExampleNames(), ", "))
		}
		if !slices.ContainsFunc(examples, func(e drpc.Example) bool { return e.Function == name }) {
			examples = append(examples, ex)
		}
	}

	s := drpc.NewServer()
	s.Timeout, s.MaxArgsBytes = *timeout, *maxBytes
	defer s.Shutdown()
	type endpoint struct {
		name    string
		port    int
		handler http.Handler
	}
	eps := []endpoint{{"http", *httpPort, s.ClientHandler()}, {"invocations", *invPort, s.InvocationsHandler()}}
	if *httpPort == *invPort {
		eps = []endpoint{{"http+invocations", *httpPort, s.Handler()}}
	}
	var servers []*http.Server
	var clientAddr string
	errc := make(chan error, len(eps))
	for _, ep := range eps {
		ln, err := net.Listen("tcp", net.JoinHostPort(*listen, strconv.Itoa(ep.port)))
		if err != nil {
			for _, hs := range servers {
				hs.Close()
			}
			return bad("listen for %s: %v", ep.name, err)
		}
		hs := &http.Server{Handler: ep.handler, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		fmt.Fprintf(stdio.Out, "drpc: %s on http://%s\n", ep.name, ln.Addr())
		if clientAddr == "" {
			clientAddr = ln.Addr().String()
		}
		go func() { errc <- hs.Serve(ln) }()
	}
	// The examples fetch requests from the server in this process, as a
	// LocalDRPC topology does: the same Invocations a remote topology
	// reaches over the invocations port.
	var cluster *core.LocalCluster
	if len(examples) > 0 {
		cluster = core.NewLocalCluster()
		defer cluster.Shutdown()
		for _, ex := range examples {
			if err := cluster.SubmitTopology(ex.Function, core.Config{}, ex.New().CreateTopology(s)); err != nil {
				return fmt.Errorf("drpc: --serve %s: %w", ex.Function, err)
			}
			fmt.Fprintf(stdio.Out, "drpc: serving %s, %s: curl http://%s/drpc/%s/%s\n", ex.Function, ex.Description, clientAddr, ex.Function, ex.Try)
		}
	}
	fmt.Fprintf(stdio.Out, "drpc: requests time out after %v; Ctrl-C stops\n", *timeout)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.Shutdown() // waiting clients get 503 at once
	if cluster != nil {
		cluster.Shutdown()
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, hs := range servers {
		hs.Shutdown(shutCtx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("drpc: %w", err)
	}
	fmt.Fprintln(stdio.Out, "drpc: stopped")
	return nil
}
