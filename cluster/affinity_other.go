//go:build !linux

package cluster

import "errors"

// PinProcess is available on Linux only.
func PinProcess(cpus []int) ([]int, error) {
	if len(cpus) == 0 {
		return nil, nil
	}
	return nil, errors.New("pinning workers to cores needs Linux (sched_setaffinity)")
}

// Affinity is available on Linux only.
func Affinity() ([]int, error) { return nil, nil }
