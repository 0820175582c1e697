package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/streambench/streambench/harness"
)

// runVersion prints the version, the commit and the Go version.
func runVersion(_ context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("version", "version", stdio)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	env := harness.CaptureEnvironment(1)
	dirty := ""
	if env.GitDirty {
		dirty = " (modified)"
	}
	fmt.Fprintf(stdio.Out, "streambench %s, commit %s%s, %s %s/%s\n", harness.Version, env.GitCommit, dirty, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
