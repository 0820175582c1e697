package engines_test

import (
	"encoding/json"
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestGuarantee(t *testing.T) {
	for _, tc := range []struct {
		g          engines.Guarantee
		loss, dups bool
	}{
		{engines.AtMostOnce, true, false},
		{engines.AtLeastOnce, false, true},
		{engines.ExactlyOnce, false, false},
	} {
		parsed, err := engines.ParseGuarantee(tc.g.String())
		if err != nil || parsed != tc.g {
			t.Errorf("ParseGuarantee(%q) = %v, %v", tc.g, parsed, err)
		}
		if tc.g.AllowsLoss() != tc.loss || tc.g.AllowsDuplicates() != tc.dups {
			t.Errorf("%s: loss %v dups %v", tc.g, tc.g.AllowsLoss(), tc.g.AllowsDuplicates())
		}
		b, _ := json.Marshal(tc.g)
		var back engines.Guarantee
		if err := json.Unmarshal(b, &back); err != nil || back != tc.g {
			t.Errorf("JSON round trip of %s: %s -> %v, %v", tc.g, b, back, err)
		}
	}
	if _, err := engines.ParseGuarantee("twice"); err == nil {
		t.Error("ParseGuarantee accepted twice")
	}
	if _, err := json.Marshal(engines.Guarantee(0)); err == nil {
		t.Error("the zero guarantee encoded")
	}
}
