package fraud_test

import (
	"fmt"

	"github.com/streambench/streambench/workloads/fraud"
)

// A card's transactions, judged in order against its profile.
func ExampleRules_Check() {
	rules := fraud.Rules{AmountFactor: 5, MinHistory: 3, VelocityCount: 3, VelocityWindowMs: 1000, TravelWindowMs: 3_600_000}
	var card fraud.Profile
	for _, line := range []string{
		"tx1,4111111111111111,2000,US,m100001,1800000000000",
		"tx2,4111111111111111,1500,US,m100002,1800000060000",
		"tx3,4111111111111111,2500,US,m100003,1800000120000",
		"tx4,4111111111111111,99000,US,m100004,1800000180000", // 99000 > 5 * 2000
		"tx5,4111111111111111,1800,FR,m100005,1800000180400",  // Paris 400 ms after New York
		"tx6,4111111111111111,1900,FR,m100006,1800000180900",  // the third within a second
	} {
		t, _ := fraud.Parse(line)
		fmt.Println(t.ID, rules.Check(&card, t))
	}
	// Output:
	// tx1 none
	// tx2 none
	// tx3 none
	// tx4 amount
	// tx5 travel
	// tx6 velocity
}
