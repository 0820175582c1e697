package microbatch

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// ConfBatchDuration is the batch interval as a setting: the batchDuration
// a Spark user passes to the StreamingContext's constructor, carried with
// the spark.* keys so that a run, a suite cell and a result name it alike.
const ConfBatchDuration = "spark.streaming.batchDuration"

// DefaultBatchInterval is the batch interval when none is set.
const DefaultBatchInterval = time.Second

// confDocs says what each setting does, for 'streambench list'.
var confDocs = map[string]string{
	ConfBatchDuration:        "the batch interval, a whole number of milliseconds (the StreamingContext's batchDuration)",
	ConfMaster:               "local[N]: N task slots; default local[parallelism]",
	ConfAppName:              "the application's name",
	ConfDefaultParallelism:   "partitions of a shuffle when an operation names none; default the slots of the master",
	ConfBlockInterval:        "how often a receiver cuts its buffer into a block (a map task of the batch); default a tenth of the batch interval, at most 200ms",
	ConfConcurrentJobs:       "batches run at once; only 1 (Spark's default and the only safe value)",
	ConfBackpressure:         "whether the PID rate estimator caps the input rate from the batches' processing delays",
	ConfInitialRate:          "the rate cap before the first batch completes, with backpressure",
	ConfPIDProportional:      "the PID estimator's proportional gain",
	ConfPIDIntegral:          "the PID estimator's integral gain",
	ConfPIDDerived:           "the PID estimator's derivative gain",
	ConfPIDMinRate:           "the least rate the PID estimator sets, records/s",
	ConfReceiverMaxRate:      "most records/s a receiver takes; 0 is no limit",
	ConfMaxRatePerPartition:  "most records/s a direct stream reads from one partition; 0 is no limit",
	ConfWALEnable:            "whether receivers write blocks to the write-ahead log before they count as received (on for at-least-once)",
	ConfWALRollingInterval:   "seconds between new write-ahead log segments",
	ConfReceiverRestartDelay: "how long a failed receiver waits before it restarts",
	ConfGracefulStopTimeout:  "how long a graceful stop waits for received data; default unbounded (the run's drain timeout bounds it)",
}

// Spec is what the micro-batch engine offers the harness: at-least-once
// through reliable receivers and the write-ahead log (the default),
// at-most-once through unreliable receivers, exactly-once through a direct
// stream with checkpointed offsets and state, and Spark's settings.
var Spec = &engines.Spec{
	Name:        "microbatch",
	Description: "Spark Streaming's DStreams: receivers, blocks, batches as RDDs with fused tasks and hash shuffles, state, checkpoints (local mode)",
	Offers: []engines.Offer{
		{Guarantee: engines.AtLeastOnce, How: "reliable receiver and write-ahead log"},
		{Guarantee: engines.AtMostOnce, How: "unreliable receiver, no write-ahead log"},
		{Guarantee: engines.ExactlyOnce, How: "direct stream, checkpointed offsets and state, idempotent output"},
	},
	Keys:  specKeys(),
	Flags: map[string]string{"batch-interval": ConfBatchDuration},
	Connectors: []engines.Connector{
		{Kind: engines.KindQueue, Offers: []engines.Offer{
			{Guarantee: engines.AtLeastOnce, How: "reliable receiver: a message is acked once its block is in the write-ahead log"},
			{Guarantee: engines.AtMostOnce, How: "receiver that acks each message on receipt, no write-ahead log"},
		}, WayOut: "a queue has no offsets to cut batches by: for exactly-once read the replayable log (--nats-class log) with a direct stream"},
		{Kind: engines.KindFeed, Offers: []engines.Offer{
			{Guarantee: engines.AtMostOnce, How: "unreliable receiver"},
		}, WayOut: "a feed keeps nothing to replay: for at-least-once read a queue (--nats-class queue), for exactly-once the log (--nats-class log)"},
		{
			Kind:   engines.KindSocket,
			Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "a socket receiver per partition (socketTextStream), unreliable, reconnecting after a restart delay"}},
			WayOut: "a socket keeps nothing to replay: for at-least-once or exactly-once use --source jetstream",
		}, {
			Kind: engines.KindFiles,
			Offers: []engines.Offer{
				{Guarantee: engines.ExactlyOnce, How: "textFileStream: each file read once, the processed files checkpointed with the state, idempotent output"},
				{Guarantee: engines.AtLeastOnce, How: "textFileStream: the files stay in the directory, the processed ones checkpointed"},
				{Guarantee: engines.AtMostOnce, How: "textFileStream: each file read once"},
			},
		},
	},
}

func init() {
	Spec.Check = func(conf engines.Conf, g engines.Guarantee) error {
		_, err := EngineFor(engines.Options{Parallelism: 1, Guarantee: g, Conf: conf}, func(*StreamingContext, *DStream[engines.Record], engines.Sink) error { return nil })
		return err
	}
	engines.Register(Spec)
}

func specKeys() []engines.Key {
	keys := []engines.Key{{Name: ConfBatchDuration, Default: DefaultBatchInterval.String(), Doc: confDocs[ConfBatchDuration]}}
	for _, k := range slices.Sorted(maps.Keys(confDefaults)) {
		keys = append(keys, engines.Key{Name: k, Default: confDefaults[k], Doc: confDocs[k]})
	}
	slices.SortFunc(keys, func(a, b engines.Key) int { return strings.Compare(a.Name, b.Name) })
	return keys
}

// EngineFor returns the Engine that runs pipeline for opts: the batch
// interval from spark.streaming.batchDuration, local[parallelism], the
// other settings as the SparkConf, and the input the guarantee needs
// (EngineConfig.Guarantee). A key Spark does not define, or that this
// engine does not implement, is an *engines.ConfError naming it.
func EngineFor(opts engines.Options, pipeline Pipeline) (*Engine, error) {
	cfg := EngineConfig{BatchInterval: DefaultBatchInterval, Guarantee: opts.Guarantee, Parallelism: opts.Parallelism, Conf: NewConf()}
	if err := Spec.CheckGuarantee(opts.Guarantee); err != nil {
		return nil, err
	}
	if opts.Parallelism < 1 {
		return nil, fmt.Errorf("parallelism must be at least 1, got %d", opts.Parallelism)
	}
	for _, k := range opts.Conf.Keys() {
		v := opts.Conf[k]
		if k == ConfBatchDuration {
			d, err := parseDurationMs(v)
			if err != nil || d <= 0 || d%time.Millisecond != 0 {
				return nil, &engines.ConfError{Key: k, Err: fmt.Errorf("value %q is not a positive whole number of milliseconds, like 100ms or 1s", v)}
			}
			cfg.BatchInterval = d
			continue
		}
		if _, ok := confDefaults[k]; !ok {
			return nil, engines.UnknownKey(Spec.Name, k, Spec.KeyNames())
		}
		cfg.Conf.Set(k, v)
	}
	return NewEngine(cfg, pipeline)
}

// WriteToSink registers the output operation a harness pipeline ends with:
// foreachRDD(rdd => rdd.foreachPartition(writeToSink)), one sink write per
// non-empty partition of each batch. A sink error fails the batch's job,
// which stops the streaming context with it.
func WriteToSink(d *DStream[engines.Output], sink engines.Sink) error {
	return d.ForeachRDD(func(r *rdd.RDD[engines.Output], _ Time) error {
		return r.ForeachPartition(func(_ int, outs iter.Seq[engines.Output]) error {
			batch := slices.Collect(outs)
			if len(batch) == 0 {
				return nil
			}
			return sink.Write(batch)
		})
	})
}
