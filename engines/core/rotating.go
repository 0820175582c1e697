package core

// rotatingMap is Storm's RotatingMap: entries live in a ring of buckets;
// new entries go into the newest bucket, and each rotation drops the
// oldest bucket and returns what it held. With two buckets rotated every
// message timeout, an entry expires between one and two timeouts after it
// was put, as in Storm's spouts and ackers.
type rotatingMap[V any] struct {
	buckets []map[uint64]V // buckets[0] is the newest
}

func newRotatingMap[V any](n int) *rotatingMap[V] {
	r := &rotatingMap[V]{buckets: make([]map[uint64]V, n)}
	for i := range r.buckets {
		r.buckets[i] = make(map[uint64]V)
	}
	return r
}

func (r *rotatingMap[V]) put(k uint64, v V) { r.buckets[0][k] = v }

// get returns the entry for k, wherever it is.
func (r *rotatingMap[V]) get(k uint64) (V, int, bool) {
	for i, b := range r.buckets {
		if v, ok := b[k]; ok {
			return v, i, true
		}
	}
	var zero V
	return zero, -1, false
}

func (r *rotatingMap[V]) remove(k uint64) (V, bool) {
	for _, b := range r.buckets {
		if v, ok := b[k]; ok {
			delete(b, k)
			return v, true
		}
	}
	var zero V
	return zero, false
}

func (r *rotatingMap[V]) len() int {
	n := 0
	for _, b := range r.buckets {
		n += len(b)
	}
	return n
}

// rotate drops the oldest bucket, calling expired for each of its entries.
func (r *rotatingMap[V]) rotate(expired func(k uint64, v V)) {
	last := r.buckets[len(r.buckets)-1]
	copy(r.buckets[1:], r.buckets[:len(r.buckets)-1])
	for k, v := range last {
		if expired != nil {
			expired(k, v)
		}
	}
	clear(last)
	r.buckets[0] = last
}
