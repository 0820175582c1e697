package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/reports"
)

// runReport writes the HTML report of a results directory.
func runReport(_ context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("report", "report DIR [-o FILE]", stdio)
	out := fs.StringP("output", "o", "", "the HTML file to write (default DIR/report.html)")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // pflag has printed the usage
		}
		return &harness.UsageError{Msg: fmt.Sprintf("report: %v (see 'streambench report --help')", err)}
	}
	if fs.NArg() != 1 {
		return &harness.UsageError{Msg: "report needs one results directory: streambench report DIR [-o FILE] (see 'streambench report --help')"}
	}
	dir := fs.Arg(0)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &harness.UsageError{Msg: fmt.Sprintf("report: %s is not a results directory", dir)}
	}
	path := *out
	if path == "" {
		path = filepath.Join(dir, "report.html")
	}
	d, err := reports.Load(dir)
	if err != nil {
		// A file the report cannot trust is bad input: refuse it by name.
		return &harness.UsageError{Msg: "report: " + err.Error()}
	}
	var buf bytes.Buffer
	if err := reports.Write(&buf, d); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := resultfile.CheckWritable(path); err != nil {
		return &harness.UsageError{Msg: fmt.Sprintf("-o %s: cannot write there: %v", path, err)}
	}
	if err := resultfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	os.Chmod(path, 0o644) // a page to open and share, not a private file
	fmt.Fprintf(stdio.Out, "report: %s (%d runs", path, len(d.Runs))
	if len(d.Cells) > 0 {
		fmt.Fprintf(stdio.Out, ", %d cells", len(d.Cells))
	}
	fmt.Fprintln(stdio.Out, ")")
	return nil
}
