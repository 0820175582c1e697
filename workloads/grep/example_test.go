package grep_test

import (
	"fmt"

	"github.com/streambench/streambench/workloads/grep"
)

func ExampleMatcher() {
	m := grep.NewMatcher("needle")
	for _, line := range []string{
		"hay hay a needle hay",
		"hay needlework hay", // a fixed string, not a word: this matches too
		"hay hay hay hay hay",
	} {
		fmt.Println(m.Match(line))
	}
	// Output:
	// true
	// true
	// false
}
