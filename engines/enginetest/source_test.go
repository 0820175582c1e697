package enginetest

import (
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestMemSource(t *testing.T) {
	TestSource(t, func(partitions int) Log {
		s := NewMemSource(partitions)
		return Log{
			Source: s,
			Publish: func(p int, n int64) {
				for int64(len(s.parts[p])) < n {
					s.Append(p, engines.Record{Value: "x"})
				}
			},
			Close: s.CloseAll,
		}
	})
}
