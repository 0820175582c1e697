package trident

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/core"
)

// Trident's configuration keys, beside engines/core's Storm keys. They are
// read from the same Config and removed before the topology is handed to
// engines/core.
const (
	// TopologyTridentBatchEmitIntervalMillis is the least time between the
	// starts of two batches (Storm's default 500 ms): a small batch every
	// few milliseconds would spend its time coordinating.
	TopologyTridentBatchEmitIntervalMillis = "topology.trident.batch.emit.interval.millis"
	// TridentMaxBatchAttempts bounds how often a batch is replayed before
	// a Job gives up with the batch's last error. Storm retries forever; a
	// benchmark run must end.
	TridentMaxBatchAttempts = "trident.max.batch.attempts"
)

// Defaults of the Trident keys.
const (
	DefaultBatchEmitInterval = 500 * time.Millisecond
	DefaultMaxBatchAttempts  = 20
)

// tridentConf is the Trident part of a Config.
type tridentConf struct {
	emitInterval time.Duration
	maxPending   int
	maxAttempts  int
}

// splitConfig separates Trident's keys from engines/core's. Trident reads
// topology.max.spout.pending as the number of batches in flight (1 when
// unset) and hides it from the master coordinator's spout executor, which
// would otherwise count commit tuples against it.
func splitConfig(conf core.Config) (tridentConf, core.Config, error) {
	tc := defaultTridentConf()
	rest := core.Config{}
	for k, v := range conf {
		rest[k] = v
	}
	if v, ok := rest[TopologyTridentBatchEmitIntervalMillis]; ok {
		ms, ok := asInt(v)
		if !ok || ms < 0 {
			return tc, nil, fmt.Errorf("config %s: value %v is not a number of milliseconds >= 0", TopologyTridentBatchEmitIntervalMillis, v)
		}
		tc.emitInterval = time.Duration(ms) * time.Millisecond
		delete(rest, TopologyTridentBatchEmitIntervalMillis)
	}
	if v, ok := rest[TridentMaxBatchAttempts]; ok {
		n, ok := asInt(v)
		if !ok || n < 1 {
			return tc, nil, fmt.Errorf("config %s: value %v is not an integer >= 1", TridentMaxBatchAttempts, v)
		}
		tc.maxAttempts = n
		delete(rest, TridentMaxBatchAttempts)
	}
	if v, ok := rest[core.TopologyMaxSpoutPending]; ok {
		if v != nil {
			n, ok := asInt(v)
			if !ok || n < 1 {
				return tc, nil, fmt.Errorf("config %s: value %v is not an integer >= 1 (batches in flight)", core.TopologyMaxSpoutPending, v)
			}
			tc.maxPending = n
		}
		delete(rest, core.TopologyMaxSpoutPending)
	}
	if v, ok := rest[core.TopologyAckerExecutors]; ok && v != nil {
		if n, ok := asInt(v); ok && n == 0 {
			return tc, nil, fmt.Errorf("config %s: 0 turns tuple tracking off, and Trident needs it to know when a batch is done; leave it unset or use at least 1", core.TopologyAckerExecutors)
		}
	}
	return tc, rest, nil
}

func defaultTridentConf() tridentConf {
	return tridentConf{emitInterval: DefaultBatchEmitInterval, maxPending: 1, maxAttempts: DefaultMaxBatchAttempts}
}

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case int32:
		return int(x), true
	case float64:
		if x == float64(int(x)) {
			return int(x), true
		}
	}
	return 0, false
}
