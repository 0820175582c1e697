package corepipe

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads"
)

// DefaultMaxSpoutPending is the per-spout-task bound on records in flight
// at at-least-once, unless the configuration file sets one.
const DefaultMaxSpoutPending = 4096

// NewJob returns the core job that runs the topology build returns, named
// name, configured for opts: opts.ConfigFile as the storm.yaml layer, and
// the guarantee mapped to Storm's acking settings above it. At-most-once
// runs no ackers: nothing is tracked and a lost tuple stays lost.
// At-least-once runs Storm's ackers with topology.max.spout.pending bounded
// (Storm's advice: without it pending tuples grow without limit), and is
// refused when the file turns ackers off. Exactly-once is not what Storm
// core offers and is refused with the way out: Trident.
func NewJob(name string, opts workloads.Options, build func(src engines.Source, sink engines.Sink) (*core.StormTopology, error), jobOpts ...core.JobOption) (*core.Job, error) {
	fileConf := core.Config{}
	if opts.ConfigFile != "" {
		c, err := core.ReadConfigFile(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		fileConf = c
	}
	conf := core.Config{}
	switch opts.Guarantee {
	case engines.AtMostOnce:
		conf.SetNumAckers(0)
	case engines.AtLeastOnce:
		if n, ok := fileConf.Int(core.TopologyAckerExecutors); ok && n == 0 {
			return nil, fmt.Errorf("at-least-once needs ackers, but %s sets %s: 0", opts.ConfigFile, core.TopologyAckerExecutors)
		}
		if _, ok := fileConf[core.TopologyMaxSpoutPending]; !ok {
			conf.SetMaxSpoutPending(DefaultMaxSpoutPending)
		}
	default:
		return nil, fmt.Errorf("storm core offers at-most-once (no ackers) and at-least-once (ackers and a replaying spout), not %s; for exactly-once use --engine trident", opts.Guarantee)
	}
	return core.NewJob(name, fileConf, conf, build, jobOpts...)
}
