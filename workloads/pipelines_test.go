package workloads_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

type fakeEngine struct{ engines.Engine }

// alpha and zeta are engines of this test, registered as real ones are.
func init() {
	for _, name := range []string{"alpha", "zeta"} {
		engines.Register(&engines.Spec{Name: name, Offers: []engines.Offer{{Guarantee: engines.AtLeastOnce, How: "a test's"}}})
	}
}

func TestPipelines(t *testing.T) {
	var built []string
	p := workloads.Pipelines[string]{
		"zeta": func(in string, _ engines.Options) (engines.Engine, error) {
			built = append(built, "zeta "+in)
			return fakeEngine{}, nil
		},
		"alpha": func(in string, _ engines.Options) (engines.Engine, error) {
			built = append(built, "alpha "+in)
			return fakeEngine{}, nil
		},
	}
	if got := p.Names(); !slices.Equal(got, []string{"alpha", "zeta"}) {
		t.Errorf("Names() = %v", got)
	}
	for _, tc := range []struct {
		engine      string
		parallelism int
		want        string // error substring; "" builds
		unsupported bool
	}{
		{"alpha", 1, "", false},
		{"zeta", 4, "", false},
		{"gamma", 1, `w on "gamma"`, true},
		{"alpha", 0, "parallelism must be at least 1, got 0", false},
		{"alpha", -1, "parallelism must be at least 1, got -1", false},
	} {
		eng, err := p.Build("w", "in", tc.engine, engines.Options{Parallelism: tc.parallelism, Guarantee: engines.AtLeastOnce})
		switch {
		case tc.want == "" && (err != nil || eng == nil):
			t.Errorf("Build(%s, %d) = %v, %v", tc.engine, tc.parallelism, eng, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Build(%s, %d) error %v, want %q", tc.engine, tc.parallelism, err, tc.want)
		case errors.Is(err, workloads.ErrUnsupportedEngine) != tc.unsupported:
			t.Errorf("Build(%s, %d) error %v: unsupported %v", tc.engine, tc.parallelism, err, !tc.unsupported)
		}
	}
	if !slices.Equal(built, []string{"alpha in", "zeta in"}) {
		t.Errorf("built %v", built)
	}
	// The engine's Spec is checked before the pipeline is built.
	if _, err := p.Build("w", "in", "alpha", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce}); !errors.Is(err, engines.ErrGuaranteeNotOffered) {
		t.Errorf("a guarantee alpha does not offer: %v", err)
	}
	if _, err := p.Build("w", "in", "alpha", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{"k": "v"}}); err == nil || !strings.Contains(err.Error(), "takes no settings") {
		t.Errorf("a setting alpha does not know: %v", err)
	}
	if len(built) != 2 {
		t.Errorf("a refused pipeline was built: %v", built)
	}
}
