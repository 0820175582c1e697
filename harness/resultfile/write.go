package resultfile

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A file streambench writes goes first to a temporary name beside it,
// ".<name>.tmp-<pid>-<random>", is synced, and is renamed into place; the
// pid lets a later write clean the temporary files of a process that died
// (SIGKILL, a crash) before renaming them (CleanStaleTemps).
const tempMark = ".tmp-"

// orphanAge is how old a histogram log without its result file must be
// before CleanStaleTemps removes it: a writer renames the log and then the
// result within microseconds, so an older lone log is one whose writer died
// between the two renames.
const orphanAge = time.Minute

// testFault, when set by a test, is called after each temporary file is
// written; an error it returns fails the write there, as a full disk would.
var testFault func(tmp string) error

// checkTarget refuses a path streambench must not write over: anything but
// a regular file or a new path (a directory, a device such as /dev/null, a
// pipe, a socket, a symbolic link). A rename would replace it with a file.
func checkTarget(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory: give a file name", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s): give a new path or a regular file to replace", path, describeMode(fi.Mode()))
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}

// CheckWritable reports whether a file can be written at path, before a run
// spends time, and changes nothing: path must be new or a regular file, and
// its directory must exist and take files, or be creatable under the
// nearest directory that exists. Directories are created only when the file
// is written.
func CheckWritable(path string) error {
	if err := checkTarget(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		dir = parent
	}
	f, err := os.CreateTemp(dir, ".streambench-check"+tempMark+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// CheckResultWritable is CheckWritable for a result file and the histogram
// log beside it.
func CheckResultWritable(path string) error {
	if err := CheckWritable(path); err != nil {
		return err
	}
	return checkTarget(HistogramLogPath(path))
}

// WriteFile writes data to path atomically: to a temporary file in the same
// directory (created if need be), synced, then renamed over path. A reader
// sees the old file or the whole new one, never a part; on an error nothing
// new is left. Path must be new or a regular file.
func WriteFile(path string, data []byte) error {
	if err := checkTarget(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := writeTemp(path, func(w io.Writer) error { _, err := w.Write(data); return err })
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(dir)
	return nil
}

// writeTemp writes a synced temporary file beside path and returns its name;
// on an error it leaves nothing.
func writeTemp(path string, write func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempMark+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && testFault != nil {
		err = testFault(tmp)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// HistogramLogPath returns the .hlog path beside a result path.
func HistogramLogPath(resultPath string) string {
	return strings.TrimSuffix(resultPath, ".json") + ".hlog"
}

// WriteResult writes r to path and its histogram log beside it. The two
// appear together or not at all: both are written to temporary files and
// synced, then the log is renamed into place and the result after it, so a
// result never names a missing log; a process killed between the renames
// leaves a log without a result, which readers ignore (they start from
// result files) and CleanStaleTemps removes. On an error (a full disk)
// neither is left. WriteResult sets r.HistogramLog to the log's file name
// and r.HistogramLogSHA256 to its checksum. The intervals are written in
// order, tagged "latency"; their Warmup marks are not part of the log (a
// reader derives them from the result's warm-up, see DecodeHistogramLog).
func WriteResult(path string, r *Result, intervals []IntervalHistogram) error {
	enc := make([]EncodedInterval, len(intervals))
	for i, iv := range intervals {
		e, err := EncodeInterval(iv)
		if err != nil {
			return fmt.Errorf("encoding histogram log: %w", err)
		}
		enc[i] = e
	}
	return WriteEncodedResult(path, r, enc)
}

// WriteEncodedResult is WriteResult for intervals already encoded.
func WriteEncodedResult(path string, r *Result, intervals []EncodedInterval) error {
	hlogPath := HistogramLogPath(path)
	if hlogPath == path {
		return fmt.Errorf("%s: a result file needs a name other than its histogram log's", path)
	}
	for _, p := range []string{path, hlogPath} {
		if err := checkTarget(p); err != nil {
			return err
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	CleanStaleTemps(dir)
	sum := sha256.New()
	hlogTmp, err := writeTemp(hlogPath, func(w io.Writer) error {
		return writeHistogramLog(io.MultiWriter(w, sum), r, intervals)
	})
	if err != nil {
		return err
	}
	r.HistogramLog = filepath.Base(hlogPath)
	r.HistogramLogSHA256 = hex.EncodeToString(sum.Sum(nil))
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		os.Remove(hlogTmp)
		return fmt.Errorf("encoding result: %w", err)
	}
	jsonTmp, err := writeTemp(path, func(w io.Writer) error { _, err := w.Write(append(data, '\n')); return err })
	if err != nil {
		os.Remove(hlogTmp)
		return err
	}
	if err := os.Rename(hlogTmp, hlogPath); err != nil {
		os.Remove(hlogTmp)
		os.Remove(jsonTmp)
		return err
	}
	if err := os.Rename(jsonTmp, path); err != nil {
		os.Remove(jsonTmp)
		os.Remove(hlogPath)
		return err
	}
	syncDir(dir)
	return nil
}

// CleanStaleTemps removes from dir what writers that died left behind: the
// temporary files of processes no longer running, and histogram logs
// without their result file older than a minute. It is best effort: a file
// it cannot remove stays.
func CleanStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if pid, ok := tempOwner(name); ok {
			if pid != os.Getpid() && !processAlive(pid) {
				os.Remove(filepath.Join(dir, name))
			}
			continue
		}
		if stem, ok := strings.CutSuffix(name, ".hlog"); ok && !strings.HasPrefix(name, ".") && !names[stem+".json"] && !names[stem] {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > orphanAge {
				os.Remove(filepath.Join(dir, name))
			}
		}
	}
}

// tempOwner returns the pid in a temporary file's name.
func tempOwner(name string) (int, bool) {
	if !strings.HasPrefix(name, ".") {
		return 0, false
	}
	i := strings.LastIndex(name, tempMark)
	if i < 0 {
		return 0, false
	}
	pid, _, ok := strings.Cut(name[i+len(tempMark):], "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}
