package microbatch

import (
	"bufio"
	"fmt"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// ForeachRDD registers an output operation that calls f with each batch's
// RDD and time, Spark's foreachRDD. f runs on the job executor, after the
// jobs of the outputs defined before it; it is where a batch is written to
// an external system, typically with rdd.ForeachPartition so each partition
// writes in its own task. An error from f, or a panic, fails the batch and
// stops the context. It returns a definition error of d or its lineage.
func (d *DStream[T]) ForeachRDD(f func(r *rdd.RDD[T], t Time) error) error {
	if f == nil {
		return &DefinitionError{Op: "foreachRDD", Err: fmt.Errorf("%w: nil function", ErrInvalidArgument)}
	}
	return d.output("foreachRDD", f)
}

func (d *DStream[T]) output(name string, f func(r *rdd.RDD[T], t Time) error) error {
	return d.ssc.addOutput(d, fmt.Sprintf("%s at %s", name, d), func(t Time) (func() error, error) {
		r, err := d.getOrCompute(t)
		if err != nil || r == nil {
			return nil, err
		}
		return func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = &rdd.PanicError{Value: v}
				}
			}()
			return f(r, t)
		}, nil
	})
}

// Print prints the first num elements (default 10) of every batch to the
// context's output, in Spark's format:
//
//	-------------------------------------------
//	Time: 1357008430000 ms
//	-------------------------------------------
//	(be,2)
//	(to,2)
//	...
//
// with "..." when the batch has more than num elements, and a blank line
// after each batch.
func (d *DStream[T]) Print(num ...int) error {
	n := 10
	if len(num) > 0 {
		n = num[0]
	}
	if n < 0 || len(num) > 1 {
		return &DefinitionError{Op: "print", Err: fmt.Errorf("%w: print takes one non-negative count, got %v", ErrInvalidArgument, num)}
	}
	return d.output("print", func(r *rdd.RDD[T], t Time) error {
		first, err := r.Take(n + 1)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(d.ssc.out)
		fmt.Fprintln(w, "-------------------------------------------")
		fmt.Fprintf(w, "Time: %s\n", t)
		fmt.Fprintln(w, "-------------------------------------------")
		for i, v := range first {
			if i == n {
				fmt.Fprintln(w, "...")
				break
			}
			fmt.Fprintln(w, v)
		}
		fmt.Fprintln(w)
		return w.Flush()
	})
}

// SaveAsTextFiles writes each batch as a directory of text files named
// prefix-TIME_IN_MS[.suffix], one part file per partition, like Spark. Each
// directory appears atomically (see rdd.SaveAsTextFile). A batch whose
// directory already exists, as when a batch runs again after recovery, is
// skipped: the files are the batch's output already, which keeps this
// output idempotent.
func (d *DStream[T]) SaveAsTextFiles(prefix, suffix string) error {
	if prefix == "" {
		return &DefinitionError{Op: "saveAsTextFiles", Err: fmt.Errorf("%w: empty prefix", ErrInvalidArgument)}
	}
	return d.output("saveAsTextFiles", func(r *rdd.RDD[T], t Time) error {
		path := fmt.Sprintf("%s-%d", prefix, t.Milliseconds())
		if suffix != "" {
			path += "." + suffix
		}
		if exists(path) {
			return nil
		}
		return r.SaveAsTextFile(path)
	})
}
