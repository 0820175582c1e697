package hashtags_test

import (
	"fmt"

	"github.com/streambench/streambench/workloads/hashtags"
)

func ExampleParse() {
	user, tags, ok := hashtags.Parse("user42 streaming all the things #spark #storm", nil)
	fmt.Println(user, tags, ok)
	// Output: user42 [#spark #storm] true
}

// Counts only grow, so a tag enters the top n by passing the n-th count.
func ExampleRankings() {
	r := hashtags.NewRankings(2)
	for _, u := range []struct {
		tag   string
		count int64
	}{{"#go", 1}, {"#rust", 1}, {"#zig", 1}, {"#zig", 2}, {"#go", 2}, {"#go", 3}} {
		changed := r.UpdateWith(u.tag, u.count, nil)
		fmt.Println(u.tag, u.count, "changed ranks", changed, "->", r.Count(0), r.Count(1))
	}
	// Output:
	// #go 1 changed ranks [0] -> 1 0
	// #rust 1 changed ranks [1] -> 1 1
	// #zig 1 changed ranks [] -> 1 1
	// #zig 2 changed ranks [0] -> 2 1
	// #go 2 changed ranks [1] -> 2 2
	// #go 3 changed ranks [0] -> 3 2
}
