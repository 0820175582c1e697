package resultfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referenceRun is a result file of the reference bench in
// results/reference-2026-11-25, with its histogram log beside it.
const referenceRun = "testdata/wordcount.core-at-least-once.r1.05-probe-345000.json"

// TestHistogramLogRoundTrip: the .hlog the harness wrote for a run reads
// back one interval per timeline second, warm-up marked as in the timeline,
// and the intervals after the warm-up merge into the result's latency
// figures; a corrupt log is refused naming the file.
func TestHistogramLogRoundTrip(t *testing.T) {
	r, err := ReadResult(referenceRun)
	if err != nil {
		t.Fatal(err)
	}
	ivs, err := ReadHistogramLog(filepath.Join("testdata", r.HistogramLog), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(ivs) != len(r.Timeline) {
		t.Fatalf("%d intervals, %d timeline points", len(ivs), len(r.Timeline))
	}
	cumul := NewHistogram()
	for i, iv := range ivs {
		if iv.Warmup != r.Timeline[i].Warmup {
			t.Errorf("interval %d: warmup %v, timeline says %v", i, iv.Warmup, r.Timeline[i].Warmup)
		}
		if !iv.Warmup {
			cumul.Merge(iv.Hist)
		}
	}
	if got := cumul.Summary(); got.P99 != r.Latency.P99 || got.Count != r.Latency.Count {
		t.Errorf("histograms read back: p99 %d count %d, result says %d %d", got.P99, got.Count, r.Latency.P99, r.Latency.Count)
	}
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join("testdata", r.HistogramLog))
	bad := strings.Replace(string(data), "HIST", "HIXT", 1)
	os.WriteFile(filepath.Join(dir, "bad.hlog"), []byte(bad), 0o644)
	if _, err := ReadHistogramLog(filepath.Join(dir, "bad.hlog"), r); err == nil || !strings.Contains(err.Error(), "bad.hlog") {
		t.Errorf("corrupt log: %v", err)
	}
}

func FuzzDecodeHistogramLog(f *testing.F) {
	data, err := os.ReadFile(HistogramLogPath(referenceRun))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("#[StartTime: 1.0]\n0.0,1.0,2.0,HISTFAAAA\n"))
	f.Add([]byte("Tag=latency,0.000,1.000,0.5,HISTFAAAACh4nJNpmSzMwMDAxQABzFCaEUTwbVkAYQMAOvIDCw==\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ivs, err := DecodeHistogramLog(data, nil)
		if err != nil {
			if !errors.Is(err, ErrBadHistogramLog) {
				t.Fatalf("error %v is not ErrBadHistogramLog", err)
			}
			return
		}
		for _, iv := range ivs {
			if iv.Hist == nil {
				t.Fatal("nil histogram")
			}
		}
	})
}
