package enginetest

import "github.com/streambench/streambench/engines"

// MemKV is engines.MemoryKV, the in-memory coordination store.
type MemKV = engines.MemoryKV

// NewMemKV returns an empty store.
func NewMemKV() *MemKV { return engines.NewMemoryKV() }
