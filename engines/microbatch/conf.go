package microbatch

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// The settings a StreamingContext reads, by Spark's names.
const (
	ConfMaster               = "spark.master"
	ConfAppName              = "spark.app.name"
	ConfDefaultParallelism   = "spark.default.parallelism"
	ConfBlockInterval        = "spark.streaming.blockInterval"
	ConfConcurrentJobs       = "spark.streaming.concurrentJobs"
	ConfBackpressure         = "spark.streaming.backpressure.enabled"
	ConfInitialRate          = "spark.streaming.backpressure.initialRate"
	ConfPIDProportional      = "spark.streaming.backpressure.pid.proportional"
	ConfPIDIntegral          = "spark.streaming.backpressure.pid.integral"
	ConfPIDDerived           = "spark.streaming.backpressure.pid.derived"
	ConfPIDMinRate           = "spark.streaming.backpressure.pid.minRate"
	ConfReceiverMaxRate      = "spark.streaming.receiver.maxRate"
	ConfMaxRatePerPartition  = "spark.streaming.kafka.maxRatePerPartition"
	ConfWALEnable            = "spark.streaming.receiver.writeAheadLog.enable"
	ConfWALRollingInterval   = "spark.streaming.receiver.writeAheadLog.rollingIntervalSecs"
	ConfReceiverRestartDelay = "spark.streaming.receiverRestartDelay"
	ConfGracefulStopTimeout  = "spark.streaming.gracefulStopTimeout"
)

// confDefaults holds every known setting with Spark's default ("" = unset).
var confDefaults = map[string]string{
	ConfMaster:               "local[2]",
	ConfAppName:              "",
	ConfDefaultParallelism:   "",
	ConfBlockInterval:        "200ms",
	ConfConcurrentJobs:       "1",
	ConfBackpressure:         "false",
	ConfInitialRate:          "",
	ConfPIDProportional:      "1.0",
	ConfPIDIntegral:          "0.2",
	ConfPIDDerived:           "0.0",
	ConfPIDMinRate:           "100",
	ConfReceiverMaxRate:      "0",
	ConfMaxRatePerPartition:  "0",
	ConfWALEnable:            "false",
	ConfWALRollingInterval:   "60",
	ConfReceiverRestartDelay: "2000ms",
	ConfGracefulStopTimeout:  "",
}

// Conf is a streaming application's configuration, SparkConf's role: string
// settings by Spark's names, checked when a StreamingContext is created.
// Unlike Spark, an unknown spark.* name is an error rather than silently
// ignored, so a misspelt setting cannot go unnoticed.
type Conf struct {
	values map[string]string
}

// NewConf returns a configuration holding Spark's defaults.
func NewConf() *Conf { return &Conf{values: map[string]string{}} }

// Set sets a setting and returns the Conf for chaining.
func (c *Conf) Set(key, value string) *Conf {
	c.values[key] = value
	return c
}

// SetMaster sets spark.master: local, local[N] or local[*].
func (c *Conf) SetMaster(master string) *Conf { return c.Set(ConfMaster, master) }

// SetAppName sets spark.app.name.
func (c *Conf) SetAppName(name string) *Conf { return c.Set(ConfAppName, name) }

// Get returns a setting's value, or its default.
func (c *Conf) Get(key string) string {
	if v, ok := c.values[key]; ok {
		return v
	}
	return confDefaults[key]
}

// All returns every setting that differs from the defaults plus the
// defaults themselves, for recording a run's configuration.
func (c *Conf) All() map[string]string {
	out := maps.Clone(confDefaults)
	maps.Copy(out, c.values)
	return out
}

func (c *Conf) clone() *Conf { return &Conf{values: maps.Clone(c.values)} }

// settings is a Conf parsed and checked.
type settings struct {
	master              string
	appName             string
	parallelism         int
	blockInterval       time.Duration
	backpressure        bool
	initialRate         float64
	pid                 [4]float64 // proportional, integral, derived, minRate
	receiverMaxRate     float64
	maxRatePerPartition float64
	walEnabled          bool
	walRolling          time.Duration
	restartDelay        time.Duration
	gracefulTimeout     time.Duration
}

func (c *Conf) parse() (settings, error) {
	var s settings
	var errs, badKeys []string
	for k := range c.values {
		if _, ok := confDefaults[k]; !ok && strings.HasPrefix(k, "spark.") {
			known := slices.Sorted(maps.Keys(confDefaults))
			hint := ""
			if best := engines.Closest(k, known); best != "" {
				hint = fmt.Sprintf("; did you mean %q?", best)
			}
			errs = append(errs, fmt.Sprintf("unknown setting %q%s (known: %s)", k, hint, strings.Join(known, ", ")))
			badKeys = append(badKeys, k)
		}
	}
	bad := func(key, want string) {
		errs = append(errs, fmt.Sprintf("%s=%q must be %s", key, c.Get(key), want))
		badKeys = append(badKeys, key)
	}
	num := func(key string, lo float64) float64 {
		v, err := strconv.ParseFloat(c.Get(key), 64)
		if err != nil || !(v >= lo) || math.IsInf(v, 0) { // NaN and Inf too
			bad(key, fmt.Sprintf("a number >= %g", lo))
		}
		return v
	}
	dur := func(key string) time.Duration {
		v := c.Get(key)
		if v == "" {
			return 0
		}
		d, err := parseDurationMs(v)
		if err != nil || d <= 0 || d%time.Millisecond != 0 {
			bad(key, "a positive duration in whole milliseconds, like 200ms or 1s")
		}
		return d
	}
	boolean := func(key string) bool {
		v, err := strconv.ParseBool(c.Get(key))
		if err != nil {
			bad(key, "true or false")
		}
		return v
	}
	s.master = c.Get(ConfMaster)
	if _, err := rdd.ParseMaster(s.master); err != nil {
		bad(ConfMaster, "local, local[N] (N ≥ 1) or local[*]")
	}
	s.appName = c.Get(ConfAppName)
	if v := c.Get(ConfDefaultParallelism); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad(ConfDefaultParallelism, "a positive integer")
		}
		s.parallelism = n
	}
	s.blockInterval = dur(ConfBlockInterval)
	if c.Get(ConfConcurrentJobs) != "1" {
		bad(ConfConcurrentJobs, "1: batches run one at a time, in order")
	}
	s.backpressure = boolean(ConfBackpressure)
	if c.Get(ConfInitialRate) != "" {
		s.initialRate = num(ConfInitialRate, 1)
	}
	s.pid = [4]float64{num(ConfPIDProportional, 0), num(ConfPIDIntegral, 0), num(ConfPIDDerived, 0), num(ConfPIDMinRate, 0)}
	if s.pid[3] <= 0 {
		bad(ConfPIDMinRate, "positive")
	}
	s.receiverMaxRate = num(ConfReceiverMaxRate, 0)
	s.maxRatePerPartition = num(ConfMaxRatePerPartition, 0)
	s.walEnabled = boolean(ConfWALEnable)
	secs := num(ConfWALRollingInterval, 1)
	s.walRolling = time.Duration(secs * float64(time.Second))
	s.restartDelay = dur(ConfReceiverRestartDelay)
	s.gracefulTimeout = dur(ConfGracefulStopTimeout)
	if len(errs) > 0 {
		slices.Sort(errs)
		return s, &engines.ConfError{Key: slices.Min(badKeys), Err: fmt.Errorf("%w: %s", ErrInvalidConf, strings.Join(errs, "; "))}
	}
	return s, nil
}

// parseDurationMs parses "200ms", "1s", or a bare number of milliseconds,
// as Spark's getTimeAsMs does.
func parseDurationMs(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}
