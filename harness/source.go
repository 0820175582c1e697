package harness

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/streambench/streambench/engines"
)

// GeneratorSource is the in-process log a run's engine reads: the role of a
// Kafka topic, without the broker. The driver publishes records by advancing
// each partition's end; a fetch produces the records from the workload's
// generator, which can make any record from its address. The log therefore
// stores only each record's intended emit time, in a ring per partition, and
// offsets stay fetchable for as long as their slot in the ring is not reused
// (the retention: the ring's size).
//
// Fetch and Wait are safe for concurrent use; Publish and Close are called by
// one driver goroutine.
type GeneratorSource struct {
	fill     func(*engines.Record)
	parts    []sourcePartition
	mask     int64
	progress chan struct{} // a consumer advanced; wakes a waiting driver
}

type sourcePartition struct {
	end      atomic.Int64 // offsets below end are published
	read     atomic.Int64 // highest offset fetched + 1
	closed   atomic.Bool
	intended []atomic.Int64 // ring of intended emit times

	mu     sync.Mutex
	notify chan struct{} // closed and replaced on each publish
}

var _ engines.Source = (*GeneratorSource)(nil)

// NewGeneratorSource returns a source of partitions partitions whose records
// come from fill, retaining at least retention records per partition
// (rounded up to a power of two).
func NewGeneratorSource(partitions int, retention int64, fill func(*engines.Record)) *GeneratorSource {
	size := int64(1)
	for size < retention {
		size <<= 1
	}
	s := &GeneratorSource{
		fill:     fill,
		parts:    make([]sourcePartition, partitions),
		mask:     size - 1,
		progress: make(chan struct{}, 1),
	}
	for i := range s.parts {
		s.parts[i].intended = make([]atomic.Int64, size)
		s.parts[i].notify = make(chan struct{})
	}
	return s
}

// Partitions implements engines.Source.
func (s *GeneratorSource) Partitions() int { return len(s.parts) }

// Input returns the source as the engine reads it: a replayable log.
func (s *GeneratorSource) Input() engines.Input { return engines.LogInput(s) }

// Retention returns how many records per partition stay fetchable behind a
// partition's end.
func (s *GeneratorSource) Retention() int64 { return s.mask + 1 }

// Fetch implements engines.Source.
func (s *GeneratorSource) Fetch(p int, offset int64, buf []engines.Record) (int, error) {
	sp := &s.parts[p]
	closed := sp.closed.Load() // before end: once closed, end is final
	end := sp.end.Load()
	switch {
	case offset > end || offset < end-s.mask-1 || offset < 0:
		return 0, engines.ErrOffsetOutOfRange
	case offset == end && closed:
		return 0, io.EOF
	}
	n := min(int64(len(buf)), end-offset)
	for i := range n {
		r := &buf[i]
		r.Partition = int32(p)
		r.Offset = offset + i
		r.Intended = sp.intended[(offset+i)&s.mask].Load()
		s.fill(r)
	}
	// A slow replay may have lost the race with the ring: check its first
	// slot is still its own.
	if offset < sp.end.Load()-s.mask-1 {
		return 0, engines.ErrOffsetOutOfRange
	}
	for {
		read := sp.read.Load()
		if offset+n <= read {
			break
		}
		if sp.read.CompareAndSwap(read, offset+n) {
			select {
			case s.progress <- struct{}{}:
			default:
			}
			break
		}
	}
	return int(n), nil
}

// Wait implements engines.Source.
func (s *GeneratorSource) Wait(ctx context.Context, p int, offset int64) error {
	sp := &s.parts[p]
	for {
		sp.mu.Lock()
		ch := sp.notify
		sp.mu.Unlock()
		if offset < sp.end.Load() || sp.closed.Load() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Publish makes the records of partition p up to end visible, with intended
// emit times from intended(offset). It never blocks or fails: the driver
// bounds the backlog itself.
func (s *GeneratorSource) Publish(p int, end int64, intended func(offset int64) int64) error {
	sp := &s.parts[p]
	for o := sp.end.Load(); o < end; o++ {
		sp.intended[o&s.mask].Store(intended(o))
	}
	sp.end.Store(end)
	s.wake(sp)
	return nil
}

func (s *GeneratorSource) wake(sp *sourcePartition) {
	sp.mu.Lock()
	close(sp.notify)
	sp.notify = make(chan struct{})
	sp.mu.Unlock()
}

// Close closes every partition: the run's input is over.
func (s *GeneratorSource) Close() error {
	for i := range s.parts {
		s.parts[i].closed.Store(true)
		s.wake(&s.parts[i])
	}
	return nil
}

// ReadOffsets returns per partition the highest offset fetched + 1.
func (s *GeneratorSource) ReadOffsets() []int64 {
	out := make([]int64, len(s.parts))
	for i := range s.parts {
		out[i] = s.parts[i].read.Load()
	}
	return out
}

// Progress receives a value when the engine fetches.
func (s *GeneratorSource) Progress() <-chan struct{} { return s.progress }

// Published returns the records published to each partition.
func (s *GeneratorSource) Published() []int64 {
	out := make([]int64, len(s.parts))
	for i := range s.parts {
		out[i] = s.parts[i].end.Load()
	}
	return out
}

// Read returns how many distinct records the engine has fetched, over every
// partition (a replayed record counts once).
func (s *GeneratorSource) Read() int64 {
	var n int64
	for i := range s.parts {
		n += s.parts[i].read.Load()
	}
	return n
}
