package resultfile

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// leftovers lists the files of dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.Contains(strings.Join(keep, "\x00")+"\x00", e.Name()+"\x00") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestWriteResultRefusesNonRegular: --out may name a new path or a regular
// file, never a device, directory, link or pipe, which a rename would
// replace by a file; CheckWritable says so before a run and creates no
// directory, and WriteResult refuses too.
func TestWriteResultRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.json")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "dir.json"), 0o755)
	os.WriteFile(filepath.Join(dir, "hlogdir.json"), []byte("{}"), 0o644)
	os.Mkdir(filepath.Join(dir, "hlogdir.hlog"), 0o755)
	for _, tc := range []struct {
		path, want string
	}{
		{os.DevNull, "character device"},
		{link, "symbolic link"},
		{fifo, "named pipe"},
		{filepath.Join(dir, "dir.json"), "is a directory"},
		{filepath.Join(dir, "hlogdir.json"), "hlogdir.hlog is a directory"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			if err := CheckResultWritable(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckResultWritable: %v, want %q", err, tc.want)
			}
			r, ivs := sampleResult()
			if err := WriteResult(tc.path, r, ivs); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteResult: %v, want %q", err, tc.want)
			}
		})
	}
	if fi, err := os.Lstat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a character device: %v", os.DevNull, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target now holds %q", b)
	}
	if got := leftovers(t, dir, "target.json", "link.json", "fifo.json", "dir.json", "hlogdir.json", "hlogdir.hlog"); got != nil {
		t.Errorf("left behind: %v", got)
	}
}

// TestCheckWritableCreatesNothing: checking a path under directories that
// do not exist yet creates none of them.
func TestCheckWritableCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(dir, "a", "b", "r.json"), true},
		{filepath.Join(dir, "r.json"), true},
		{filepath.Join(dir, "file", "r.json"), false},
	} {
		os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
		if err := CheckWritable(tc.path); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.path, err, tc.ok)
		}
	}
	if got := leftovers(t, dir, "file"); got != nil {
		t.Errorf("CheckWritable created %v", got)
	}
}

// TestWriteResultFaults: a write that fails at any step (a full disk
// refusing either temporary file) leaves neither the result, nor its log,
// nor a temporary file; a write that succeeds leaves exactly the two.
func TestWriteResultFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failAt string // the temporary file that fails: "hlog", "json" or none
	}{
		{"hlog refused", ".r.hlog"},
		{"json refused", ".r.json"},
		{"no fault", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new")
			testFault = func(tmp string) error {
				if tc.failAt != "" && strings.HasPrefix(filepath.Base(tmp), tc.failAt) {
					return syscall.ENOSPC
				}
				return nil
			}
			defer func() { testFault = nil }()
			r, ivs := sampleResult()
			err := WriteResult(filepath.Join(dir, "r.json"), r, ivs)
			got := leftovers(t, dir)
			if tc.failAt == "" {
				if err != nil || strings.Join(got, ",") != "r.hlog,r.json" {
					t.Errorf("err %v, files %v", err, got)
				}
				return
			}
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("err %v, want ENOSPC", err)
			}
			if got != nil {
				t.Errorf("left behind: %v", got)
			}
		})
	}
}

// TestHistogramLogCutAnywhere: a .hlog cut at any byte, inside its header
// or an interval, is refused; with the checksum its result records, and,
// for results written before checksums, by its shape.
func TestHistogramLogCutAnywhere(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	r, ivs := sampleResult()
	r.Timeline = make([]TimelinePoint, len(ivs))
	if err := WriteResult(path, r, ivs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(HistogramLogPath(path))
	if err != nil {
		t.Fatal(err)
	}
	legacy := *r
	legacy.HistogramLogSHA256 = ""
	for _, tc := range []struct {
		name string
		r    *Result
	}{{"checksum", r}, {"no checksum", &legacy}} {
		t.Run(tc.name, func(t *testing.T) {
			cut := filepath.Join(dir, "cut.hlog")
			if err := os.WriteFile(cut, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadHistogramLog(cut, tc.r); err != nil {
				t.Fatalf("the whole log: %v", err)
			}
			for n := range len(data) {
				os.WriteFile(cut, data[:n], 0o644)
				if _, err := ReadHistogramLog(cut, tc.r); !errors.Is(err, ErrBadHistogramLog) {
					t.Fatalf("cut at byte %d of %d (%q): %v, want ErrBadHistogramLog", n, len(data), tail(data[:n]), err)
				}
			}
		})
	}
}

func tail(b []byte) string { return string(b[max(0, len(b)-20):]) }

// TestEncodedLogMatchesLogWriter: the lines written from encoded intervals
// are those of hdrhistogram-go's own HistogramLogWriter.
func TestEncodedLogMatchesLogWriter(t *testing.T) {
	r, ivs := sampleResult()
	var want bytes.Buffer
	lw := hdrhistogram.NewHistogramLogWriter(&want)
	startMs := r.StartedAt.UnixMilli()
	lw.SetBaseTime(startMs)
	enc := make([]EncodedInterval, len(ivs))
	for i, iv := range ivs {
		h := iv.Hist.H
		h.SetStartTimeMs(iv.Start / 1e6)
		h.SetEndTimeMs(iv.End / 1e6)
		h.SetTag("latency")
		if err := lw.OutputIntervalHistogram(h); err != nil {
			t.Fatal(err)
		}
		var err error
		if enc[i], err = EncodeInterval(iv); err != nil {
			t.Fatal(err)
		}
		back, err := enc[i].Decode()
		if err != nil || back.Hist.H.TotalCount() != h.TotalCount() || back.Hist.Quantile(99) != iv.Hist.Quantile(99) {
			t.Errorf("interval %d decodes to %v (%v)", i, back, err)
		}
	}
	var got bytes.Buffer
	if err := writeHistogramLog(&got, r, enc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got.String(), want.String()) {
		t.Errorf("encoded log ends\n%s\nwant\n%s", got.String(), want.String())
	}
}

// TestCleanStaleTemps: the temporary files of processes that died go, as
// do logs left without their result by a writer killed between its two
// renames; a live process's temporary files and fresh logs stay.
func TestCleanStaleTemps(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no child process to take a dead pid from:", err)
	}
	deadPid := strconv.Itoa(dead.Process.Pid)
	me := strconv.Itoa(os.Getpid())
	old := time.Now().Add(-2 * orphanAge)
	files := []struct {
		name  string
		old   bool
		stays bool
	}{
		{".r.json.tmp-" + deadPid + "-123", false, false},
		{".r.hlog.tmp-" + deadPid + "-456", false, false},
		{".r.json.tmp-" + me + "-789", false, true},
		{"lone.hlog", true, false},
		{"fresh.hlog", false, true},
		{"paired.hlog", true, true},
		{"paired.json", true, true},
		{"bare.hlog", true, true}, // the log of a result named "bare"
		{"bare", true, true},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		os.WriteFile(p, []byte("x"), 0o644)
		if f.old {
			os.Chtimes(p, old, old)
		}
	}
	CleanStaleTemps(dir)
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if (err == nil) != f.stays {
			t.Errorf("%s: present %v, want %v", f.name, err == nil, f.stays)
		}
	}
}
