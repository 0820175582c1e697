package cluster

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// PinProcess restricts every thread of this process to the given cores
// (sched_setaffinity per thread: the call binds one thread, and threads
// the runtime starts later inherit the mask of the thread that starts
// them). It returns the cores the calling thread may then run on.
func PinProcess(cpus []int) ([]int, error) {
	if len(cpus) == 0 {
		return nil, nil
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	// Twice, for threads started while the first pass ran.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return nil, fmt.Errorf("pin to cores %v: %w", cpus, err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return nil, fmt.Errorf("pin thread %d to cores %v: %w (are those cores online? see nproc)", tid, cpus, err)
			}
		}
	}
	return Affinity()
}

// Affinity returns the cores the calling thread may run on.
func Affinity() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var out []int
	for c := range coordMaxCores {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

const coordMaxCores = 1024
