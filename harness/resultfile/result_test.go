package resultfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/streambench/streambench/engines"
)

func sampleResult() (*Result, []IntervalHistogram) {
	start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	var ivs []IntervalHistogram
	for i := range 3 {
		h := NewHistogram()
		for j := range 100 {
			h.Record(time.Duration(j+i*100) * time.Microsecond)
		}
		s := start.UnixNano() + int64(i)*int64(time.Second)
		ivs = append(ivs, IntervalHistogram{Start: s, End: s + int64(time.Second), Hist: h, Warmup: i == 0})
	}
	r := &Result{Schema: SchemaVersion, Command: []string{"streambench", "run"}, StartedAt: start,
		Environment: Environment{Nodes: 1, GOMAXPROCS: 2}, Engine: "baseline", Workload: "wordcount",
		Guarantee: engines.AtMostOnce, Seed: 42, Throughput: Throughput{RecordsPerSecond: 1000},
		Latency: LatencySummary{P50: 1, P99: 2, Max: 3}, Verification: Verification{Guarantee: engines.AtMostOnce, OK: true},
		WarmupS: 1}
	return r, ivs
}

// TestResultRoundTrip: a written result reads back equal, its .hlog is read
// by hdrhistogram-go's own log reader with every interval and value, and no
// temporary file is left behind.
func TestResultRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	r, ivs := sampleResult()
	if err := WriteResult(path, r, ivs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Seed != 42 || back.Engine != "baseline" || back.HistogramLog != "r.hlog" || !back.StartedAt.Equal(r.StartedAt) {
		t.Errorf("read back %+v", back)
	}
	f, err := os.Open(filepath.Join(dir, back.HistogramLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := hdrhistogram.NewHistogramLogReader(f)
	for i, iv := range ivs {
		h, err := lr.NextIntervalHistogram()
		if err != nil || h == nil {
			t.Fatalf("interval %d: %v", i, err)
		}
		if !h.Equals(iv.Hist.H) || h.Tag() != "latency" {
			t.Errorf("interval %d: read %d values tagged %q, wrote %d", i, h.TotalCount(), h.Tag(), iv.Hist.H.TotalCount())
		}
		if got, want := h.StartTimeMs(), iv.Start/1e6; got != want {
			t.Errorf("interval %d starts at %dms, want %dms", i, got, want)
		}
	}
	if h, err := lr.NextIntervalHistogram(); h != nil || err != nil {
		t.Errorf("extra interval: %v %v", h, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d files, want the result and its log", len(entries))
	}
}

func TestDecodeResultRefuses(t *testing.T) {
	r, _ := sampleResult()
	good, _ := json.Marshal(r)
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "truncated"},
		{"not json", []byte("hello"), "not valid JSON"},
		{"empty", nil, "truncated"},
		{"array", []byte("[1,2]"), "bad result"},
		{"no schema", mutate(func(m map[string]any) { delete(m, "schema") }), "not a streambench result"},
		{"future schema", mutate(func(m map[string]any) { m["schema"] = 7 }), "schema version 7"},
		{"schema string", mutate(func(m map[string]any) { m["schema"] = "1" }), "want a number"},
		{"missing key", mutate(func(m map[string]any) { delete(m, "throughput") }), `missing key "throughput"`},
		{"bad guarantee", mutate(func(m map[string]any) { m["guarantee"] = "twice" }), "unknown guarantee"},
		{"wrong type", mutate(func(m map[string]any) { m["seed"] = "x" }), "seed"},
		{"negative loss", mutate(func(m map[string]any) { m["verification"].(map[string]any)["lost"] = -1 }), "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeResult(tc.data)
			if err == nil || !errors.Is(err, ErrBadResult) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrBadResult mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeResult(good); err != nil {
		t.Errorf("good result refused: %v", err)
	}
	// ReadResult names the file.
	path := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(path, good[:10], 0o644)
	if _, err := ReadResult(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name %s", err, path)
	}
}

// TestWriteFileKeepsOld: a write that cannot complete leaves the old file
// whole and no temporary file behind.
func TestWriteFileKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A directory in the way of the rename makes the write fail late.
	blocked := filepath.Join(dir, "blocked")
	os.MkdirAll(filepath.Join(blocked, "x"), 0o755)
	if err := WriteFile(blocked, []byte("new")); err == nil {
		t.Fatal("write over a non-empty directory succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file now %q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := CheckWritable(filepath.Join(dir, "r.json", "sub", "x.json")); err == nil {
		t.Error("a path under a file reported writable")
	}
}

func FuzzDecodeResult(f *testing.F) {
	r, _ := sampleResult()
	good, _ := json.MarshalIndent(r, "", " ")
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`{"schema":1,"engine":"x","workload":"y","guarantee":"at-most-once","seed":1,"environment":{},"throughput":{},"latency_us":{},"verification":{}}`))
	f.Add([]byte(`{"schema":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeResult(data)
		if err != nil {
			if !errors.Is(err, ErrBadResult) {
				t.Fatalf("error %v does not wrap ErrBadResult", err)
			}
			return
		}
		// What decodes must encode and decode to the same thing.
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := DecodeResult(again)
		if err != nil {
			t.Fatalf("re-encoded result refused: %v", err)
		}
		b2, _ := json.Marshal(r2)
		if !bytes.Equal(again, b2) {
			t.Fatalf("round trip differs:\n%s\n%s", again, b2)
		}
	})
}

// TestOptionalFigures: the CPU figures and the contract check are optional
// keys of schema 1: a file without them (written before they existed) reads
// with them absent, and a file with them reads them back.
func TestOptionalFigures(t *testing.T) {
	dir := t.TempDir()
	r, ivs := sampleResult()
	old := filepath.Join(dir, "old.json")
	if err := WriteResult(old, r, ivs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(old)
	if err != nil || back.CPU != nil || back.Verification.Contract != nil {
		t.Fatalf("a file without the optional keys: %v, cpu %+v, contract %+v", err, back.CPU, back.Verification.Contract)
	}
	r.CPU = &CPUFigures{UserS: 1.5, SystemS: 0.25, NsPerRecord: 175}
	r.Verification.Contract = &ContractCheck{MergedUpdatesChecked: 12, Examples: []string{"x"}}
	path := filepath.Join(dir, "new.json")
	if err := WriteResult(path, r, ivs); err != nil {
		t.Fatal(err)
	}
	back, err = ReadResult(path)
	if err != nil || back.CPU == nil || *back.CPU != *r.CPU || back.Verification.Contract == nil || back.Verification.Contract.MergedUpdatesChecked != 12 {
		t.Fatalf("read back %v: cpu %+v, contract %+v", err, back.CPU, back.Verification.Contract)
	}
}
