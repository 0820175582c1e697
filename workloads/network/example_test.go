package network_test

import (
	"fmt"

	"github.com/streambench/streambench/workloads/network"
)

func ExampleParse() {
	c, ok := network.Parse("310-260-20431-51203,310260482913377,data,48213,12")
	fmt.Printf("%+v %v\n", c, ok)
	// Output: {Tower:310-260-20431-51203 Subscriber:310260482913377 Kind:data Bytes:48213 Duration:12} true
}

// A tower of capacity 3: the decision is taken once, by the update that
// reaches it, whether loads grow one record at a time or a batch at a time.
func ExampleCrosses() {
	for _, step := range [][2]int64{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 7}} {
		fmt.Println(step[0], "->", step[1], network.Crosses(3, step[0], step[1]))
	}
	// Output:
	// 0 -> 1 false
	// 1 -> 2 false
	// 2 -> 3 true
	// 3 -> 4 false
	// 0 -> 7 true
}
