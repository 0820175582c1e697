package microbatch

import (
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// Pair is a key-value element; a DStream[Pair[K, V]] is Spark's pair DStream,
// the input of the *ByKey operations, the joins and the state operations.
type Pair[K, V any] = rdd.Pair[K, V]

// Option is a value that may be absent, Scala's Option.
type Option[T any] = rdd.Option[T]

// KV makes a Pair.
func KV[K, V any](k K, v V) Pair[K, V] { return rdd.KV(k, v) }

// Some returns a defined Option.
func Some[T any](v T) Option[T] { return rdd.Some(v) }

// None returns an absent Option.
func None[T any]() Option[T] { return rdd.None[T]() }

// DStream is a discretized stream: a sequence of RDDs, one per batch
// interval (or per slide interval, for a windowed stream), each holding the
// data of that interval. Transformations on a DStream define new DStreams;
// output operations (Print, ForeachRDD, SaveAsTextFiles) make the graph run.
// A DStream belongs to one StreamingContext and is defined before Start.
//
// A definition mistake (a nil function, a partition count below 1, an
// operation added after Start) does not panic: the DStream keeps the error,
// Err returns it, every DStream derived from it inherits it, and Start and
// the output operations return it.
type DStream[T any] struct {
	streamBase
	compute func(t Time) (*rdd.RDD[T], error)

	mu        sync.Mutex
	generated map[Time]*rdd.RDD[T]
	// restoreHook lays out an RDD read back from a checkpoint the way the
	// DStream's own RDDs are laid out (a stateful stream's partitioner).
	restoreHook func(*rdd.RDD[T]) *rdd.RDD[T]
}

// streamBase is what every DStream has, whatever its element type.
type streamBase struct {
	ssc      *StreamingContext
	id       int
	kind     string // Spark's class name: MappedDStream, ShuffledDStream, ...
	params   string // the settings that shape the graph, for its fingerprint
	elemType string
	parents  []dstream
	slide    time.Duration
	err      error
	self     dstream

	zero               Time
	remember           time.Duration
	extraRemember      time.Duration // a window's length: what it reads back from its parent
	checkpointInterval time.Duration
	mustCheckpoint     bool
	persist            bool
	input              inputStream // non-nil for input DStreams
}

// dstream is the untyped view of a DStream the graph walks.
type dstream interface {
	base() *streamBase
	clearMetadata(t Time)
	generatedTimes() []Time
	materialize(t Time) error
	writeCheckpoint(dir string, t Time) (string, error)
	restoreCheckpoint(dir string, t Time, file string) error
	generate(t Time) error
}

func (b *streamBase) base() *streamBase { return b }

// ID returns the DStream's id within its context, in definition order.
func (b *streamBase) ID() int { return b.id }

// SlideDuration returns the interval at which the DStream generates an RDD.
func (b *streamBase) SlideDuration() time.Duration { return b.slide }

// Context returns the StreamingContext the DStream belongs to.
func (b *streamBase) Context() *StreamingContext { return b.ssc }

// Err returns the definition error of this DStream or of one it is derived
// from, or nil.
func (b *streamBase) Err() error { return b.err }

// String names the DStream as Spark's toString does.
func (b *streamBase) String() string { return fmt.Sprintf("%s[%d]", b.kind, b.id) }

// newInput registers an input DStream.
func newInput[T any](ssc *StreamingContext, kind, params string, in inputStream, compute func(t Time) (*rdd.RDD[T], error)) *DStream[T] {
	d := &DStream[T]{compute: compute, generated: map[Time]*rdd.RDD[T]{}}
	d.streamBase = streamBase{ssc: ssc, kind: kind, params: params, elemType: typeName[T](), slide: ssc.batch, input: in}
	d.self = d
	ssc.register(d)
	return d
}

// derive registers a DStream computed from parents; it inherits their slide
// interval and their first definition error.
func derive[T any](op, kind, params string, parents []dstream, compute func(t Time) (*rdd.RDD[T], error)) *DStream[T] {
	first := parents[0].base()
	d := &DStream[T]{compute: compute, generated: map[Time]*rdd.RDD[T]{}}
	d.streamBase = streamBase{ssc: first.ssc, kind: kind, params: params, elemType: typeName[T](), slide: first.slide, parents: parents}
	d.self = d
	for _, p := range parents {
		pb := p.base()
		switch {
		case d.err != nil:
		case pb.err != nil:
			d.err = pb.err
		case pb.ssc != first.ssc:
			d.err = &DefinitionError{Op: op, Err: fmt.Errorf("%w: %s and %s", ErrMixedContexts, first, pb)}
		case pb.slide != first.slide:
			d.err = &DefinitionError{Op: op, Err: fmt.Errorf("%w: %s slides every %v and %s every %v; DStreams combined must have the same slide duration",
				ErrInvalidDuration, first, first.slide, pb, pb.slide)}
		}
	}
	first.ssc.register(d)
	return d
}

// fail records a definition error on d and returns it.
func (d *DStream[T]) fail(op string, err error) *DStream[T] {
	if d.err == nil {
		d.err = &DefinitionError{Op: op, Err: err}
		d.ssc.recordError(d.err)
	}
	return d
}

func typeName[T any]() string { return reflect.TypeFor[T]().String() }

// isTimeValid reports whether the DStream generates an RDD at t: a multiple
// of its slide after the graph's zero time.
func (b *streamBase) isTimeValid(t Time) bool {
	return t > b.zero && t.Sub(b.zero)%b.slide == 0
}

// initialize fixes the zero time and the remember and checkpoint durations,
// parents first, as Spark's DStream.initialize does: a DStream that must be
// checkpointed (state, windowed reduce with an inverse) checkpoints every
// slide x ceil(10 s / slide) unless told otherwise, and remembers twice that.
func (b *streamBase) initialize(zero Time) {
	b.zero = zero
	if b.mustCheckpoint && b.checkpointInterval == 0 {
		n := (10*time.Second + b.slide - 1) / b.slide
		b.checkpointInterval = b.slide * n
	}
	minRemember := b.slide
	if b.checkpointInterval > 0 && minRemember <= b.checkpointInterval {
		minRemember = 2 * b.checkpointInterval
	}
	b.remember = max(b.remember, minRemember)
	for _, p := range b.parents {
		p.base().initialize(zero)
	}
}

// rememberFor makes the DStream keep its RDDs for at least d, and its parents
// for as long as it reads back from them.
func (b *streamBase) rememberFor(d time.Duration) {
	b.remember = max(b.remember, d)
	for _, p := range b.parents {
		p.base().rememberFor(b.remember + b.extraRemember)
	}
}

// getOrCompute returns the RDD for batch time t: the one generated before,
// or a new one from compute when t is a valid time for this DStream, or nil.
func (d *DStream[T]) getOrCompute(t Time) (*rdd.RDD[T], error) {
	d.mu.Lock()
	r, ok := d.generated[t]
	d.mu.Unlock()
	if ok {
		return r, nil
	}
	if !d.isTimeValid(t) {
		return nil, nil
	}
	r, err := d.compute(t)
	if err != nil || r == nil {
		return nil, err
	}
	if d.persist {
		r.Persist()
	}
	d.mu.Lock()
	if prev, ok := d.generated[t]; ok {
		r = prev
	} else {
		d.generated[t] = r
	}
	d.mu.Unlock()
	return r, nil
}

func (d *DStream[T]) generate(t Time) error {
	_, err := d.getOrCompute(t)
	return err
}

// Compute returns the RDD of batch time t, generating it if needed. It is
// for use inside output functions and tests; nil means the DStream has no
// RDD at t (t is not a multiple of its slide).
func (d *DStream[T]) Compute(t Time) (*rdd.RDD[T], error) { return d.getOrCompute(t) }

// Slice returns the RDDs of every valid time in [from, to], like Spark's
// DStream.slice.
func (d *DStream[T]) Slice(from, to Time) ([]*rdd.RDD[T], error) {
	var out []*rdd.RDD[T]
	slide := Time(d.slide.Milliseconds())
	first := d.zero + (from-d.zero+slide-1)/slide*slide
	if from <= d.zero {
		first = d.zero + slide
	}
	for t := first; t <= to; t += slide {
		r, err := d.getOrCompute(t)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// clearMetadata forgets RDDs older than the remember duration, and unpersists
// them, then asks the parents to do the same.
func (d *DStream[T]) clearMetadata(t Time) {
	limit := t.Add(-d.remember)
	d.mu.Lock()
	for bt, r := range d.generated {
		if bt <= limit {
			r.Unpersist()
			delete(d.generated, bt)
		}
	}
	d.mu.Unlock()
	for _, p := range d.parents {
		p.clearMetadata(t)
	}
}

func (d *DStream[T]) generatedTimes() []Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Sorted(maps.Keys(d.generated))
}

// materialize computes every partition of the RDD at t, if there is one, so
// that a stateful stream's lineage stops there.
func (d *DStream[T]) materialize(t Time) error {
	d.mu.Lock()
	r := d.generated[t]
	d.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.ForeachPartition(func(int, iter.Seq[T]) error { return nil })
}

// Persist keeps the DStream's RDDs in memory once computed, for the
// operations that read them more than once. Windows and state persist their
// parents on their own, as in Spark.
func (d *DStream[T]) Persist() *DStream[T] {
	if d.ssc.started() {
		return d.fail("persist", ErrContextStarted)
	}
	d.persist = true
	return d
}

// Cache is Persist.
func (d *DStream[T]) Cache() *DStream[T] { return d.Persist() }

// Checkpoint sets how often the DStream's RDDs are written to the checkpoint
// directory, cutting their lineage: a multiple of the slide interval.
func (d *DStream[T]) Checkpoint(interval time.Duration) *DStream[T] {
	if d.ssc.started() {
		return d.fail("checkpoint", ErrContextStarted)
	}
	if err := checkMultiple("checkpoint interval", interval, "slide duration", d.slide); err != nil {
		return d.fail("checkpoint", err)
	}
	d.checkpointInterval = interval
	d.persist = true
	return d
}

// describe is the DStream's line in the graph fingerprint.
func (b *streamBase) describe() string {
	ids := make([]int, len(b.parents))
	for i, p := range b.parents {
		ids[i] = p.base().id
	}
	return fmt.Sprintf("%d %s<%s> parents=%v slide=%v %s", b.id, b.kind, b.elemType, ids, b.slide, b.params)
}
