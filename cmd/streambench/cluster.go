package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/streambench/streambench/harness"
)

// clusterCommands are the roles of `streambench cluster`.
func clusterCommands() []command {
	return []command{
		{"master", "run the master (Storm's Nimbus): assigns topologies, moves the workers of lost nodes", runClusterMaster},
		{"agent", "run a node agent (Storm's Supervisor): starts, watches and restarts this node's workers", runClusterAgent},
		{"worker", "run one worker process; started by an agent, never by hand", runClusterWorker},
	}
}

const clusterHelp = `Usage: streambench cluster <master|agent|worker> [flags]

Cluster mode runs a topology's workers as processes on several hosts,
coordinated through JetStream key-value buckets on one nats-server:

  nats-server -js                                             (one host)
  streambench cluster master --nats-url nats://HOST:4222      (one host)
  streambench cluster agent  --nats-url nats://HOST:4222 --listen THIS_HOST --slots 2   (every host)

Every process needs the same token: --token-file FILE or STREAMBENCH_CLUSTER_TOKEN.
'streambench run --nodes N' starts a master and N agents on this machine.

Roles:
`

// runCluster dispatches `streambench cluster <role>`.
func runCluster(ctx context.Context, args []string, stdio Stdio) error {
	if len(args) == 0 {
		return &harness.UsageError{Msg: "cluster: name a role: master, agent or worker (see 'streambench cluster --help')"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdio.Out
		fmt.Fprint(w, clusterHelp)
		for _, c := range clusterCommands() {
			fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(w)
		fmt.Fprint(w, exitCodesHelp)
		return nil
	}
	for _, c := range clusterCommands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdio)
		}
	}
	return &harness.UsageError{Msg: fmt.Sprintf("cluster: unknown role %q (known: master, agent, worker)", args[0])}
}

// clusterLogger logs a role's decisions as text lines on stderr.
func clusterLogger(stdio Stdio) *slog.Logger {
	return slog.New(slog.NewTextHandler(stdio.Err, nil)).With("pid", os.Getpid())
}
