package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// runBench measures a suite's cells into a bench directory: a sustainable
// rate search per cell, repeated, and runs at fractions of the rate.
func runBench(ctx context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("bench", "bench [--suite NAME|FILE] [--engines E,..] [--workloads W,..] [--cells ID,..] [--repeat N] [--out DIR] [--resume] [--dry-run]", stdio)
	suiteArg := fs.String("suite", "deck", "suite to run: a built-in one ("+strings.Join(harness.BuiltinSuites(), ", ")+") or a YAML file")
	engineNames := fs.StringSlice("engines", nil, "only the cells of these engines (comma-separated or repeated)")
	workloadNames := fs.StringSlice("workloads", nil, "only the cells of these workloads")
	cellIDs := fs.StringSlice("cells", nil, "only these cells, by ID (engine-guarantee/workload, as the suite names them)")
	repeat := fs.Int("repeat", 0, "measure every cell this many times (default: the suite's repeat)")
	out := fs.String("out", "", "bench directory (default results/<UTC time>/)")
	resume := fs.Bool("resume", false, "continue the bench in --out (default: the newest under results/), skipping cells already measured")
	dryRun := fs.Bool("dry-run", false, "list the selected cells and whether this checkout can run each, and run nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for name, list := range map[string][]string{"engines": *engineNames, "workloads": *workloadNames, "cells": *cellIDs} {
		if fs.Changed(name) && len(list) == 0 {
			return &harness.UsageError{Msg: fmt.Sprintf("--%s is empty: give the names to keep, or leave it out for all", name)}
		}
	}
	if fs.Changed("repeat") && (*repeat < 1 || *repeat > harness.MaxRepeat) {
		return &harness.UsageError{Msg: fmt.Sprintf("--repeat must be in [1, %d], got %d", harness.MaxRepeat, *repeat)}
	}
	suite, err := harness.LoadSuite(*suiteArg)
	if err != nil {
		return err
	}
	dir := *out
	switch {
	case dir == "" && *resume:
		if dir, err = newestBench("results"); err != nil {
			return err
		}
	case dir == "":
		dir = filepath.Join("results", time.Now().UTC().Format("20060102T150405Z"))
	}
	if *dryRun {
		return dryRunBench(stdio, suite, dir, *resume, *repeat, *engineNames, *workloadNames, *cellIDs)
	}
	// What Bench would refuse is refused before the directory is made.
	selected := *suite
	selected.Cells = slices.Clone(suite.Cells)
	if err := selected.Select(*engineNames, *workloadNames, *cellIDs); err != nil {
		return err
	}
	if _, err := harness.CheckBenchDir(dir, suite, *resume); err != nil {
		return err
	}
	if err := resultfile.CheckWritable(filepath.Join(dir, resultfile.ManifestFile)); err != nil {
		return &harness.UsageError{Msg: fmt.Sprintf("--out %s: cannot write there: %v", dir, err)}
	}

	prog := newProgress(stdio.Out)
	reps := suite.Repeat
	if *repeat > 0 {
		reps = *repeat
	}
	fmt.Fprintf(stdio.Out, "streambench bench: suite %s (%s), %d repetitions, into %s\n", suite.Name, suite.File, reps, dir)
	m, benchErr := harness.Bench(ctx, harness.BenchConfig{
		Suite: suite, Dir: dir, Resume: *resume, Repeat: *repeat,
		Engines: *engineNames, Workloads: *workloadNames, Cells: *cellIDs,
		Command:  append([]string{"streambench", "bench"}, args...),
		Progress: prog.event,
	})
	prog.finish()
	if m == nil {
		return benchErr
	}
	printBenchSummary(stdio.Out, m, dir)
	if benchErr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; what was measured is in %s; continue with: streambench bench --suite %s --resume --out %s",
				dir, *suiteArg, dir)
		}
		return benchErr
	}
	var failed []string
	for _, c := range m.Cells {
		if c.Status == resultfile.StatusFailed {
			failed = append(failed, c.ID)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d cells failed (%s); see %s", len(failed), strings.Join(failed, ", "), filepath.Join(dir, resultfile.ManifestFile))
	}
	return nil
}

// dryRunBench refuses what the bench would refuse (its filters, its
// directory) and lists the selected cells, each with whether this checkout
// would measure it or why not; it runs nothing and writes nothing.
func dryRunBench(stdio Stdio, suite *harness.Suite, dir string, resume bool, repeat int, engineNames, workloadNames, cellIDs []string) error {
	all := len(suite.Cells)
	if err := suite.Select(engineNames, workloadNames, cellIDs); err != nil {
		return err
	}
	m, err := harness.CheckBenchDir(dir, suite, resume)
	if err != nil {
		return err
	}
	reps := suite.Repeat
	if repeat > 0 {
		reps = repeat
	}
	tw := tabwriter.NewWriter(stdio.Out, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "suite %s: %d cells", suite.Name, len(suite.Cells))
	if len(suite.Cells) < all {
		fmt.Fprintf(tw, " of %d", all)
	}
	fmt.Fprintf(tw, ", %d repetitions, into %s", reps, dir)
	if m != nil {
		fmt.Fprint(tw, " (resumed)")
	}
	fmt.Fprintln(tw)
	for _, c := range suite.Cells {
		state := "runnable"
		if reason, missing := harness.CheckCell(&c); reason != "" {
			state = "would fail: " + reason
			if missing {
				state = "missing: " + reason
			}
		} else if m != nil {
			for _, done := range m.Cells {
				if done.ID == c.ID && done.Status == resultfile.StatusDone && len(done.Sustainable()) >= max(reps, m.Repeat) {
					state = "already measured, skipped"
				}
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\n", c.ID, state)
	}
	return tw.Flush()
}

// newestBench returns the most recently written bench directory under root.
func newestBench(root string) (string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", &harness.UsageError{Msg: fmt.Sprintf("--resume: no bench to resume in %s (%v); give --out DIR", root, err)}
	}
	var best string
	var bestTime time.Time
	for _, e := range entries {
		fi, err := os.Stat(filepath.Join(root, e.Name(), resultfile.ManifestFile))
		if err != nil || !e.IsDir() {
			continue
		}
		if best == "" || fi.ModTime().After(bestTime) {
			best, bestTime = filepath.Join(root, e.Name()), fi.ModTime()
		}
	}
	if best == "" {
		return "", &harness.UsageError{Msg: fmt.Sprintf("--resume: no bench directory (one with %s) under %s; give --out DIR", resultfile.ManifestFile, root)}
	}
	return best, nil
}

// printBenchSummary prints one line per cell: its sustainable rate per
// repetition, or why it has none.
func printBenchSummary(w io.Writer, m *resultfile.Manifest, dir string) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "cell\tstatus\tsustainable records/s (per repetition)\tper core")
	for _, c := range m.Cells {
		if c.Status == resultfile.StatusSkipped {
			continue
		}
		rates, perCore := "", ""
		for i, s := range c.Sustainable() {
			if i > 0 {
				rates += ", "
				perCore += ", "
			}
			rates += count(s)
			perCore += count(s / float64(max(m.Environment.GOMAXPROCS, 1)))
		}
		if c.Reason != "" && c.Status != resultfile.StatusDone {
			rates = c.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Status, rates, perCore)
	}
	tw.Flush()
	fmt.Fprintf(w, "results in %s; report: streambench report %s\n", dir, dir)
}

// progress shows a bench's progress: on a terminal a bar redrawn in place
// under a line per finished run; otherwise (a CI log) plain lines only.
type progress struct {
	w    io.Writer
	tty  bool
	bar  bool // a bar is drawn on the last line
	last harness.BenchEvent
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device, and TERM does not say
// it cannot redraw a line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) event(ev harness.BenchEvent) {
	line := p.describe(ev)
	if p.tty {
		p.clear()
		if line != "" {
			fmt.Fprintln(p.w, line)
		}
		p.last = ev
		if ev.Kind != "done" {
			p.drawBar(ev)
		}
		return
	}
	if line != "" {
		fmt.Fprintln(p.w, line)
	}
}

// describe returns the line an event is worth, or "".
func (p *progress) describe(ev harness.BenchEvent) string {
	prefix := ""
	if ev.Cell != nil {
		prefix = fmt.Sprintf("[%d/%d] %s", ev.Index, ev.Cells, ev.Cell.ID)
	}
	switch ev.Kind {
	case "cell":
		return prefix + ": measuring"
	case "skip":
		return prefix + ": already measured, skipped"
	case "missing", "failed":
		return fmt.Sprintf("%s: %s: %s", prefix, ev.Kind, ev.Cell.Reason)
	case "run":
		if p.tty {
			return "" // the bar says it
		}
		return fmt.Sprintf("%s r%d: %s at %s ...", prefix, ev.Repetition, ev.Role, rateWords(ev.Rate))
	case "ran":
		o := ev.Outcome
		verdict := fmt.Sprintf("%s records/s processed", count(o.Throughput))
		if o.Rate > 0 {
			verdict = o.Verdict.Explain
		}
		return fmt.Sprintf("%s r%d: %s at %s: %s (%.1fs; ETA %s)", prefix, ev.Repetition, ev.Role, rateWords(ev.Rate), verdict, o.Seconds, eta(ev.ETA))
	case "done":
		return fmt.Sprintf("bench done in %s", ev.Elapsed.Round(time.Second))
	}
	return ""
}

func rateWords(r float64) string {
	if r == 0 {
		return "max rate"
	}
	return count(r) + "/s"
}

func eta(d time.Duration) string {
	if d <= 0 {
		return "unknown"
	}
	return d.Round(time.Second).String()
}

// barWidth is the width of the progress bar in characters.
const barWidth = 24

func (p *progress) drawBar(ev harness.BenchEvent) {
	filled := int(ev.Done * barWidth)
	what := ""
	if ev.Cell != nil {
		what = ev.Cell.ID
		if ev.Kind == "run" {
			what += fmt.Sprintf(" r%d %s %s", ev.Repetition, ev.Role, rateWords(ev.Rate))
		}
	}
	fmt.Fprintf(p.w, "[%s%s] %3.0f%% %s  ETA %s", strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled),
		100*ev.Done, what, eta(ev.ETA))
	p.bar = true
}

// clear erases the bar's line.
func (p *progress) clear() {
	if p.bar {
		fmt.Fprint(p.w, "\r\033[K")
		p.bar = false
	}
}

// finish leaves the terminal on a fresh line.
func (p *progress) finish() {
	if p.tty {
		p.clear()
	}
}
