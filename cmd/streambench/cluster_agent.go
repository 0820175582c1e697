package main

import (
	"context"
	"os"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/harness"
)

// runClusterAgent runs `streambench cluster agent` until SIGTERM or Ctrl-C;
// it stops its workers before it returns.
func runClusterAgent(ctx context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("cluster agent", "cluster agent --nats-url URL [--token-file FILE] [--node NAME] [--slots N | --ports P,P] [flags]", stdio)
	var f cluster.AgentFlags
	f.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := f.Resolve(os.Getenv)
	if err != nil {
		return &harness.UsageError{Msg: "cluster agent: " + err.Error()}
	}
	opts.Logger = clusterLogger(stdio)
	return cluster.RunAgent(ctx, opts)
}
