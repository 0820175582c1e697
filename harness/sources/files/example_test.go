package files_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/sources/files"
)

// Example writes two partitions' records into a directory: a file per
// partition and flush, then the end file, each renamed in whole.
func Example() {
	fill := func(r *engines.Record) { r.Value = fmt.Sprintf("record %d of partition %d", r.Offset, r.Partition) }
	l, err := files.New(2, fill, files.Options{})
	if err != nil {
		panic(err)
	}
	defer l.Remove()
	at := func(offset int64) int64 { return 1_700_000_000_000_000_000 + offset }
	l.Publish(0, 2, at)
	l.Publish(1, 1, at)
	l.Close()

	names, _ := filepath.Glob(filepath.Join(l.Dir(), "*"))
	for _, name := range names {
		data, _ := os.ReadFile(name)
		fmt.Printf("%s:\n%s", filepath.Base(name), data)
	}
	// Output:
	// 000000001-p0.txt:
	// 0 0 0 1700000000000000000 record 0 of partition 0
	// 0 1 0 1700000000000000001 record 1 of partition 0
	// 000000002-p1.txt:
	// 1 0 0 1700000000000000000 record 0 of partition 1
	// 000000003-end.txt:
	// end 0 2
	// end 1 1
}
