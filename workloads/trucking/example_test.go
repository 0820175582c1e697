package trucking_test

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/trucking"
)

// An event is judged against the static tables: the stream's first event,
// then the same truck at 200 km/h (every limit is 120 or less), then on a
// segment no route plans.
func ExampleRoads_Check() {
	in, _ := trucking.New(workloads.Config{Seed: 1, Partitions: 1, EventStart: 1_800_000_000e9, EventRate: 1000})
	roads := in.Roads()
	r := engines.Record{}
	in.Fill(&r)
	e, _ := trucking.Parse(r.Value)
	fmt.Println(roads.Check(e))
	e.Speed = 200
	fmt.Println(roads.Check(e))
	fmt.Println(trucking.SpeedingKey(e))
	e.Segment = "S-nowhere"
	fmt.Println(roads.Check(e))
	// Output:
	// false false
	// true false
	// speeding:T00033:e0
	// false true
}
