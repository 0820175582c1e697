//go:build !unix

package harness

// processCPU cannot tell on this platform.
func processCPU() (user, system int64, ok bool) { return 0, 0, false }
