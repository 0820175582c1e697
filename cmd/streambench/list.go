package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness"
)

// runList prints what streambench knows, one line each.
func runList(_ context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("list", "list [--workload NAME]", stdio)
	workload := fs.String("workload", "", "list the parameters of this workload")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdio.Out, 2, 8, 2, ' ', 0)
	defer tw.Flush()
	if *workload != "" {
		w, err := harness.LookupWorkload(*workload)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s: %s\n", w.Name, w.Description)
		fmt.Fprintln(tw, "parameters (set with --param name=value):")
		for _, p := range w.Params {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, p.Default, p.Description)
		}
		return nil
	}
	fmt.Fprintln(tw, "engines:")
	for _, e := range harness.Engines {
		fmt.Fprintf(tw, "  %s\t%s\n", e.Name, e.Description)
	}
	fmt.Fprintln(tw, "workloads:")
	for _, w := range harness.Workloads {
		fmt.Fprintf(tw, "  %s\t%s\n", w.Name, w.Description)
	}
	fmt.Fprintln(tw, "guarantees:")
	for _, g := range engines.Guarantees {
		fmt.Fprintf(tw, "  %s\t%s\n", g, g.Description())
	}
	fmt.Fprintln(tw, "sources:")
	for _, s := range harness.Sources {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.Description)
	}
	return nil
}
