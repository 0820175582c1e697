package main

import (
	"context"
	"os"

	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/harness"
)

// runClusterWorker runs `streambench cluster worker`, the process an agent
// starts for each worker assigned to its node: it is given its slot's
// socket as descriptor 3, a lifeline as descriptor 4 and the token in
// STREAMBENCH_CLUSTER_TOKEN, so it is never started by hand. The engine's
// worker function is the one registered for the submission's engine
// (cluster.RegisterWorker).
func runClusterWorker(ctx context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("cluster worker", "cluster worker --nats-url URL --topology T --worker W --node N --data-dir D (started by an agent)", stdio)
	var f cluster.WorkerFlags
	f.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := f.Resolve(os.Getenv)
	if err != nil {
		return &harness.UsageError{Msg: "cluster worker: " + err.Error()}
	}
	opts.Logger = clusterLogger(stdio)
	return cluster.RunWorker(ctx, opts, nil)
}
