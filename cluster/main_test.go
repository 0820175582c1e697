package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// envChild makes the test binary a cluster process: `cluster master`,
// `cluster agent` or `cluster worker` with the streambench command's flags.
const envChild = "STREAMBENCH_CLUSTER_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(runChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testEngine is the worker function of the tests' "test" engine: it
// reports how often it ran and counts in its status, until its context
// ends.
func testEngine(ctx context.Context, env *WorkerEnv) error {
	runs := runsOf.Add(1)
	if env.Listener == nil || len(env.Peers()) != len(env.Assignment.Workers) {
		return fmt.Errorf("bad environment: listener %v, peers %v", env.Listener, env.Peers())
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n++ {
		env.SetStatus(json.RawMessage(`{"runs":` + strconv.Itoa(int(runs)) + `,"ticks":` + strconv.Itoa(n) + `}`))
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

var runsOf atomic.Int64

func init() { RegisterWorker("test", testEngine) }

func runChild(args []string) int {
	if len(args) < 2 || args[0] != "cluster" {
		fmt.Fprintln(os.Stderr, "test child: want cluster master|agent|worker ...")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fs := pflag.NewFlagSet(args[1], pflag.ContinueOnError)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("pid", os.Getpid())
	var err error
	switch args[1] {
	case "master":
		var f MasterFlags
		f.Register(fs)
		if err = fs.Parse(args[2:]); err == nil {
			var o MasterOptions
			if o, err = f.Resolve(os.Getenv); err == nil {
				o.Logger = logger
				err = RunMaster(ctx, o)
			}
		}
	case "agent":
		var f AgentFlags
		f.Register(fs)
		if err = fs.Parse(args[2:]); err == nil {
			var o AgentOptions
			if o, err = f.Resolve(os.Getenv); err == nil {
				o.Logger = logger
				err = RunAgent(ctx, o)
			}
		}
	case "worker":
		var f WorkerFlags
		f.Register(fs)
		if err = fs.Parse(args[2:]); err == nil {
			var o WorkerOptions
			if o, err = f.Resolve(os.Getenv); err == nil {
				o.Logger = logger
				err = RunWorker(ctx, o, nil)
			}
		}
	default:
		err = fmt.Errorf("unknown role %q", args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "test child:", err)
		return 1
	}
	return 0
}

type netListener = net.Listener

func listenLoopback(port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
}

func portOf(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

func addrOf(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
