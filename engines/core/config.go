package core

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/streambench/streambench/engines"
	"go.yaml.in/yaml/v3"
)

// Config is a topology's configuration: Storm's Config, a map from Storm's
// dotted key names to values. The effective configuration of a component is
// built as in Storm, each layer overriding the one before:
//
//	built-in defaults (Storm's defaults.yaml)
//	< the cluster's storm.yaml (ReadConfigFile, LocalCluster's WithConfig)
//	< the Config passed to SubmitTopology
//	< the component's own configuration (declarer's AddConfiguration)
//
// Every key is checked when the topology is submitted, as Storm takes keys
// but without its silence about typos (see config_storm_keys.go): a key
// this package implements with a value of the wrong type or outside its
// range is a *ConfigError naming the key; a key Storm defines for what this
// package does not have (topology.worker.childopts) is accepted with no
// effect; a key of the user's own is passed to components' Prepare and
// Open as Storm passes it; and a key one or two edits from a known key of
// its namespace ("topology.worker") is a *ConfigError suggesting that key.
type Config map[string]any

// Storm's configuration keys understood by this package.
const (
	TopologyWorkers                     = "topology.workers"
	TopologyAckerExecutors              = "topology.acker.executors"
	TopologyMaxSpoutPending             = "topology.max.spout.pending"
	TopologyMessageTimeoutSecs          = "topology.message.timeout.secs"
	TopologyEnableMessageTimeouts       = "topology.enable.message.timeouts"
	TopologyExecutorReceiveBufferSize   = "topology.executor.receive.buffer.size"
	TopologyProducerBatchSize           = "topology.producer.batch.size"
	TopologyTickTupleFreqSecs           = "topology.tick.tuple.freq.secs"
	TopologyDebug                       = "topology.debug"
	TopologyStatsSampleRate             = "topology.stats.sample.rate"
	TopologySpoutWaitSleepMillis        = "topology.spout.wait.progressive.level3.sleep.millis"
	TopologyName                        = "topology.name"
	TopologyFallBackOnJavaSerialization = "topology.fall.back.on.java.serialization"
	TopologyShellBoltMaxPending         = "topology.shellbolt.max.pending"
	TopologyMultilangSerializer         = "topology.multilang.serializer"
	TopologySubprocessTimeoutSecs       = "topology.subprocess.timeout.secs"
	SupervisorWorkerTimeoutSecs         = "supervisor.worker.timeout.secs"
	DRPCRequestTimeoutSecs              = "drpc.request.timeout.secs"
	DRPCHTTPPort                        = "drpc.http.port"
	DRPCInvocationsPort                 = "drpc.invocations.port"
	DRPCMaxBufferSize                   = "drpc.max_buffer_size"
)

// MultilangJSONSerializer is the only multi-lang serializer: JSON, as
// Storm's default org.apache.storm.multilang.JsonSerializer (also accepted
// by that name).
const MultilangJSONSerializer = "json"

// kind is the type a configuration key takes.
type kind int

const (
	kindInt kind = iota
	kindBool
	kindFloat
	kindString
)

// keySpec describes one key: its type, whether null is allowed (Storm's
// "null" defaults), its range, and its built-in default.
type keySpec struct {
	kind     kind
	nullable bool
	min      float64
	max      float64
	pow2     bool
	oneOf    []string // for strings: the values allowed, if any
	def      any
	doc      string
}

// keys is the table of known keys, with Storm 2's defaults from its
// conf/defaults.yaml except where noted.
var keys = map[string]keySpec{
	TopologyWorkers: {kind: kindInt, min: 1, max: 1 << 16, def: 1,
		doc: "worker processes (goroutine groups in local mode) the topology runs on"},
	TopologyAckerExecutors: {kind: kindInt, nullable: true, min: 0, max: 1 << 16, def: nil,
		doc: "acker executors; null means one per worker, 0 turns tracking off (at-most-once)"},
	TopologyMaxSpoutPending: {kind: kindInt, nullable: true, min: 1, max: math.MaxInt32, def: nil,
		doc: "un-acked tuples a spout task may have in flight; null means no limit"},
	TopologyMessageTimeoutSecs: {kind: kindInt, min: 1, max: 1 << 20, def: 30,
		doc: "seconds a tuple tree may take before the spout fails it"},
	TopologyEnableMessageTimeouts: {kind: kindBool, def: true,
		doc: "whether incomplete tuple trees time out"},
	TopologyExecutorReceiveBufferSize: {kind: kindInt, min: 1, max: 1 << 24, pow2: true, def: 32768,
		doc: "tuples an executor's receive queue holds (a power of two)"},
	// Storm 2 defaults to 1 and flushes partial batches on a timer
	// (topology.batch.flush.interval.millis). Executors here flush every
	// partial batch as soon as their input queue runs dry, so a larger
	// batch costs no latency and the default is 100.
	TopologyProducerBatchSize: {kind: kindInt, min: 1, max: 1 << 16, def: 100,
		doc: "tuples an executor batches per destination task before handing them over"},
	TopologyExecutorStuckReportSecs: {kind: kindInt, nullable: true, min: 1, max: 1 << 20, def: 60,
		doc: "seconds a task may stay in one Execute or NextTuple call before it is reported as stuck (its error); null turns the report off"},
	TopologyTickTupleFreqSecs: {kind: kindInt, nullable: true, min: 1, max: 1 << 20, def: nil,
		doc: "seconds between tick tuples sent to every bolt; null means none"},
	TopologyDebug: {kind: kindBool, def: false,
		doc: "log every emitted tuple"},
	TopologyStatsSampleRate: {kind: kindFloat, min: 0.0001, max: 1, def: 0.05,
		doc: "fraction of tuples whose latencies are measured"},
	TopologySpoutWaitSleepMillis: {kind: kindInt, min: 0, max: 1000, def: 1,
		doc: "milliseconds an idle spout sleeps once spinning and yielding found nothing to emit"},
	TopologyName: {kind: kindString, def: "",
		doc: "the topology's name, set by SubmitTopology"},
	// Storm 2 turned its fallback to Java serialization off by default, so
	// that an unregistered type fails loudly; the fallback here is
	// encoding/gob, for types registered with gob.Register (see codec.go).
	TopologyFallBackOnJavaSerialization: {kind: kindBool, def: false,
		doc: "between worker processes, encode tuple values of types without a RegisterSerialization with encoding/gob (types registered with gob.Register)"},
	TopologyShellBoltMaxPending: {kind: kindInt, min: 1, max: math.MaxInt32, def: 100,
		doc: "tuples a ShellBolt may have sent to its subprocess and not yet seen acked or failed"},
	TopologyMultilangSerializer: {kind: kindString, oneOf: []string{MultilangJSONSerializer, "org.apache.storm.multilang.JsonSerializer"}, def: MultilangJSONSerializer,
		doc: "how multi-lang messages are encoded; json only"},
	TopologySubprocessTimeoutSecs: {kind: kindInt, nullable: true, min: 1, max: 1 << 20, def: nil,
		doc: "seconds a ShellBolt or ShellSpout subprocess may go without a heartbeat before it is killed; null means supervisor.worker.timeout.secs"},
	SupervisorWorkerTimeoutSecs: {kind: kindInt, min: 1, max: 1 << 20, def: 30,
		doc: "seconds a worker, or a multi-lang subprocess, may go without a heartbeat"},
	DRPCRequestTimeoutSecs: {kind: kindInt, min: 1, max: 1 << 20, def: 600,
		doc: "seconds a DRPC request waits for its result (streambench drpc --timeout)"},
	DRPCHTTPPort: {kind: kindInt, min: 0, max: 65535, def: 3774,
		doc: "port of the DRPC server's HTTP client endpoint (streambench drpc --http-port)"},
	DRPCInvocationsPort: {kind: kindInt, min: 0, max: 65535, def: 3773,
		doc: "port of the DRPC server's invocations endpoint, which topologies use (streambench drpc --invocations-port)"},
	DRPCMaxBufferSize: {kind: kindInt, min: 1, max: 1 << 30, def: 1 << 20,
		doc: "bytes of the largest DRPC arguments, result or failure message"},
}

// DefaultConfig returns Storm's built-in defaults for every known key.
func DefaultConfig() Config {
	c := make(Config, len(keys))
	for k, s := range keys {
		c[k] = s.def
	}
	return c
}

// ConfigKeys returns the known keys, sorted, each with a one-line description.
func ConfigKeys() [][2]string {
	out := make([][2]string, 0, len(keys))
	for k, s := range keys {
		out = append(out, [2]string{k, s.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// SetNumWorkers sets topology.workers.
func (c Config) SetNumWorkers(n int) { c[TopologyWorkers] = n }

// SetNumAckers sets topology.acker.executors; 0 turns reliability off.
func (c Config) SetNumAckers(n int) { c[TopologyAckerExecutors] = n }

// SetMaxSpoutPending sets topology.max.spout.pending.
func (c Config) SetMaxSpoutPending(n int) { c[TopologyMaxSpoutPending] = n }

// SetMessageTimeoutSecs sets topology.message.timeout.secs.
func (c Config) SetMessageTimeoutSecs(n int) { c[TopologyMessageTimeoutSecs] = n }

// SetDebug sets topology.debug.
func (c Config) SetDebug(b bool) { c[TopologyDebug] = b }

// SetTickTupleFreqSecs sets topology.tick.tuple.freq.secs.
func (c Config) SetTickTupleFreqSecs(n int) { c[TopologyTickTupleFreqSecs] = n }

// Validate checks every key of c against the known keys; source names
// where c came from in the error.
func (c Config) Validate(source string) error {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	var errs []error
	for _, k := range names {
		if _, err := checkKey(k, c[k]); err != nil {
			err.Source = source
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkKey validates one key and returns its value normalised (integers as
// int, numbers as float64) for an implemented key, and as given for a key
// with no effect or of the user's own.
func checkKey(k string, v any) (any, *ConfigError) {
	switch class, near := classify(k); class {
	case keyNoEffect, keyOwn:
		return v, nil
	case keyTypo:
		return nil, &ConfigError{Key: k, Value: v, Reason: fmt.Sprintf("unknown key (did you mean %q?); a key of your own must not be this close to one of Storm's", near)}
	}
	return checkIn(keys, k, v)
}

// checkIn validates one key against a table of keys.
func checkIn(table map[string]keySpec, k string, v any) (any, *ConfigError) {
	s, ok := table[k]
	if !ok {
		return nil, &ConfigError{Key: k, Value: v, Reason: "unknown key" + suggestIn(k, table)}
	}
	if v == nil {
		if s.nullable {
			return nil, nil
		}
		return nil, &ConfigError{Key: k, Reason: fmt.Sprintf("must not be null (default %v)", s.def)}
	}
	bad := func(want string) *ConfigError {
		return &ConfigError{Key: k, Value: v, Reason: fmt.Sprintf("value %s is not %s", valueWords(v), want)}
	}
	switch s.kind {
	case kindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("a boolean")
		}
		return b, nil
	case kindString:
		str, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		if len(s.oneOf) > 0 && !slices.Contains(s.oneOf, str) {
			return nil, bad("one of " + strings.Join(s.oneOf, ", "))
		}
		return str, nil
	case kindInt:
		n, ok := asInt(v)
		if !ok {
			return nil, bad("an integer")
		}
		if float64(n) < s.min || float64(n) > s.max {
			return nil, bad(rangeWords(s.min, s.max))
		}
		if s.pow2 && n&(n-1) != 0 {
			return nil, bad("a power of two")
		}
		return n, nil
	case kindFloat:
		f, ok := asFloat(v)
		if !ok {
			return nil, bad("a number")
		}
		if !(f >= s.min && f <= s.max) { // NaN too
			return nil, bad(rangeWords(s.min, s.max))
		}
		return f, nil
	}
	return nil, bad("valid")
}

// valueWords writes a config value for an error: text quoted, numbers and
// booleans as written.
func valueWords(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprint(v)
}

// rangeWords writes a key's range as whole numbers where it is one.
func rangeWords(lo, hi float64) string {
	return fmt.Sprintf("in [%s, %s]", strconv.FormatFloat(lo, 'f', -1, 64), strconv.FormatFloat(hi, 'f', -1, 64))
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int(n), true
	case float64:
		// JSON and some YAML writers give integers as floats.
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int(n), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	if i, ok := asInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

// suggest returns a hint naming the closest known key, for typos.
func suggestIn(k string, table map[string]keySpec) string {
	if best := engines.Closest(k, slices.Sorted(maps.Keys(table))); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return "" // the caller knows how its user lists the keys (ConfigKeys)
}

// ReadConfigFile reads a storm.yaml-style file: a YAML mapping from Storm's
// key names to values. Every key is validated.
func ReadConfigFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read storm config: %w", err)
	}
	c, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ParseConfig parses storm.yaml-style YAML; source names it in errors. An
// empty document is an empty Config.
func ParseConfig(data []byte, source string) (Config, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %s: not a YAML mapping of config keys (key: value lines)", ErrInvalidConfig, source)
		}
		return nil, fmt.Errorf("%w: %s: not a YAML mapping of config keys: %s", ErrInvalidConfig, source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c := make(Config, len(raw))
	for k, v := range raw {
		c[k] = v
	}
	if err := c.Validate(source); err != nil {
		return nil, err
	}
	return c, nil
}

// mergeConfigs layers configs, later ones overriding earlier ones, and
// validates each layer, naming it in errors. The result holds every known
// key, normalised.
func mergeConfigs(layers ...namedConfig) (Config, error) {
	out := DefaultConfig()
	var errs []error
	for _, l := range layers {
		names := make([]string, 0, len(l.conf))
		for k := range l.conf {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			v, err := checkKey(k, l.conf[k])
			if err != nil {
				err.Source = l.name
				errs = append(errs, err)
				continue
			}
			out[k] = v
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

type namedConfig struct {
	name string
	conf Config
}

// Int returns key k as an int and whether it is set (not null).
func (c Config) Int(k string) (int, bool) {
	n, ok := asInt(c[k])
	return n, ok
}

// Bool returns key k as a bool.
func (c Config) Bool(k string) bool {
	b, _ := c[k].(bool)
	return b
}

// Float returns key k as a float64.
func (c Config) Float(k string) float64 {
	f, _ := asFloat(c[k])
	return f
}

// clone returns a shallow copy of c.
func (c Config) clone() Config {
	out := make(Config, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}
