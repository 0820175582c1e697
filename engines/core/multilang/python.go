package multilang

import (
	_ "embed"
	"os"
	"path/filepath"
)

//go:embed python/storm.py
var stormPy []byte

// PythonHelperFile is the name a Python component imports the helper by
// (import storm).
const PythonHelperFile = "storm.py"

// WritePythonHelper writes python/storm.py, the helper Python components
// import, into dir, so that a program built from this module can run
// Python bolts and spouts without its source tree: put the component's
// script beside it and start the ShellBolt with Dir set to dir, as Storm
// ships storm.py in a topology's resources/ directory.
func WritePythonHelper(dir string) error {
	return os.WriteFile(filepath.Join(dir, PythonHelperFile), stormPy, 0o644)
}
