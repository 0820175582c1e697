package baseline

import "github.com/streambench/streambench/engines"

// Spec is what the baseline offers the harness: at-most-once only, since a
// hand-written loop keeps no replay log or durable state, and no settings
// beyond the parallelism.
var Spec = &engines.Spec{
	Name:        "baseline",
	Description: "the hand-written Go loop: what the machine does with no framework",
	Offers: []engines.Offer{
		{Guarantee: engines.AtMostOnce, How: "no replay log or durable state"},
	},
	WayOut: map[engines.Guarantee]string{
		engines.AtLeastOnce: "for at-least-once use --engine core or microbatch",
		engines.ExactlyOnce: "for exactly-once use --engine trident or microbatch",
	},
	Connectors: []engines.Connector{{
		Kind:   engines.KindSocket,
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "the loop reads what a reader goroutine takes off each socket"}},
	}},
}

func init() { engines.Register(Spec) }
