package harness

import "github.com/streambench/streambench/engines"

// The engines of the harness's own tests, registered like real ones: fake
// runs whatever a test's workload gives it; capped processes at most
// 20,000 records/s.
func init() {
	engines.Register(&engines.Spec{Name: "fake", Description: "a test's own loop",
		Offers: []engines.Offer{{Guarantee: engines.AtLeastOnce, How: "whatever the test does"}}})
	engines.Register(&engines.Spec{Name: "capped", Description: "processes at most 20,000 records/s",
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "a rate-limited loop"}}})
}
