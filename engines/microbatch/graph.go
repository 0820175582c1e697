package microbatch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// graph is Spark's DStreamGraph: every DStream of a context, its inputs, and
// its output operations in the order they were defined.
type graph struct {
	streams []dstream
	inputs  []dstream
	outputs []*outputStream
}

// outputStream is one output operation (Spark's ForEachDStream): at each of
// its parent's batch times it turns the parent's RDD into a job.
type outputStream struct {
	index  int
	name   string
	parent dstream
	job    func(t Time) (func() error, error)
}

// start fixes the zero time of every DStream reachable from an output and
// the remember durations.
func (g *graph) start(zero Time, remember time.Duration) {
	for _, o := range g.outputs {
		o.parent.base().initialize(zero)
	}
	for _, o := range g.outputs {
		o.parent.base().rememberFor(remember)
	}
	// Inputs not reachable from an output still need a zero time, so their
	// receivers can run and be drained.
	for _, in := range g.inputs {
		if in.base().zero == 0 {
			in.base().initialize(zero)
		}
	}
}

// job is one output operation's work for one batch.
type job struct {
	output int
	name   string
	run    func() error
}

// generateJobs defines every output's RDD for batch t, in definition order.
func (g *graph) generateJobs(t Time) ([]job, error) {
	var jobs []job
	for _, o := range g.outputs {
		fn, err := o.job(t)
		if err != nil {
			return nil, fmt.Errorf("generating output %s for batch %s: %w", o.name, t, err)
		}
		if fn != nil {
			jobs = append(jobs, job{output: o.index, name: o.name, run: fn})
		}
	}
	return jobs, nil
}

// clearMetadata forgets what every DStream no longer needs after batch t.
func (g *graph) clearMetadata(t Time) {
	for _, o := range g.outputs {
		o.parent.clearMetadata(t)
	}
	for _, in := range g.inputs {
		in.clearMetadata(t)
	}
}

// describe lists the graph one DStream per line, then its outputs: what its
// fingerprint is made of.
func (g *graph) describe(batch time.Duration) []string {
	lines := []string{fmt.Sprintf("batchInterval=%v", batch)}
	for _, d := range g.streams {
		lines = append(lines, d.base().describe())
	}
	for _, o := range g.outputs {
		lines = append(lines, fmt.Sprintf("output %d %s of %d", o.index, o.name, o.parent.base().id))
	}
	return lines
}

// fingerprint hashes the graph's description. A checkpoint records it, and
// recovery refuses a checkpoint whose graph differs, instead of restoring
// state into operations it was not written by.
func fingerprint(lines []string) string {
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])
}

// diffGraphs explains the first difference between two graph descriptions.
func diffGraphs(checkpoint, now []string) string {
	for i := 0; i < max(len(checkpoint), len(now)); i++ {
		var a, b string
		if i < len(checkpoint) {
			a = checkpoint[i]
		}
		if i < len(now) {
			b = now[i]
		}
		if a != b {
			switch {
			case a == "":
				return fmt.Sprintf("the application has more than the checkpoint: %q", b)
			case b == "":
				return fmt.Sprintf("the checkpoint has more than the application: %q", a)
			}
			return fmt.Sprintf("the checkpoint has %q where the application has %q", a, b)
		}
	}
	return "the descriptions agree but their fingerprints do not"
}
