package main

import (
	"context"
	"os"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/harness"
)

// runClusterMaster runs `streambench cluster master` until SIGTERM or
// Ctrl-C.
func runClusterMaster(ctx context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("cluster master", "cluster master --nats-url URL [--token-file FILE] [flags]", stdio)
	var f cluster.MasterFlags
	f.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := f.Resolve(os.Getenv)
	if err != nil {
		return &harness.UsageError{Msg: "cluster master: " + err.Error()}
	}
	opts.Logger = clusterLogger(stdio)
	return cluster.RunMaster(ctx, opts)
}
