package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness"
)

// runList prints what streambench knows, one line each.
func runList(_ context.Context, args []string, stdio Stdio) error {
	fs := newFlagSet("list", "list [--workload NAME | --engine NAME]", stdio)
	workload := fs.String("workload", "", "list the parameters of this workload")
	engine := fs.String("engine", "", "list the guarantees and settings of this engine")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *workload != "" && *engine != "" {
		return &harness.UsageError{Msg: "list: give one of --workload and --engine, not both"}
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
	if *engine != "" {
		return listEngine(tw, *engine)
	}
	fmt.Fprintln(tw, "engines:")
	for _, e := range engines.Specs() {
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

// listEngine prints an engine's guarantees, how it gives each, and every
// setting it knows with its default.
func listEngine(tw *tabwriter.Writer, name string) error {
	spec, err := harness.LookupEngine(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "%s: %s\n", spec.Name, spec.Description)
	fmt.Fprintln(tw, "guarantees (set with --guarantee; the first is the default):")
	for _, o := range spec.Offers {
		how := o.How
		for _, k := range o.Conf.Keys() {
			how += fmt.Sprintf(" (%s=%s)", k, o.Conf[k])
		}
		fmt.Fprintf(tw, "  %s\t%s\n", o.Guarantee, how)
	}
	fmt.Fprintln(tw, "sources (--source, --nats-class): the log with every guarantee above, and")
	for _, k := range engines.SourceKinds[1:] {
		c, ok := spec.Connector(k)
		if !ok {
			fmt.Fprintf(tw, "  %s\tno connector\n", k)
			continue
		}
		for _, o := range c.Offers {
			fmt.Fprintf(tw, "  %s\t%s: %s\n", k, o.Guarantee, o.How)
		}
	}
	if len(spec.Keys) == 0 {
		fmt.Fprintln(tw, "settings: none")
		return nil
	}
	fmt.Fprintln(tw, "settings (set with --conf key=value, or engine_conf: in a suite):")
	for _, k := range spec.Keys {
		def := k.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k.Name, def, k.Doc)
	}
	var flags []string
	for _, f := range harness.EngineFlags() {
		if key, ok := f.Keys[spec.Name]; ok {
			flags = append(flags, fmt.Sprintf("--%s for %s", f.Name, key))
		}
	}
	if spec.ReadConfigFile != nil {
		flags = append(flags, "--config FILE for a file of them")
	}
	if len(flags) > 0 {
		fmt.Fprintf(tw, "shorthands: %s\n", strings.Join(flags, ", "))
	}
	return nil
}
