//go:build unix

package harness

import "syscall"

// processCPU returns the user and system CPU time the process has used, in
// nanoseconds, and whether the platform could tell.
func processCPU() (user, system int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return ru.Utime.Nano(), ru.Stime.Nano(), true
}
