package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// TestBenchQuickAndReport runs one cell of the quick suite for real,
// resumes it (nothing left to do), and reports it.
func TestBenchQuickAndReport(t *testing.T) {
	if testing.Short() {
		t.Skip("a real bench cell takes about ten seconds")
	}
	dir := filepath.Join(t.TempDir(), "bench")
	args := []string{"bench", "--suite", "quick", "--cells", "baseline-at-most-once/wordcount", "--out", dir}
	code, stdout, stderr := cli(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"streambench bench: suite quick", "[1/1] baseline-at-most-once/wordcount r1: calibration at max rate",
		"probe at", "load at", "ETA", "bench done in", "baseline-at-most-once/wordcount  done", "report: streambench report " + dir} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\r") {
		t.Errorf("plain output (not a terminal) holds a carriage return")
	}
	m, err := resultfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Cells[0]; c.Status != resultfile.StatusDone || len(c.Sustainable()) != 1 || c.Sustainable()[0] <= 0 {
		t.Fatalf("cell %+v", c)
	}
	if m.Cells[1].Status != resultfile.StatusSkipped {
		t.Errorf("unselected cell: %s", m.Cells[1].Status)
	}

	// Resuming runs nothing more for the cell already measured.
	before, _ := os.ReadDir(dir)
	code, stdout, _ = cli(t, append(args, "--resume")...)
	if code != 0 || !strings.Contains(stdout, "already measured, skipped") {
		t.Errorf("resume: exit %d\n%s", code, stdout)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("resume wrote files: %d, then %d", len(before), len(after))
	}

	out := filepath.Join(t.TempDir(), "r.html")
	code, stdout, stderr = cli(t, "report", dir, "-o", out)
	if code != 0 || !strings.Contains(stdout, out) {
		t.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	html, _ := os.ReadFile(out)
	for _, want := range []string{"The deck's Performance table, measured", "baseline-at-most-once", "<svg", "core-at-least-once/wordcount", "skipped"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Without -o the report goes into the directory.
	if code, _, stderr := cli(t, "report", dir); code != 0 {
		t.Errorf("report without -o: exit %d: %s", code, stderr)
	} else if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Error(err)
	}
}

// TestBenchAndReportBadInput: bad flags, suites and directories are one
// line naming the problem, exit 2.
func TestBenchAndReportBadInput(t *testing.T) {
	dir := t.TempDir()
	badSuite := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badSuite, []byte("name: x\ncells:\n  - engine: core\n    workload: wordcount\n    probez: 3s\n"), 0o644)
	used := filepath.Join(dir, "used")
	os.MkdirAll(used, 0o755)
	os.WriteFile(filepath.Join(used, resultfile.ManifestFile), []byte(`{"bench_schema": 1, "suite": "quick", "cells": []}`), 0o644)
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, "r.json"), []byte(`{"schema": 1, "engine": "core"`), 0o644)
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown suite", []string{"bench", "--suite", "quik"}, `unknown suite "quik"`},
		{"bad suite file", []string{"bench", "--suite", badSuite}, badSuite + ":5: cells[0].probez: unknown key"},
		{"unknown engine filter", []string{"bench", "--suite", "quick", "--engines", "stormm", "--out", filepath.Join(dir, "x")}, `--engines stormm: suite quick has no such cell`},
		{"bad repeat", []string{"bench", "--suite", "quick", "--repeat", "-1"}, "--repeat must be in [1, 100], got -1"},
		{"existing bench", []string{"bench", "--suite", "quick", "--out", used}, "already holds a bench"},
		{"stray argument", []string{"bench", "extra"}, `unexpected argument "extra"`},
		{"report without dir", []string{"report"}, "report needs one results directory"},
		{"report of a file", []string{"report", badSuite}, "is not a results directory"},
		{"report of corrupt results", []string{"report", corrupt}, filepath.Join(corrupt, "r.json") + ": bad result file: truncated"},
		{"report of nothing", []string{"report", empty}, "no result files"},
		{"report bad flag", []string{"report", empty, "--colour"}, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (%s)", code, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
		})
	}
}

func TestBenchDryRun(t *testing.T) {
	code, stdout, stderr := cli(t, "bench", "--suite", "deck", "--engines", "baseline", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"suite deck: 4 cells", "baseline-at-most-once/wordcount  runnable"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, stdout)
		}
	}
	if entries, _ := os.ReadDir("results"); len(entries) > 0 {
		t.Errorf("a dry run wrote results: %v", entries)
	}
}

// TestProgressOnTerminal: on a terminal the progress is a bar redrawn in
// place, under one line per finished run.
func TestProgressOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true}
	cell := &resultfile.CellRecord{Cell: resultfile.Cell{ID: "core-at-least-once/wordcount"}}
	p.event(harness.BenchEvent{Kind: "cell", Cell: cell, Index: 1, Cells: 3})
	p.event(harness.BenchEvent{Kind: "run", Cell: cell, Index: 1, Cells: 3, Repetition: 1, Role: resultfile.RoleProbe, Rate: 80000, Done: 0.25, ETA: 90 * time.Second})
	out := &resultfile.ProbeOutcome{Role: resultfile.RoleProbe, Rate: 80000, Seconds: 4.2, Verdict: resultfile.Verdict{Explain: "sustainable: fine"}}
	p.event(harness.BenchEvent{Kind: "ran", Cell: cell, Index: 1, Cells: 3, Repetition: 1, Role: resultfile.RoleProbe, Rate: 80000, Outcome: out, Done: 0.5, ETA: 60 * time.Second})
	p.finish()
	s := buf.String()
	for _, want := range []string{
		"[1/3] core-at-least-once/wordcount: measuring\n",
		"[======      ]  25% core-at-least-once/wordcount r1 probe 80,000/s  ETA 1m30s",
		"\r\033[K[1/3] core-at-least-once/wordcount r1: probe at 80,000/s: sustainable: fine (4.2s; ETA 1m0s)\n",
		"[============            ]  50%",
	} {
		if !strings.Contains(s, strings.ReplaceAll(want, "[======      ]", "[======                  ]")) {
			t.Errorf("terminal output lacks %q:\n%q", want, s)
		}
	}
	if !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("the bar is not cleared at the end: %q", s)
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}
