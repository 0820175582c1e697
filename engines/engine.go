package engines

import (
	"context"
	"fmt"
)

// Engine runs one pipeline: the seam between the harness and every engine.
// A workload builds an Engine from an engine's own API (a Storm topology, a
// DStream graph, a hand-written loop); the harness runs it over a Source and
// a Sink it owns.
type Engine interface {
	// Run processes src into sink. It returns nil once every partition of
	// src is closed, every record has been read and every output caused by
	// them has been written to sink (a graceful drain, like Storm's kill with
	// a wait or Spark's graceful stop). It returns ctx.Err() when ctx is done
	// first, and another error when the pipeline fails. Run returns only
	// after every goroutine it started has stopped. An Engine runs once.
	Run(ctx context.Context, src Source, sink Sink) error

	// Settings describes the engine's configuration for the result file,
	// using the original system's names where it has them
	// (topology.max.spout.pending, spark.streaming.blockInterval).
	Settings() Settings
}

// Settings is an engine's configuration as recorded in a result file.
// Values must encode as JSON.
type Settings map[string]any

// MetricsReporter is implemented by engines that keep their own metrics (a
// Storm component's execute latency, a Spark batch's scheduling delay). The
// harness calls Metrics after Run returns and stores the value, which must
// encode as JSON, in the result file beside its own measurements. The
// harness's figures never come from here: the harness owns time.
type MetricsReporter interface {
	Metrics() any
}

// Guarantee is a delivery guarantee a pipeline is configured for.
type Guarantee int

// The delivery guarantees, as the reference deck defines them.
const (
	// AtMostOnce: a record's effect appears once or not at all.
	AtMostOnce Guarantee = iota + 1
	// AtLeastOnce: a record's effect appears at least once; replays may
	// duplicate it.
	AtLeastOnce
	// ExactlyOnce: a record's effect appears exactly once, even after
	// failures and replays.
	ExactlyOnce
)

// Guarantees lists every guarantee, weakest first.
var Guarantees = []Guarantee{AtMostOnce, AtLeastOnce, ExactlyOnce}

// String returns the guarantee's name as the CLI spells it.
func (g Guarantee) String() string {
	switch g {
	case AtMostOnce:
		return "at-most-once"
	case AtLeastOnce:
		return "at-least-once"
	case ExactlyOnce:
		return "exactly-once"
	}
	return fmt.Sprintf("Guarantee(%d)", int(g))
}

// Description says what the guarantee promises, in one line.
func (g Guarantee) Description() string {
	switch g {
	case AtMostOnce:
		return "no record counted twice; records may be lost on failure"
	case AtLeastOnce:
		return "no record lost; replays may count a record twice"
	case ExactlyOnce:
		return "every record counted exactly once, even across failures"
	}
	return ""
}

// AllowsLoss reports whether outputs may be missing under g.
func (g Guarantee) AllowsLoss() bool { return g == AtMostOnce }

// AllowsDuplicates reports whether outputs may be repeated under g.
func (g Guarantee) AllowsDuplicates() bool { return g == AtLeastOnce }

// MarshalText encodes the guarantee by name.
func (g Guarantee) MarshalText() ([]byte, error) {
	if g < AtMostOnce || g > ExactlyOnce {
		return nil, fmt.Errorf("invalid guarantee %d", int(g))
	}
	return []byte(g.String()), nil
}

// UnmarshalText decodes a guarantee by name.
func (g *Guarantee) UnmarshalText(b []byte) error {
	v, err := ParseGuarantee(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// ParseGuarantee parses at-most-once, at-least-once or exactly-once.
func ParseGuarantee(s string) (Guarantee, error) {
	for _, g := range Guarantees {
		if g.String() == s {
			return g, nil
		}
	}
	return 0, fmt.Errorf("unknown guarantee %q (known: at-most-once, at-least-once, exactly-once)", s)
}
