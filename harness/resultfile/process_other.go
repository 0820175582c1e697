//go:build !unix

package resultfile

// processAlive cannot tell here: every process counts as running, so no
// temporary file is removed by mistake.
func processAlive(int) bool { return true }
