package core

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/streambench/streambench/engines"
)

// DefaultMaxSpoutPending is the per-spout-task bound on tuple trees in flight
// at at-least-once when the settings leave topology.max.spout.pending unset:
// Storm's advice, since without it pending tuples grow without limit.
const DefaultMaxSpoutPending = 4096

// Spec is what Storm core offers the harness: at-least-once through ackers
// and a replaying spout (the default), at-most-once with no ackers, and the
// Storm keys this package implements.
var Spec = &engines.Spec{
	Name:        "core",
	Description: "Apache Storm's one-at-a-time model: spouts, bolts, groupings, the XOR acker (local mode)",
	Offers: []engines.Offer{
		{Guarantee: engines.AtLeastOnce, How: "ackers and a replaying spout"},
		{Guarantee: engines.AtMostOnce, How: "no ackers"},
	},
	WayOut: map[engines.Guarantee]string{
		engines.ExactlyOnce: "for exactly-once use --engine trident",
	},
	Keys:           specKeys(keys),
	ReadConfigFile: ReadConfFile,
	Connectors: []engines.Connector{
		{Kind: engines.KindQueue, Offers: []engines.Offer{
			{Guarantee: engines.AtLeastOnce, How: "a spout that acks the queue's message once every tuple tree it produced completes, and gives it back for redelivery when one fails"},
			{Guarantee: engines.AtMostOnce, How: "no ackers: each message is acked as its records are emitted"},
		}, WayOut: "a queue redelivers whole messages, so Storm core gives at-least-once over it; for exactly-once use --engine trident over a replayable log (--source jetstream)"},
		{Kind: engines.KindFeed, Offers: []engines.Offer{
			{Guarantee: engines.AtMostOnce, How: "a spout polling what a reader goroutine takes off the feed, no ackers"},
		}, WayOut: "a feed keeps nothing to replay: for at-least-once read a queue (--nats-class queue) or the log (--nats-class log)"},
		{
			Kind:   engines.KindSocket,
			Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "a spout polling what a reader goroutine takes off each socket, no ackers"}},
			WayOut: "a socket keeps nothing to replay: for at-least-once use --source jetstream",
		},
	},
}

func init() {
	Spec.Check = func(conf engines.Conf, g engines.Guarantee) error { _, _, err := jobConfigs(conf, g); return err }
	engines.Register(Spec)
}

// specKeys lists a key table for a Spec, sorted, defaults as text.
func specKeys(table map[string]keySpec) []engines.Key {
	out := make([]engines.Key, 0, len(table))
	for k, s := range table {
		if k == TopologyName {
			continue // SubmitTopology sets it
		}
		key := engines.Key{Name: k, Default: FormatValue(s.def), Doc: s.doc}
		if k == TopologyMaxSpoutPending {
			key.Doc += fmt.Sprintf("; unset at at-least-once, %d", DefaultMaxSpoutPending)
		}
		out = append(out, key)
	}
	for k, why := range noEffectKeys {
		out = append(out, engines.Key{Name: k, Doc: NoEffectNote + ": in Storm, " + why})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FormatValue writes a configuration value as text, the way ParseConf
// reads it back: null for nil.
func FormatValue(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

// ParseConf turns settings given as text (key=value on a command line or in
// a suite) into a Config, reading each value as its key's type: an integer,
// a number, true or false, a string, or null where Storm allows it. A
// Storm key this package does not implement is kept as text, with no
// effect (Job.Settings marks it so). A value of the wrong type or range is
// an *engines.ConfError naming the key, and so is any other key: a typo
// gets the closest known key, and a key of the user's own, which Storm
// would pass to components, is refused too, since no streambench workload
// reads one and a setting that does nothing is refused.
func ParseConf(conf engines.Conf) (Config, error) {
	return parseConf(conf, keys)
}

func parseConf(conf engines.Conf, table map[string]keySpec) (Config, error) {
	out := make(Config, len(conf))
	for _, k := range conf.Keys() {
		text := conf[k]
		s, ok := table[k]
		if !ok {
			class, near := classify(k)
			switch class {
			case keyNoEffect:
				out[k] = text
				continue
			case keyTypo:
				return nil, engines.UnknownKey("core", k, []string{near})
			}
			if best := engines.Closest(k, slices.Collect(maps.Keys(table))); best != "" {
				return nil, engines.UnknownKey("core", k, []string{best})
			}
			return nil, &engines.ConfError{Key: k, Err: fmt.Errorf("%w: engine core has no such setting; Storm passes a key of your own to your components, but no streambench workload reads one, so it would do nothing (see 'streambench list --engine core')", engines.ErrUnknownKey)}
		}
		v, err := parseValue(s, text)
		if err != nil {
			return nil, &engines.ConfError{Key: k, Err: err}
		}
		if _, cerr := checkIn(table, k, v); cerr != nil {
			return nil, &engines.ConfError{Key: k, Err: errors.New(cerr.Reason)}
		}
		out[k] = v
	}
	return out, nil
}

// parseValue reads text as a value of the key's kind.
func parseValue(s keySpec, text string) (any, error) {
	t := strings.TrimSpace(text)
	if t == "null" || t == "~" {
		return nil, nil
	}
	switch s.kind {
	case kindInt:
		n, err := strconv.Atoi(t)
		if err != nil {
			return nil, fmt.Errorf("value %q is not an integer", text)
		}
		return n, nil
	case kindFloat:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a number", text)
		}
		return f, nil
	case kindBool:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return nil, fmt.Errorf("value %q is not true or false", text)
		}
		return b, nil
	}
	return text, nil
}

// ReadConfFile reads a storm.yaml-style file (ReadConfigFile) as settings
// in text form, for engines.Spec.ReadConfigFile.
func ReadConfFile(path string) (engines.Conf, error) {
	c, err := ReadConfigFile(path)
	if err != nil {
		return nil, err
	}
	return ToConf(c), nil
}

// ToConf writes a Config's values as text.
func ToConf(c Config) engines.Conf {
	out := make(engines.Conf, len(c))
	for k, v := range c {
		out[k] = FormatValue(v)
	}
	return out
}

// jobConfigs maps settings and a guarantee onto the two layers a Job runs
// with: the user's settings as the storm.yaml layer, and the guarantee's
// acking settings as the topology config above it. At-most-once runs no
// ackers: nothing is tracked and a lost tuple stays lost. At-least-once
// runs Storm's ackers with topology.max.spout.pending bounded unless the
// settings bound it, and is refused when the settings turn ackers off.
func jobConfigs(conf engines.Conf, g engines.Guarantee) (user, topology Config, err error) {
	if err := Spec.CheckGuarantee(g); err != nil {
		return nil, nil, err
	}
	user, err = ParseConf(conf)
	if err != nil {
		return nil, nil, err
	}
	topology = Config{}
	switch g {
	case engines.AtMostOnce:
		topology.SetNumAckers(0)
	case engines.AtLeastOnce:
		if n, ok := user.Int(TopologyAckerExecutors); ok && n == 0 {
			return nil, nil, &engines.ConfError{Key: TopologyAckerExecutors, Err: errors.New("0 turns ackers off, and at-least-once needs ackers; leave it unset or use at least 1")}
		}
		if _, ok := user[TopologyMaxSpoutPending]; !ok {
			topology.SetMaxSpoutPending(DefaultMaxSpoutPending)
		}
	}
	return user, topology, nil
}

// JobFor returns the Job that runs the topology build returns, named name,
// configured for opts: opts.Conf as the storm.yaml layer and the guarantee
// mapped to Storm's acking settings above it (see Spec). Exactly-once is
// refused with the way out: Trident.
func JobFor(name string, opts engines.Options, build func(src engines.Source, sink engines.Sink) (*StormTopology, error), jobOpts ...JobOption) (*Job, error) {
	if opts.Parallelism < 1 {
		return nil, fmt.Errorf("parallelism must be at least 1, got %d", opts.Parallelism)
	}
	user, topology, err := jobConfigs(opts.Conf, opts.Guarantee)
	if err != nil {
		return nil, err
	}
	return NewJob(name, user, topology, build, jobOpts...)
}
