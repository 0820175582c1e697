package harness

import (
	"testing"

	"github.com/streambench/streambench/engines/enginetest"
)

func TestGeneratorSourceConformance(t *testing.T) {
	enginetest.TestSource(t, func(partitions int) enginetest.Log {
		s := NewGeneratorSource(partitions, 64, fillValue)
		return enginetest.Log{
			Source:  s,
			Publish: func(p int, n int64) { s.Publish(p, n, func(o int64) int64 { return o }) },
			Close:   func() { s.Close() },
		}
	})
}
