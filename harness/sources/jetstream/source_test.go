package jetstream

import (
	"context"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

func TestSourceConformance(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, FileStore)
	enginetest.TestSource(t, func(partitions int) enginetest.Log {
		name := streamName("conformance")
		// Small batches, so the suite's offsets fall inside messages and
		// across their boundaries.
		l := newTestLog(t, c, LogConfig{Stream: name, Partitions: partitions, BatchRecords: 3})
		s := openTestSource(t, c, name, SourceOptions{Retain: 64})
		ctx := testContext(t)
		return enginetest.Log{
			Source: s,
			// The suite fetches right after publishing: wait until the
			// source has the records, as the harness's driver would not.
			Publish: func(p int, n int64) {
				if err := l.Publish(p, n, func(o int64) int64 { return o }); err != nil {
					t.Error(err)
					return
				}
				if err := l.Flush(ctx); err != nil {
					t.Error(err)
					return
				}
				if err := s.Wait(ctx, p, n-1); err != nil {
					t.Error(err)
					return
				}
			},
			Close: func() {
				if err := l.Close(ctx); err != nil {
					t.Error(err)
					return
				}
				for p, end := range l.Published() {
					if err := s.Wait(ctx, p, end); err != nil {
						t.Error(err)
						return
					}
				}
			},
		}
	})
}

var _ = context.Background
var _ engines.Record
