package harness

import (
	"bytes"
	"os"
	"strconv"
)

// residentSetSize reads the process's resident set from /proc/self/statm
// (its second field, in pages).
func residentSetSize() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
