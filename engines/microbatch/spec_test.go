package microbatch_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
)

func discardPipeline(_ *microbatch.StreamingContext, in *microbatch.DStream[engines.Record], sink engines.Sink) error {
	return microbatch.WriteToSink(microbatch.Map(in, func(r engines.Record) engines.Output { return engines.Output{Key: r.Value} }), sink)
}

// TestEngineForRefuses: what the micro-batch engine's Spec and EngineFor
// refuse, each naming the setting at fault.
func TestEngineForRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts engines.Options
		want string
		key  string
	}{
		{"no parallelism", engines.Options{Parallelism: 0, Guarantee: engines.AtLeastOnce}, "parallelism", ""},
		{"negative batch interval", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{microbatch.ConfBatchDuration: "-1s"}}, "milliseconds", microbatch.ConfBatchDuration},
		{"fractional batch interval", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{microbatch.ConfBatchDuration: "1500us"}}, "milliseconds", microbatch.ConfBatchDuration},
		{"unknown guarantee", engines.Options{Parallelism: 1, Guarantee: engines.Guarantee(99)}, "not Guarantee(99)", ""},
		{"unknown spark key", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{"spark.streaming.blockIntervall": "100ms"}}, `did you mean "spark.streaming.blockInterval"`, "spark.streaming.blockIntervall"},
		{"a storm key", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{"topology.workers": "2"}}, "no such setting", "topology.workers"},
		{"bad value", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{microbatch.ConfBackpressure: "maybe"}}, "true or false", microbatch.ConfBackpressure},
		{"no WAL at at-least-once", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{microbatch.ConfWALEnable: "false"}}, "needs", microbatch.ConfWALEnable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := microbatch.EngineFor(tc.opts, discardPipeline)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var ce *engines.ConfError
			if tc.key != "" && (!errors.As(err, &ce) || ce.Key != tc.key) {
				t.Fatalf("error %v does not name the key %s", err, tc.key)
			}
		})
	}
}

// TestEngineForSettings: the batch interval, the master and the input the
// guarantee chose are recorded.
func TestEngineForSettings(t *testing.T) {
	eng, err := microbatch.EngineFor(engines.Options{Parallelism: 3, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{microbatch.ConfBatchDuration: "250ms"}}, discardPipeline)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.Settings()
	if s["batchInterval"] != "250ms" || s["spark.master"] != "local[3]" || !strings.Contains(fmt.Sprint(s["input"]), "direct stream") {
		t.Fatalf("settings %v ignore the options", s)
	}
}
