package rdd

import (
	"bufio"
	"fmt"
	"iter"
	"os"
	"path/filepath"
)

// ForeachPartition runs f on every partition, each as one task: Spark's
// foreachPartition, the usual way to write a batch to an external system with
// one connection per partition. f runs concurrently for different partitions.
func (r *RDD[T]) ForeachPartition(f func(p int, it iter.Seq[T]) error) error {
	return runJob(r.sc, r, r.n, func(p int) error {
		seq, err := r.Iterator(p)
		if err != nil {
			return err
		}
		return f(p, seq)
	})
}

// Foreach runs f on every element; calls for different partitions run
// concurrently.
func (r *RDD[T]) Foreach(f func(T)) error {
	return r.ForeachPartition(func(_ int, it iter.Seq[T]) error {
		for v := range it {
			f(v)
		}
		return nil
	})
}

// CollectPartitions returns every partition's elements.
func (r *RDD[T]) CollectPartitions() ([][]T, error) {
	parts := make([][]T, r.n)
	err := r.ForeachPartition(func(p int, it iter.Seq[T]) error {
		var part []T
		for v := range it {
			part = append(part, v)
		}
		parts[p] = part
		return nil
	})
	return parts, err
}

// Collect returns every element, partition by partition.
func (r *RDD[T]) Collect() ([]T, error) {
	parts, err := r.CollectPartitions()
	if err != nil {
		return nil, err
	}
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// Count returns the number of elements.
func (r *RDD[T]) Count() (int64, error) {
	counts := make([]int64, r.n)
	err := r.ForeachPartition(func(p int, it iter.Seq[T]) error {
		for range it {
			counts[p]++
		}
		return nil
	})
	var total int64
	for _, c := range counts {
		total += c
	}
	return total, err
}

// Take returns the first n elements, scanning partitions in order like
// Spark's take: one partition first, then more only if needed.
func (r *RDD[T]) Take(n int) ([]T, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := submitMissingParents(r.sc, r); err != nil {
		return nil, err
	}
	var out []T
	for p := 0; p < r.n && len(out) < n; p++ {
		err := r.sc.runTasks(fmt.Sprintf("%d (take from %s)", r.sc.nextStage.Add(1), r.rddName()), 1, func(int) error {
			seq, err := r.Iterator(p)
			if err != nil {
				return err
			}
			for v := range seq {
				out = append(out, v)
				if len(out) == n {
					break
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// First returns the first element, or ErrEmptyCollection.
func (r *RDD[T]) First() (T, error) {
	var zero T
	vs, err := r.Take(1)
	if err != nil {
		return zero, err
	}
	if len(vs) == 0 {
		return zero, fmt.Errorf("first of %s: %w", r.rddName(), ErrEmptyCollection)
	}
	return vs[0], nil
}

// IsEmpty reports whether the RDD has no elements.
func (r *RDD[T]) IsEmpty() (bool, error) {
	vs, err := r.Take(1)
	return len(vs) == 0, err
}

// Reduce folds the elements with f, which must be associative and
// commutative: each partition is reduced in its task, then the partial
// results on the caller. An RDD with no elements gives ErrEmptyCollection.
func (r *RDD[T]) Reduce(f func(T, T) T) (T, error) {
	type partial struct {
		v  T
		ok bool
	}
	partials := make([]partial, r.n)
	err := r.ForeachPartition(func(p int, it iter.Seq[T]) error {
		var acc partial
		for v := range it {
			if acc.ok {
				acc.v = f(acc.v, v)
			} else {
				acc = partial{v, true}
			}
		}
		partials[p] = acc
		return nil
	})
	var acc partial
	if err != nil {
		return acc.v, err
	}
	for _, p := range partials {
		switch {
		case !p.ok:
		case acc.ok:
			acc.v = f(acc.v, p.v)
		default:
			acc = p
		}
	}
	if !acc.ok {
		return acc.v, fmt.Errorf("reduce of %s: %w", r.rddName(), ErrEmptyCollection)
	}
	return acc.v, nil
}

// SaveAsTextFile writes the RDD as a directory of text files, one
// part-NNNNN file per partition with one element per line (formatted with
// %v), and an empty _SUCCESS marker, like Hadoop's output committer. The
// directory appears atomically: files are written under a temporary
// directory beside it, synced, and the directory is renamed into place, so
// a reader never sees a partial output. An existing path is an error.
func (r *RDD[T]) SaveAsTextFile(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("save %s: output directory %s already exists", r.rddName(), path)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("save %s: %w", r.rddName(), err)
	}
	defer os.RemoveAll(tmp)
	err = r.ForeachPartition(func(p int, it iter.Seq[T]) error {
		return writePart(filepath.Join(tmp, fmt.Sprintf("part-%05d", p)), it)
	})
	if err != nil {
		return err
	}
	if err := writePart[T](filepath.Join(tmp, "_SUCCESS"), func(func(T) bool) {}); err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save %s: %w", r.rddName(), err)
	}
	return syncDir(filepath.Dir(path))
}

func writePart[T any](name string, it iter.Seq[T]) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for v := range it {
		fmt.Fprintln(w, v)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
