package logs_test

import (
	"fmt"

	"github.com/streambench/streambench/workloads/logs"
)

func ExampleParse() {
	l, ok := logs.Parse("2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503")
	fmt.Println(l.TimeMs, l.Level, l.Service, l.IsError(), ok)
	// Output: 1800000000123 ERROR checkout true true
}

// A service's windows, judged against the pooled error rate of the two
// before: a late line in an earlier window changes a later window's flag.
func ExampleDetector() {
	d := logs.Detector{FactorMilli: 2000, Windows: 2}
	var checkout logs.Service
	for _, add := range []struct{ window, lines, errors int64 }{
		{0, 100, 1},  // 1%: the first window, no baseline
		{10, 100, 5}, // 5% over 1%
		{0, 0, 2},    // the first window had 3%: 5% is no longer more than twice that
	} {
		_, flags := d.Add(&checkout, add.window, add.lines, add.errors, 0, nil)
		for _, f := range flags {
			fmt.Printf("window %d flag %d\n", f.Window, f.Flag)
		}
	}
	// Output:
	// window 0 flag 0
	// window 10 flag 1
	// window 10 flag 0
}
