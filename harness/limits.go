package harness

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// The bounds of a run's settings. Each is what a value costs against what a
// run can use, so that no flag or suite key makes the process run out of
// memory or run for ever; a value past one is a *UsageError naming it. The
// README's "Limits" section lists them with these reasons.
const (
	// MinRate is the least offered load, in records/s. The meter samples
	// whole seconds and the search judges their trend: below one record a
	// second most seconds hold nothing, and a run of a few records takes
	// hours.
	MinRate = 1
	// MaxRate is the most offered load, in records/s: ten times the fastest
	// engine measured here (the baseline's grep, 12.7M records/s on two
	// cores), where the driver's one goroutine, which plans, stamps and
	// times every record, is the bottleneck rather than the engine. Intended
	// send times are nanoseconds, so rates near 1e9 would not even be
	// distinct.
	MaxRate = 100e6
	// MaxRecords is the most records a run publishes (by --records, or rate
	// times duration): about a quarter of an hour of the fastest engine
	// here. The oracle and the recorder keep a result per key and window,
	// which grows with the input's event-time span.
	MaxRecords = 10_000_000_000
	// MaxDuration bounds --duration and --warmup, and the time a rate-bound
	// --records takes to publish: a benchmark run is minutes, a day is
	// already a soak test.
	MaxDuration = 24 * time.Hour
	// MaxDrainTimeout bounds how long a run waits for an engine to finish
	// once its input has ended; a longer wait is a hang, not a measurement.
	MaxDrainTimeout = time.Hour
	// MaxPartitions and MaxParallelism bound the source's partitions and the
	// workers per stage: every partition costs a ring and a reader, every
	// unit of parallelism executors with their queues (MemoryLimits bounds
	// both further by the machine's memory). 1024 is far past the cores of
	// any one machine this runs on.
	MaxPartitions  = 1024
	MaxParallelism = 1024
	// MaxInputFileBytes bounds a suite file or an engine's configuration
	// file: the deck's suite is 4 KiB, so a file of megabytes is a mistake
	// (a log, a device such as /dev/zero), read no further.
	MaxInputFileBytes = 1 << 20
	// MaxRepeat bounds a bench's repetitions of every cell: the confidence
	// intervals narrow with the square root of it, so beyond 100 a bench
	// buys days of time for a digit it cannot show.
	MaxRepeat = 100
)

// The cost model behind MemoryLimits, per unit of what a setting counts.
const (
	// backlogRecordBytes is the memory of one record of a partition's
	// backlog: its slot in the generator source's ring (8 bytes, the ring
	// four times the backlog rounded up to a power of two: at most 64
	// bytes) and the record itself once an engine fetches it (engines.Record
	// with a short value: about 128 bytes), since an engine may take a whole
	// backlog at once (a direct stream's batch).
	backlogRecordBytes = 64 + 128
	// parallelismBytes is the memory one unit of parallelism costs: about
	// 2.7 MB resident measured for core (an executor per stage, each with a
	// 32768-slot receive queue) and for the baseline's readers, with up to
	// 6 MB of heap mapped at once, rounded up.
	parallelismBytes = 8 << 20
	// batchRecordBytes is the memory of one record of a Trident batch: the
	// record, its tuple and its copies between the batch's stages.
	batchRecordBytes = 1 << 10
	// FallbackMemoryBytes is the machine's memory assumed when
	// /proc/meminfo cannot be read: a small virtual machine's.
	FallbackMemoryBytes = 4 << 30
)

// MemoryLimits are the bounds that depend on the machine's memory.
type MemoryLimits struct {
	// MemoryBytes is the machine's memory; Source says where the figure
	// came from (/proc/meminfo, or the fallback).
	MemoryBytes int64
	Source      string
}

// Machine returns the limits of this machine, reading /proc/meminfo once.
var Machine = sync.OnceValue(func() MemoryLimits {
	if n, err := readMemTotal("/proc/meminfo"); err == nil && n > 0 {
		return MemoryLimits{MemoryBytes: n, Source: "/proc/meminfo"}
	}
	return MemoryLimits{MemoryBytes: FallbackMemoryBytes, Source: "assumed: /proc/meminfo unreadable"}
})

// readMemTotal returns MemTotal of a meminfo file, in bytes.
func readMemTotal(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			break
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
			break
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("%s: no MemTotal line", path)
}

// Budget is the memory a run's sized settings may take together: a quarter
// of the machine's. The rest is the engine's own state, the garbage
// collector's headroom (Go's heap grows to twice what is live) and the
// other processes of the machine.
func (l MemoryLimits) Budget() int64 { return l.MemoryBytes / 4 }

// MaxParallelism is the most parallelism the budget holds, and at most
// MaxParallelism.
func (l MemoryLimits) MaxParallelism() int {
	return int(min(MaxParallelism, max(1, l.Budget()/parallelismBytes)))
}

// MaxBacklog is the most records per partition a source of partitions
// partitions may hold at parallelism: what the budget leaves after the
// parallelism's share. It is at least 1024.
func (l MemoryLimits) MaxBacklog(partitions, parallelism int) int64 {
	left := l.Budget() - int64(max(parallelism, 1))*parallelismBytes
	return max(1024, left/int64(max(partitions, 1))/backlogRecordBytes)
}

// RunBacklog is the backlog per partition of a run: the one given, or
// DefaultBacklog within what the memory holds.
func (l MemoryLimits) RunBacklog(cfg *RunConfig) int64 {
	if cfg.Backlog > 0 {
		return cfg.Backlog
	}
	return min(DefaultBacklog(cfg.Rate, cfg.Partitions), l.MaxBacklog(cfg.Partitions, cfg.Parallelism))
}

// MaxBatchRecords is the most records one engine batch (trident.batch.size)
// may hold.
func (l MemoryLimits) MaxBatchRecords() int64 { return max(1024, l.Budget()/batchRecordBytes) }

func (l MemoryLimits) describe() string {
	return fmt.Sprintf("a quarter of this machine's %s of memory (%s)", bytesWords(l.MemoryBytes), l.Source)
}

// CheckRate refuses a rate outside [MinRate, MaxRate] or not a number; 0
// is "max", allowed when maxOK.
func CheckRate(rate float64, maxOK bool) error {
	switch {
	case rate == 0 && maxOK:
		return nil
	case math.IsNaN(rate) || math.IsInf(rate, -1):
		return fmt.Errorf("%v is not a rate", rate)
	case rate < MinRate:
		return fmt.Errorf("%s records/s is below the least rate, %d record/s: most seconds would hold nothing to measure", numberWords(rate), MinRate)
	case rate > MaxRate:
		return fmt.Errorf("%s records/s is above the most, %s records/s (100M): past it the driver, not the engine, is measured", numberWords(rate), numberWords(MaxRate))
	}
	return nil
}

// checkLimits refuses settings past the bounds above. A default backlog
// (cfg.Backlog 0) is kept within them by RunBacklog; a given one is refused
// past them.
func (l MemoryLimits) checkLimits(cfg *RunConfig) error {
	bad := func(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }
	if err := CheckRate(cfg.Rate, true); err != nil {
		return bad("--rate: %v", err)
	}
	switch {
	case cfg.Parallelism > l.MaxParallelism():
		return bad("--parallelism %d is more than the most, %d: each unit costs up to %s of executors and queues, against %s",
			cfg.Parallelism, l.MaxParallelism(), bytesWords(parallelismBytes), l.describe())
	case cfg.Records > MaxRecords:
		return bad("--records %s is more than the most a run publishes, %s (see 'Limits' in the README)", intWords(cfg.Records), intWords(MaxRecords))
	case cfg.Duration > MaxDuration:
		return bad("--duration %v is longer than the longest run, %v", cfg.Duration, MaxDuration)
	case cfg.Warmup > MaxDuration:
		return bad("--warmup %v is longer than the longest run, %v", cfg.Warmup, MaxDuration)
	case cfg.DrainTimeout > MaxDrainTimeout:
		return bad("--drain-timeout %v is longer than the most, %v", cfg.DrainTimeout, MaxDrainTimeout)
	case cfg.Partitions > MaxPartitions:
		return bad("--partitions %d is more than the most, %d", cfg.Partitions, MaxPartitions)
	}
	if cfg.Rate > 0 {
		if cfg.Duration > 0 && cfg.Rate*cfg.Duration.Seconds() > MaxRecords {
			return bad("--rate %s for --duration %v is %s records, more than the most a run publishes, %s",
				numberWords(cfg.Rate), cfg.Duration, numberWords(cfg.Rate*cfg.Duration.Seconds()), numberWords(MaxRecords))
		}
		if cfg.Records > 0 {
			if d := float64(cfg.Records) / cfg.Rate; d > MaxDuration.Seconds() {
				return bad("--records %s at --rate %s takes %v to publish, longer than the longest run, %v",
					numberWords(float64(cfg.Records)), numberWords(cfg.Rate), time.Duration(d*1e9).Round(time.Second), MaxDuration)
			}
		}
	}
	if most := l.MaxBacklog(cfg.Partitions, cfg.Parallelism); cfg.Backlog > most {
		need := bytesWords(float64(cfg.Backlog) * float64(cfg.Partitions) * backlogRecordBytes)
		return bad("--backlog %s: %d partitions of it need %s, more than %s: at most %s records per partition at %d partitions and parallelism %d",
			intWords(cfg.Backlog), cfg.Partitions, need, l.describe(), intWords(most), cfg.Partitions, cfg.Parallelism)
	}
	return l.CheckConf(cfg.Conf, cfg.DrainTimeout, func(k string) string { return k })
}

// CheckConf bounds the engine settings that size memory or time, which the
// engines' own range checks leave to the machine, for a run of drain
// timeout drain (0: one minute). A key at fault is named as where(key)
// describes it (the flag or suite line it came from).
func (l MemoryLimits) CheckConf(conf engines.Conf, drain time.Duration, where func(key string) string) error {
	for _, k := range conf.Keys() {
		v := strings.TrimSpace(conf[k])
		switch k {
		case "trident.batch.size":
			n, err := strconv.ParseInt(v, 10, 64)
			if most := l.MaxBatchRecords(); err == nil && n > most {
				return &UsageError{Msg: fmt.Sprintf("%s: %s: a batch of more than %s records needs more than %s (about %s a record)",
					where(k), v, numberWords(float64(most)), l.describe(), bytesWords(batchRecordBytes))}
			}
		case "spark.master":
			if inner, ok := strings.CutPrefix(v, "local["); ok {
				n, err := strconv.Atoi(strings.TrimSuffix(inner, "]"))
				if err == nil && n > MaxParallelism {
					return &UsageError{Msg: fmt.Sprintf("%s: %s is more than %d task slots", where(k), v, MaxParallelism)}
				}
			}
		case "spark.default.parallelism":
			if n, err := strconv.Atoi(v); err == nil && n > MaxPartitions {
				return &UsageError{Msg: fmt.Sprintf("%s: %s is more than %d shuffle partitions", where(k), v, MaxPartitions)}
			}
		case "spark.streaming.batchDuration":
			d, err := time.ParseDuration(v)
			if err != nil {
				if ms, merr := strconv.ParseInt(v, 10, 64); merr == nil {
					d, err = time.Duration(ms)*time.Millisecond, nil
				}
			}
			if drain == 0 {
				drain = time.Minute
			}
			if err == nil && d > drain {
				return &UsageError{Msg: fmt.Sprintf("%s: %s: the last batch would end after the drain timeout (%v), so the run could only fail; give a longer drain timeout or a shorter interval", where(k), v, drain)}
			}
		}
	}
	return nil
}

// checkInputFile refuses a file streambench reads settings from that is not
// a regular file (a directory, a device, a pipe) or is larger than
// MaxInputFileBytes, before reading it.
func checkInputFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	case fi.Size() > MaxInputFileBytes:
		return fmt.Errorf("%s is %s, more than the %s a settings file may be", path, bytesWords(fi.Size()), bytesWords(MaxInputFileBytes))
	}
	return nil
}

// readInputFile reads a file that checkInputFile accepts, never more than
// MaxInputFileBytes of it.
func readInputFile(path string) ([]byte, error) {
	if err := checkInputFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxInputFileBytes+1))
	if err == nil && len(data) > MaxInputFileBytes {
		err = fmt.Errorf("%s is more than the %s a settings file may be", path, bytesWords(MaxInputFileBytes))
	}
	return data, err
}

// numberWords writes a number as a reader would: 250,000 or 1.5e+12.
func numberWords(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "more than 1e308"
	case math.IsInf(v, -1):
		return "less than -1e308"
	}
	if math.Abs(v) < 9e18 && v == math.Trunc(v) {
		return intWords(int64(v))
	}
	if math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// intWords writes a whole number with thousands separators.
func intWords(n int64) string {
	s := strconv.FormatUint(uint64(max(n, -n)), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// bytesWords writes a size in bytes with a binary unit.
func bytesWords[T int64 | float64 | int](n T) string {
	b := float64(n)
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f bytes", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
