package harness

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

func TestReadMemTotal(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"MemTotal:       24683652 kB\nMemFree:        20605192 kB\n", 24683652 * 1024},
		{"MemFree: 1 kB\nMemTotal: 2048 kB\n", 2048 * 1024},
		{"MemFree: 1 kB\n", 0},
		{"MemTotal: lots kB\n", 0},
		{"MemTotal:\n", 0},
		{"MemTotal: -5 kB\n", 0},
		{"MemTotal: 99999999999999999999 kB\n", 0},
		{"", 0},
	} {
		path := filepath.Join(dir, "meminfo")
		os.WriteFile(path, []byte(tc.text), 0o644)
		got, err := readMemTotal(path)
		if got != tc.want || (err == nil) != (tc.want > 0) {
			t.Errorf("%q: %d, %v; want %d", tc.text, got, err, tc.want)
		}
	}
	if _, err := readMemTotal(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing file read")
	}
}

func TestMemoryLimits(t *testing.T) {
	small := MemoryLimits{MemoryBytes: 4 << 30, Source: "test"}
	if got := small.MaxParallelism(); got != 128 {
		t.Errorf("4 GiB: max parallelism %d, want 128", got)
	}
	big := MemoryLimits{MemoryBytes: 1 << 50, Source: "test"}
	if got := big.MaxParallelism(); got != MaxParallelism {
		t.Errorf("1 PiB: max parallelism %d, want %d", got, MaxParallelism)
	}
	tiny := MemoryLimits{MemoryBytes: 1 << 20, Source: "test"}
	if tiny.MaxParallelism() != 1 || tiny.MaxBacklog(4, 1) != 1024 || tiny.MaxBacklog(1024, 1024) != 1024 {
		t.Errorf("1 MiB: %d, %d", tiny.MaxParallelism(), tiny.MaxBacklog(4, 1))
	}
	// The default backlog stays within the memory; a given one is refused
	// past it.
	cfg := RunConfig{Rate: 100e6, Partitions: 4, Parallelism: 1}
	if got := small.RunBacklog(&cfg); got != small.MaxBacklog(4, 1) || got >= DefaultBacklog(100e6, 4) {
		t.Errorf("default backlog at 100M/s on 4 GiB: %d", got)
	}
	cfg.Backlog = small.MaxBacklog(4, 1) + 1
	cfg.Records = 10
	if err := small.checkLimits(&cfg); err == nil || !strings.Contains(err.Error(), "--backlog") {
		t.Errorf("backlog past the memory: %v", err)
	}
	// What the bounds allow fits the budget.
	p, b := 1024, small.MaxBacklog(1024, small.MaxParallelism())
	if cost := int64(p)*b*backlogRecordBytes + int64(small.MaxParallelism())*parallelismBytes; cost > small.Budget()+int64(p)*1024*backlogRecordBytes {
		t.Errorf("the bounds allow %d bytes, budget %d", cost, small.Budget())
	}
}

func TestCheckRate(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		maxOK bool
		want  string
	}{
		{0, true, ""},
		{0, false, "below the least rate"},
		{1, false, ""},
		{100e6, false, ""},
		{100e6 + 1, false, "above the most"},
		{math.Inf(1), false, "above the most"},
		{math.Inf(-1), false, "not a rate"},
		{math.NaN(), true, "not a rate"},
		{0.5, false, "below the least rate"},
		{-1, true, "below the least rate"},
	} {
		err := CheckRate(tc.rate, tc.maxOK)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckRate(%g, %v) = %v, want %q", tc.rate, tc.maxOK, err, tc.want)
		}
	}
}

// TestRunConfigLimits: every bound of RunConfig.Check, on a config that is
// otherwise fine.
func TestRunConfigLimits(t *testing.T) {
	l := MemoryLimits{MemoryBytes: 8 << 30, Source: "test"}
	for _, tc := range []struct {
		name string
		mod  func(*RunConfig)
		want string
	}{
		{"fine", func(*RunConfig) {}, ""},
		{"max rate", func(c *RunConfig) { c.Rate = 0 }, ""},
		{"rate", func(c *RunConfig) { c.Rate = 2e8 }, "--rate: 200,000,000 records/s is above the most"},
		{"records", func(c *RunConfig) { c.Records = MaxRecords + 1 }, "--records 10,000,000,001 is more than the most"},
		{"duration", func(c *RunConfig) { c.Records, c.Duration = 0, 25*time.Hour }, "--duration 25h0m0s is longer"},
		{"rate times duration", func(c *RunConfig) { c.Records, c.Duration, c.Rate = 0, 24*time.Hour, 1e6 }, "86,400,000,000 records, more than the most"},
		{"slow records", func(c *RunConfig) { c.Records, c.Rate = 1e6, 1 }, "takes 277h46m40s to publish"},
		{"warmup", func(c *RunConfig) { c.Warmup = 25 * time.Hour }, "--warmup 25h0m0s"},
		{"drain", func(c *RunConfig) { c.DrainTimeout = 2 * time.Hour }, "--drain-timeout 2h0m0s"},
		{"partitions", func(c *RunConfig) { c.Partitions = MaxPartitions + 1 }, "--partitions 1025"},
		{"parallelism", func(c *RunConfig) { c.Parallelism = 1000 }, "--parallelism 1000 is more than the most, 256"},
		{"backlog", func(c *RunConfig) { c.Backlog = 1 << 40 }, "--backlog 1,099,511,627,776: 4 partitions of it need 768.0 TiB"},
		{"batch", func(c *RunConfig) { c.Conf = engines.Conf{"trident.batch.size": "100000000"} }, "trident.batch.size: 100000000: a batch of more than 2,097,152 records"},
		{"batch fine", func(c *RunConfig) { c.Conf = engines.Conf{"trident.batch.size": "100000"} }, ""},
		{"slots", func(c *RunConfig) { c.Conf = engines.Conf{"spark.master": "local[2000]"} }, "more than 1024 task slots"},
		{"batch interval", func(c *RunConfig) { c.Conf = engines.Conf{"spark.streaming.batchDuration": "2m"} }, "after the drain timeout (1m0s)"},
		{"batch interval in ms", func(c *RunConfig) { c.Conf = engines.Conf{"spark.streaming.batchDuration": "120000"} }, "after the drain timeout"},
		{"batch interval within the drain", func(c *RunConfig) {
			c.Conf, c.DrainTimeout = engines.Conf{"spark.streaming.batchDuration": "2m"}, 5*time.Minute
		}, ""},
	} {
		cfg := RunConfig{Engine: "baseline", Workload: "wordcount", Partitions: 4, Parallelism: 1, Guarantee: engines.AtMostOnce,
			Rate: 1000, Records: 1000}
		tc.mod(&cfg)
		err := l.checkLimits(&cfg)
		var ue *UsageError
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a usage error with %q", tc.name, err, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1000: "1,000", -1234567: "-1,234,567", 0.25: "0.25", 1e20: "1e+20", math.Inf(1): "more than 1e308"} {
		if got := numberWords(v); got != want {
			t.Errorf("numberWords(%g) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int64]string{100: "100 bytes", 2048: "2.0 KiB", 3 << 30: "3.0 GiB"} {
		if got := bytesWords(n); got != want {
			t.Errorf("bytesWords(%d) = %q, want %q", n, got, want)
		}
	}
}
