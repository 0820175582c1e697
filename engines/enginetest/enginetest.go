// Package enginetest has a Source and a Sink for testing engines without the
// harness: an in-memory log whose partitions tests publish to and close, and
// a sink that collects every output.
package enginetest

import (
	"context"
	"io"
	"slices"
	"sync"

	"github.com/streambench/streambench/engines"
)

// MemSource is an in-memory engines.Source. Records are published with Append
// and partitions closed with Close; it keeps every record, so any offset can
// be fetched again. It is safe for concurrent use.
type MemSource struct {
	mu     sync.Mutex
	parts  [][]engines.Record
	closed []bool
	notify []chan struct{}
	reads  []int64 // highest offset fetched + 1, per partition
}

var _ engines.Source = (*MemSource)(nil)

// NewMemSource returns an empty source with n partitions.
func NewMemSource(n int) *MemSource {
	s := &MemSource{
		parts:  make([][]engines.Record, n),
		closed: make([]bool, n),
		notify: make([]chan struct{}, n),
		reads:  make([]int64, n),
	}
	for i := range s.notify {
		s.notify[i] = make(chan struct{})
	}
	return s
}

// Append publishes values to partition p, stamping partition, offset and, when
// zero, intended and event times (both set to the offset, so tests can tell
// records apart). It panics if p is closed.
func (s *MemSource) Append(p int, recs ...engines.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed[p] {
		panic("enginetest: append to a closed partition")
	}
	for _, r := range recs {
		r.Partition = int32(p)
		r.Offset = int64(len(s.parts[p]))
		if r.Intended == 0 {
			r.Intended = r.Offset + 1
		}
		if r.EventTime == 0 {
			r.EventTime = r.Intended
		}
		s.parts[p] = append(s.parts[p], r)
	}
	close(s.notify[p])
	s.notify[p] = make(chan struct{})
}

// AppendValues publishes one record per value to partition p.
func (s *MemSource) AppendValues(p int, values ...string) {
	recs := make([]engines.Record, len(values))
	for i, v := range values {
		recs[i].Value = v
	}
	s.Append(p, recs...)
}

// Close closes partition p; a closed partition takes no more records.
func (s *MemSource) Close(p int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed[p] {
		s.closed[p] = true
		close(s.notify[p])
		s.notify[p] = make(chan struct{})
	}
}

// CloseAll closes every partition.
func (s *MemSource) CloseAll() {
	for p := range s.parts {
		s.Close(p)
	}
}

// Read returns how many records of partition p have been fetched at least once.
func (s *MemSource) Read(p int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[p]
}

// Partitions implements engines.Source.
func (s *MemSource) Partitions() int { return len(s.parts) }

// Fetch implements engines.Source.
func (s *MemSource) Fetch(p int, offset int64, buf []engines.Record) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	part := s.parts[p]
	if offset < 0 || offset > int64(len(part)) {
		return 0, engines.ErrOffsetOutOfRange
	}
	if offset == int64(len(part)) {
		if s.closed[p] {
			return 0, io.EOF
		}
		return 0, nil
	}
	n := copy(buf, part[offset:])
	s.reads[p] = max(s.reads[p], offset+int64(n))
	return n, nil
}

// Wait implements engines.Source.
func (s *MemSource) Wait(ctx context.Context, p int, offset int64) error {
	for {
		s.mu.Lock()
		ready := offset < int64(len(s.parts[p])) || s.closed[p]
		ch := s.notify[p]
		s.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// CollectSink is an engines.Sink that keeps every output in arrival order.
type CollectSink struct {
	mu   sync.Mutex
	outs []engines.Output
}

var _ engines.Sink = (*CollectSink)(nil)

// Write implements engines.Sink.
func (s *CollectSink) Write(outs []engines.Output) error {
	s.mu.Lock()
	s.outs = append(s.outs, outs...)
	s.mu.Unlock()
	return nil
}

// Outputs returns a copy of every output written so far.
func (s *CollectSink) Outputs() []engines.Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outs)
}

// Final returns the last value written for each key, ignoring windows.
func (s *CollectSink) Final() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int64)
	for _, o := range s.outs {
		m[o.Key] = o.Value
	}
	return m
}
