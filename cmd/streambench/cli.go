package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1 // a run failed or broke its guarantee
	exitBadUsage = 2 // bad flags, names, values or input files
	// exitInterrupted is a run stopped by Ctrl-C (SIGINT) or SIGTERM, as
	// shells report a process ended by SIGINT: 128 + 2.
	exitInterrupted = 130
)

// Stdio is the process state a command may touch, passed in so commands can
// be tested in memory.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdio Stdio) error
}

func commands() []command {
	return []command{
		{"list", "list the engines, workloads, guarantees and sources", runList},
		{"run", "run one workload on one engine and write a result file", runRun},
		{"bench", "measure a suite's cells: sustainable-rate searches and latency vs load", runBench},
		{"report", "write the HTML report of a results directory", runReport},
		{"cluster", "run a cluster role: master, agent (worker is started by agents)", runCluster},
		{"drpc", "run Storm's DRPC server: HTTP requests answered by topologies", runDRPC},
		{"version", "print the version", runVersion},
	}
}

const exitCodesHelp = `Exit status:
  0  ok
  1  a run failed, or verification found loss, duplicates or wrong results
     that the run's delivery guarantee forbids
  2  bad usage or bad input (flags, names, values, unreadable files)
  130 a run was interrupted (Ctrl-C, SIGTERM): what ran is written, marked
     "interrupted"; a second Ctrl-C quits at once
`

func usage(w io.Writer) {
	fmt.Fprintln(w, "streambench measures stream-processing engines: Storm's model (core), Trident, Spark Streaming's")
	fmt.Fprintln(w, "micro-batches (microbatch) and a hand-written Go baseline, on identical workloads.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: streambench <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'streambench <command> --help' for a command's flags.")
	fmt.Fprintln(w)
	fmt.Fprint(w, exitCodesHelp)
}

// Main runs the command line args and returns the exit status.
func Main(ctx context.Context, args []string, stdio Stdio) int {
	if len(args) == 0 {
		usage(stdio.Err)
		return exitBadUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdio.Out)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitStatus(c.run(ctx, args[1:], stdio), stdio)
		}
	}
	names := make([]string, 0, 3)
	for _, c := range commands() {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q (known: %s)", args[0], strings.Join(names, ", "))
	if best := engines.Closest(args[0], names); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	fmt.Fprintln(stdio.Err, "streambench:", msg)
	return exitBadUsage
}

// exitStatus reports err and maps it to an exit status.
func exitStatus(err error, stdio Stdio) int {
	var usageErr *harness.UsageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &usageErr):
		fmt.Fprintln(stdio.Err, "streambench:", err)
		return exitBadUsage
	case errors.Is(err, harness.ErrInterrupted):
		fmt.Fprintln(stdio.Err, "streambench:", err)
		return exitInterrupted
	}
	fmt.Fprintln(stdio.Err, "streambench:", err)
	return exitFailed
}

// newFlagSet returns a flag set whose errors are usage errors and whose help
// lists the exit statuses.
func newFlagSet(name, synopsis string, stdio Stdio) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(stdio.Out, "Usage: streambench %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdio.Out)
		fs.PrintDefaults()
		fs.SetOutput(stdio.Err)
		fmt.Fprintln(stdio.Out)
		fmt.Fprint(stdio.Out, exitCodesHelp)
	}
	return fs
}

// parseFlags parses args, turning pflag's errors into usage errors.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard) // report errors once, our way
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		return err // pflag has printed the usage
	}
	if err != nil {
		return &harness.UsageError{Msg: fmt.Sprintf("%s: %v (see 'streambench %s --help')", fs.Name(), err, fs.Name())}
	}
	if fs.NArg() > 0 {
		return &harness.UsageError{Msg: fmt.Sprintf("%s: unexpected argument %q (see 'streambench %s --help')", fs.Name(), fs.Arg(0), fs.Name())}
	}
	return nil
}
