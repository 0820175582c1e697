package workloads

import (
	"fmt"
	"slices"

	"github.com/streambench/streambench/engines"
)

// Pipelines maps an engine's name to the function that builds a workload's
// pipeline on that engine from an instance I of the workload. A workload
// keeps one, and its Instance's Engines and Pipeline are Names and Build.
type Pipelines[I any] map[string]func(I, engines.Options) (engines.Engine, error)

// Names returns the engines that have a pipeline, sorted.
func (p Pipelines[I]) Names() []string {
	names := make([]string, 0, len(p))
	for name := range p {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Build builds the pipeline of workload (its name, for errors) on engine.
// An engine without one is ErrUnsupportedEngine. The options are checked
// against the engine's Spec first (the parallelism, a guarantee the engine
// offers, its settings), so a pipeline function only maps them onto the
// engine's API.
func (p Pipelines[I]) Build(workload string, in I, engine string, opts engines.Options) (engines.Engine, error) {
	build, ok := p[engine]
	if !ok {
		return nil, fmt.Errorf("%s on %q: %w", workload, engine, ErrUnsupportedEngine)
	}
	spec, err := engines.Lookup(engine)
	if err != nil {
		return nil, err
	}
	if err := spec.CheckOptions(opts); err != nil {
		return nil, err
	}
	return build(in, opts)
}
