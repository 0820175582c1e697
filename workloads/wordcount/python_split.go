package wordcount

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/core/multilang"
)

// Values of the split parameter: which split bolt core's word count runs.
const (
	splitGo     = "go"
	splitPython = "python"
)

// pythonCommand is the interpreter PythonSplitBolt runs.
const pythonCommand = "python3"

//go:embed python/split_record.py
var splitRecordPy []byte

const splitRecordFile = "split_record.py"

// PythonSplitBolt is word count's split bolt written in Python
// (python/split_record.py) and run as a Storm ShellBolt: the record goes to
// a python3 subprocess as a multi-lang tuple, which emits ("word",
// "partition", "offset", "intended") for each word, anchored on the input
// and acked when it is split, as storm-starter's splitsentence.py does.
//
// Each task writes the script and storm.py, which the binary carries, into
// a directory of its own when it is prepared, as a Storm worker unpacks a
// topology's resources/, and removes it on Cleanup.
type PythonSplitBolt struct {
	multilang.ShellBolt
	dir string
}

func newPythonSplitBolt() *PythonSplitBolt {
	return &PythonSplitBolt{ShellBolt: multilang.ShellBolt{
		Command:      []string{pythonCommand, splitRecordFile},
		OutputFields: core.NewFields("word", "partition", "offset", "intended"),
	}}
}

// Prepare writes the scripts and starts the subprocess.
func (b *PythonSplitBolt) Prepare(conf core.Config, ctx *core.TopologyContext, c *core.OutputCollector) error {
	dir, err := os.MkdirTemp("", "streambench-split-python-")
	if err != nil {
		return fmt.Errorf("python split bolt: %w", err)
	}
	b.dir = dir
	if err := multilang.WritePythonHelper(dir); err != nil {
		b.removeDir()
		return fmt.Errorf("python split bolt: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, splitRecordFile), splitRecordPy, 0o644); err != nil {
		b.removeDir()
		return fmt.Errorf("python split bolt: %w", err)
	}
	b.Dir = dir
	if err := b.ShellBolt.Prepare(conf, ctx, c); err != nil {
		b.removeDir()
		return err
	}
	return nil
}

// Cleanup stops the subprocess and removes the scripts.
func (b *PythonSplitBolt) Cleanup() {
	b.ShellBolt.Cleanup()
	b.removeDir()
}

func (b *PythonSplitBolt) removeDir() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
		b.dir = ""
	}
}

// checkPython says why --param split=python cannot run here, if it cannot.
func checkPython() error {
	if _, err := exec.LookPath(pythonCommand); err != nil {
		return fmt.Errorf("wordcount: split=python runs the split bolt with %s, which is not on PATH: install Python 3 or use split=go", pythonCommand)
	}
	return nil
}
