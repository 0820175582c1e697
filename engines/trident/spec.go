package trident

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
)

// Settings of a Trident pipeline that are not Storm configuration keys but
// choices a Trident user makes in code: the spout's batch size and the kind
// of state. They travel with the Storm keys so that a run, a suite cell and
// a result name them the same way.
const (
	// TridentSpoutBatchSize is the most records the batch spout puts in one
	// batch (a Kafka Trident spout's max batch size).
	TridentSpoutBatchSize = "trident.batch.size"
	// TridentStateKind is the kind of exactly-once state: transactional (with a
	// transactional spout) or opaque (with an opaque spout).
	TridentStateKind = "trident.state"
	// TridentStateDir is where a pipeline's map states keep their
	// partitions, a bbolt file each (state.BoltMapFactory); empty keeps
	// them in memory, as Storm's MemoryMapState. A cluster run sets it to
	// a directory every node reaches.
	TridentStateDir = "trident.state.dir"
)

// Defaults where the settings leave a key unset.
const (
	// DefaultBatchSize is the number of records per batch.
	DefaultBatchSize = 10000
	// DefaultEmitIntervalMillis starts the next batch as soon as there is
	// room for it: Storm's 500 ms would cap a 10k-record batch at 20k
	// records/s. The coordinator still starts a batch only when the source
	// has new records (spout.Readier), so an idle source cycles no empty
	// batches.
	DefaultEmitIntervalMillis = 0
)

// Spec is what Trident offers the harness: exactly-once through a
// transactional spout and state (the default) or an opaque spout and state,
// at-most-once through non-transactional ones, and the Storm and Trident
// keys it reads.
var Spec = &engines.Spec{
	Name:        "trident",
	Description: "Storm Trident's transactional micro-batches compiled onto core: txids, ordered commits, transactional/opaque state",
	Offers: []engines.Offer{
		{Guarantee: engines.ExactlyOnce, How: "transactional spout and state", Conf: engines.Conf{TridentStateKind: "transactional"}},
		{Guarantee: engines.ExactlyOnce, How: "opaque spout and state", Conf: engines.Conf{TridentStateKind: "opaque"}},
		{Guarantee: engines.AtMostOnce, How: "non-transactional spout and state"},
	},
	WayOut: map[engines.Guarantee]string{
		engines.AtLeastOnce: "Trident has no mode that replays without undoing; for at-least-once use --engine core",
	},
	Keys:           specKeys(),
	ReadConfigFile: readConfFile,
	Flags:          map[string]string{"batch-size": TridentSpoutBatchSize, "state": TridentStateKind},
	Connectors: []engines.Connector{{
		Kind:   engines.KindSocket,
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "non-transactional batch spout over the sockets, non-transactional state"}},
		WayOut: "a socket keeps nothing to replay, and exactly-once needs a spout that can emit a batch again: use --source jetstream",
	}, {
		Kind:   engines.KindQueue,
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "non-transactional batch spout over a reader that acks each message on receipt, non-transactional state"}},
		WayOut: "a queue cannot emit a batch again by its offsets: for exactly-once read the log (--nats-class log)",
	}, {
		Kind:   engines.KindFeed,
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "non-transactional batch spout over the feed, non-transactional state"}},
		WayOut: "a feed keeps nothing to replay: for exactly-once read the log (--nats-class log)",
	}},
}

func init() {
	Spec.Check = func(conf engines.Conf, g engines.Guarantee) error { _, err := parseJobConf(conf, g); return err }
	engines.Register(Spec)
	core.RegisterKeys(TopologyTridentBatchEmitIntervalMillis, TridentMaxBatchAttempts, TridentSpoutBatchSize, TridentStateKind)
}

// specKeys lists Storm core's keys as Trident reads them, and Trident's own.
func specKeys() []engines.Key {
	keys := slices.Clone(core.Spec.Keys)
	for i, k := range keys {
		if k.Name == core.TopologyMaxSpoutPending {
			keys[i].Default = "1"
			keys[i].Doc = "batches in flight at once (Trident reads Storm's key so); one commits at a time, in txid order"
		}
	}
	keys = append(keys,
		engines.Key{Name: TopologyTridentBatchEmitIntervalMillis, Default: strconv.Itoa(DefaultEmitIntervalMillis),
			Doc: "least milliseconds between the starts of two batches (Storm's default is 500)"},
		engines.Key{Name: TridentMaxBatchAttempts, Default: strconv.Itoa(DefaultMaxBatchAttempts),
			Doc: "attempts of one batch before the run fails with its last error (Storm retries forever)"},
		engines.Key{Name: TridentSpoutBatchSize, Default: strconv.Itoa(DefaultBatchSize),
			Doc: "most records the batch spout puts in one batch"},
		engines.Key{Name: TridentStateKind, Default: "transactional",
			Doc: "exactly-once state: transactional or opaque (at-most-once uses non-transactional state)"},
		engines.Key{Name: TridentStateDir, Default: "",
			Doc: "directory of durable map state, a bbolt file per partition, reachable from every worker; empty keeps map state in memory"},
	)
	slices.SortFunc(keys, func(a, b engines.Key) int { return strings.Compare(a.Name, b.Name) })
	return keys
}

// readConfFile reads a storm.yaml-style file holding Storm's and Trident's
// keys (ReadConfigFile) as settings in text form.
func readConfFile(path string) (engines.Conf, error) {
	c, err := ReadConfigFile(path)
	if err != nil {
		return nil, err
	}
	return core.ToConf(c), nil
}

// jobConf is a Trident pipeline's settings, parsed: the Storm configuration
// to run with and the spout and state kinds.
type jobConf struct {
	conf      core.Config
	batchSize int
	kind      spout.Kind
	state     state.Type
	stateDir  string
}

// parseJobConf parses settings for a pipeline at guarantee g.
func parseJobConf(conf engines.Conf, g engines.Guarantee) (jobConf, error) {
	if err := Spec.CheckGuarantee(g); err != nil {
		return jobConf{}, err
	}
	jc := jobConf{batchSize: DefaultBatchSize}
	storm := engines.Conf{}
	trident := core.Config{TopologyTridentBatchEmitIntervalMillis: DefaultEmitIntervalMillis}
	stateName := ""
	for _, k := range conf.Keys() {
		v := conf[k]
		switch k {
		case TopologyTridentBatchEmitIntervalMillis, TridentMaxBatchAttempts:
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return jobConf{}, &engines.ConfError{Key: k, Err: fmt.Errorf("value %q is not an integer", v)}
			}
			trident[k] = n
		case TridentSpoutBatchSize:
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return jobConf{}, &engines.ConfError{Key: k, Err: fmt.Errorf("value %q is not a batch size of at least 1", v)}
			}
			jc.batchSize = n
		case TridentStateKind:
			stateName = v
		case TridentStateDir:
			jc.stateDir = v
		default:
			storm[k] = v
		}
	}
	c, err := parseStormConf(storm)
	if err != nil {
		return jobConf{}, err
	}
	for k, v := range trident {
		c[k] = v
	}
	if _, _, err := splitConfig(c); err != nil {
		return jobConf{}, err
	}
	jc.conf = c
	switch g {
	case engines.ExactlyOnce:
		switch stateName {
		case "", "transactional":
			jc.kind, jc.state = spout.Transactional, state.Transactional
		case "opaque":
			jc.kind, jc.state = spout.Opaque, state.Opaque
		default:
			return jobConf{}, &engines.ConfError{Key: TridentStateKind, Err: fmt.Errorf("unknown trident state %q (known: transactional, opaque)", stateName)}
		}
	case engines.AtMostOnce:
		if stateName != "" {
			return jobConf{}, &engines.ConfError{Key: TridentStateKind, Err: fmt.Errorf("%s applies to exactly-once; at-most-once uses non-transactional state", stateName)}
		}
		jc.kind, jc.state = spout.NonTransactional, state.NonTransactional
	}
	return jc, nil
}

// parseStormConf parses Storm's keys, naming an unknown one's closest
// match among Storm's and Trident's keys.
func parseStormConf(conf engines.Conf) (core.Config, error) {
	c, err := core.ParseConf(conf)
	var ce *engines.ConfError
	if errors.As(err, &ce) && errors.Is(err, engines.ErrUnknownKey) {
		return nil, engines.UnknownKey(Spec.Name, ce.Key, Spec.KeyNames())
	}
	return c, err
}

// Plan is what a pipeline's build function gets from JobFor: the run's
// source as a Trident spout of the kind the guarantee needs, the state type
// to persist with, and the sink.
type Plan struct {
	Source engines.Source
	Sink   engines.Sink
	// Spout reads Source; its tuples are spout.SourceFields.
	Spout spout.TridentSpout
	// StateType is the type of every map state of the pipeline.
	StateType state.Type
	// Parallelism is the run's parallelism.
	Parallelism int
	// StateDir, when set, is where MapState keeps its partitions
	// (trident.state.dir).
	StateDir string
	states   *int // map states made, naming the next one's files
}

// SpoutParallelism is the spout's parallelism: one task per partition at
// most, as a Kafka spout has.
func (pl Plan) SpoutParallelism() int { return min(pl.Parallelism, pl.Source.Partitions()) }

// MapState returns a new map state factory of the plan's type: in memory,
// or with StateDir set durable, a bbolt file per partition named after the
// order of the pipeline's MapState calls ("map-0", "map-1", ...), which is
// the same in every worker that builds the topology.
func (pl Plan) MapState() state.Factory {
	if pl.StateDir == "" {
		return state.NewMemoryMapStateFactory(pl.StateType)
	}
	n := 0
	if pl.states != nil {
		n = *pl.states
		*pl.states++
	}
	return &state.BoltMapFactory{Type: pl.StateType, Dir: pl.StateDir, Name: "map-" + strconv.Itoa(n)}
}

// SinkState returns the plan's sink as a state of the plan's type.
func (pl Plan) SinkState() state.Factory { return &SinkStateFactory{Sink: pl.Sink, Type: pl.StateType} }

// JobFor returns the Job that runs the topology build returns, named name
// and configured for opts: its settings (Storm's keys, Trident's, the batch
// size) and the guarantee mapped to the spout and state kinds that give it
// (see Spec). At-least-once is refused with the way out: Storm core.
func JobFor(name string, opts engines.Options, build func(Plan) (*TridentTopology, error)) (*Job, error) {
	if opts.Parallelism < 1 {
		return nil, fmt.Errorf("parallelism must be at least 1, got %d", opts.Parallelism)
	}
	jc, err := parseJobConf(opts.Conf, opts.Guarantee)
	if err != nil {
		return nil, err
	}
	j, err := NewJob(name, jc.conf, func(src engines.Source, sink engines.Sink) (*TridentTopology, error) {
		sp, err := spout.NewSourceSpout(src, jc.kind, jc.batchSize)
		if err != nil {
			return nil, err
		}
		return build(Plan{Source: src, Sink: sink, Spout: sp, StateType: jc.state, Parallelism: opts.Parallelism,
			StateDir: jc.stateDir, states: new(int)})
	})
	if err != nil {
		return nil, err
	}
	j.extra = engines.Settings{TridentSpoutBatchSize: jc.batchSize, TridentStateKind: jc.state.String()}
	if jc.stateDir != "" {
		j.extra[TridentStateDir] = jc.stateDir
	}
	return j, nil
}
