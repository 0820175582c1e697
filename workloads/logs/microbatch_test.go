package logs

import (
	"bytes"
	"encoding/gob"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/internal/wincount"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestMicrobatchRefusesBadLines: a record that is not a log line ends the
// run with an error naming it.
func TestMicrobatchRefusesBadLines(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("microbatch") {
		eng, err := in.Pipeline("microbatch", engines.Options{Parallelism: 1, Guarantee: m.Guarantee, Conf: engines.Conf{microbatch.ConfBatchDuration: "20ms"}})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503", "yesterday ERROR checkout")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not a log line") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}

// TestMicrobatchServiceCheckpoints: a service's windows judge the same
// after the gob round trip a checkpoint puts them through.
func TestMicrobatchServiceCheckpoints(t *testing.T) {
	d := Detector{FactorMilli: 3000, Windows: 2}
	a, b := &serviceWindows{}, &serviceWindows{}
	for _, c := range []windowCount{{window: 10, lineCount: lineCount{seen: wincount.Seen{N: 100}, errors: 2}}, {window: 20, lineCount: lineCount{seen: wincount.Seen{N: 100}, errors: 1}}} {
		a.add(d, "svc", c)
		b.add(d, "svc", c)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(map[string]*serviceWindows{"svc": a}); err != nil {
		t.Fatal(err)
	}
	var got map[string]*serviceWindows
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	next := windowCount{window: 30, lineCount: lineCount{seen: wincount.Seen{N: 100}, errors: 40}}
	want, have := b.add(d, "svc", next), got["svc"].add(d, "svc", next)
	if len(want) != len(have) {
		t.Fatalf("%d updates after the round trip, %d without", len(have), len(want))
	}
	for i := range want {
		if want[i] != have[i] {
			t.Errorf("update %d: %+v after the round trip, %+v without", i, have[i], want[i])
		}
	}
	if want[len(want)-1].Value != 1 {
		t.Errorf("the incident window was not flagged: %+v", want)
	}
}
