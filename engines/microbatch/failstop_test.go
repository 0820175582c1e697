package microbatch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

// TestEngineSinkErrorDuringDrain: a source that is drained at once (a
// closed source read by a direct stream) puts Run in its graceful stop
// while the first batch still runs; when that batch's output fails, Run
// must return the failure, not the clean end of the drain. Repeated,
// because the stop and the failure race.
func TestEngineSinkErrorDuringDrain(t *testing.T) {
	boom := errors.New("sink is full")
	for _, g := range engines.Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			for i := range 20 {
				e, err := NewEngine(EngineConfig{BatchInterval: 5 * time.Millisecond, Guarantee: g}, wordCount)
				if err != nil {
					t.Fatal(err)
				}
				src := enginetest.NewMemSource(2)
				fillSource(src, 10)
				src.CloseAll()
				err = e.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return boom }))
				if !errors.Is(err, boom) {
					t.Fatalf("run %d: Run = %v, want the sink's error", i, err)
				}
			}
		})
	}
}
