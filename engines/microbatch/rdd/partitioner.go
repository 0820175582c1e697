package rdd

import (
	"fmt"
	"hash/maphash"
	"math"
)

// Partitioner places keys in partitions, Spark's Partitioner. Two RDDs with
// equal partitioners (==) hold every key in the same partition, so joining or
// cogrouping them needs no shuffle.
type Partitioner[K comparable] interface {
	NumPartitions() int
	GetPartition(key K) int
}

// HashPartitioner places a key by its hash modulo the partition count, like
// Spark's default partitioner. Strings and integers hash the same way in
// every process, so map and reduce sides in different processes agree.
type HashPartitioner[K comparable] struct {
	n    int
	hash func(K) uint64
}

// NewHashPartitioner returns a HashPartitioner with n partitions.
func NewHashPartitioner[K comparable](n int) (*HashPartitioner[K], error) {
	if n < 1 {
		return nil, fmt.Errorf("hash partitioner with %d partitions: %w", n, ErrInvalidPartitions)
	}
	return &HashPartitioner[K]{n: n, hash: hasherFor[K]()}, nil
}

// NumPartitions implements Partitioner.
func (h *HashPartitioner[K]) NumPartitions() int { return h.n }

// GetPartition implements Partitioner.
func (h *HashPartitioner[K]) GetPartition(key K) int { return int(h.hash(key) % uint64(h.n)) }

// String names the partitioner for error messages.
func (h *HashPartitioner[K]) String() string { return fmt.Sprintf("HashPartitioner(%d)", h.n) }

// Equal reports whether o partitions keys the same way. HashPartitioners are
// equal when their partition counts are, as in Spark.
func (h *HashPartitioner[K]) Equal(o any) bool {
	x, ok := o.(*HashPartitioner[K])
	return ok && x.n == h.n
}

// samePartitioner reports whether a and b lay keys out identically.
func samePartitioner(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	if e, ok := a.(interface{ Equal(any) bool }); ok {
		return e.Equal(b)
	}
	return a == b
}

// processSeed hashes key types that have no stable hash below. Their layout
// is only valid within one process, which is all local mode needs; state
// restored from a checkpoint is re-partitioned on load.
var processSeed = maphash.MakeSeed()

// hasherFor picks the hash function for K once, so the per-record path does
// no type switch.
func hasherFor[K comparable]() func(K) uint64 {
	var zero K
	switch any(zero).(type) {
	case string:
		return any(func(s string) uint64 { return fnv1a(s) }).(func(K) uint64)
	case int:
		return any(func(v int) uint64 { return mix64(uint64(v)) }).(func(K) uint64)
	case int64:
		return any(func(v int64) uint64 { return mix64(uint64(v)) }).(func(K) uint64)
	case int32:
		return any(func(v int32) uint64 { return mix64(uint64(v)) }).(func(K) uint64)
	case uint64:
		return any(func(v uint64) uint64 { return mix64(v) }).(func(K) uint64)
	case float64:
		return any(func(v float64) uint64 { return mix64(math.Float64bits(v)) }).(func(K) uint64)
	case bool:
		return any(func(v bool) uint64 {
			if v {
				return 1
			}
			return 0
		}).(func(K) uint64)
	}
	return func(k K) uint64 { return maphash.Comparable(processSeed, k) }
}

// fnv1a is the 64-bit FNV-1a hash: stable across processes and cheap on the
// short keys (words, ids) streaming jobs group by.
func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is SplitMix64's finaliser: it spreads every input bit over the
// output, so a modulo by a small partition count is balanced.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
