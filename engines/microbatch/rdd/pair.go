package rdd

import "fmt"

// Pair is a key-value element, Spark's Tuple2 (K, V). An RDD[Pair[K, V]] is
// what Spark calls a pair RDD: the *ByKey operations and joins take one.
type Pair[K, V any] struct {
	Key   K
	Value V
}

// KV makes a Pair.
func KV[K, V any](k K, v V) Pair[K, V] { return Pair[K, V]{Key: k, Value: v} }

// String formats the pair as Scala prints a tuple: (key,value).
func (p Pair[K, V]) String() string { return fmt.Sprintf("(%v,%v)", p.Key, p.Value) }

// Option is a value that may be absent, Scala's Option: the state argument of
// UpdateStateByKey and the sides of outer joins.
type Option[T any] struct {
	Value   T
	Defined bool
}

// Some returns a defined Option.
func Some[T any](v T) Option[T] { return Option[T]{Value: v, Defined: true} }

// None returns an absent Option.
func None[T any]() Option[T] { return Option[T]{} }

// Get returns the value and whether it is defined.
func (o Option[T]) Get() (T, bool) { return o.Value, o.Defined }

// String prints Some(v) or None, as Scala does.
func (o Option[T]) String() string {
	if o.Defined {
		return fmt.Sprintf("Some(%v)", o.Value)
	}
	return "None"
}

// Keys returns the keys of a pair RDD.
func Keys[K comparable, V any](r *RDD[Pair[K, V]]) *RDD[K] {
	return Map(r, func(p Pair[K, V]) K { return p.Key })
}

// Values returns the values of a pair RDD.
func Values[K comparable, V any](r *RDD[Pair[K, V]]) *RDD[V] {
	return Map(r, func(p Pair[K, V]) V { return p.Value })
}

// MapValues applies f to every value, keeping keys and the partitioner.
func MapValues[K comparable, V, W any](r *RDD[Pair[K, V]], f func(V) W) *RDD[Pair[K, W]] {
	out := Map(r, func(p Pair[K, V]) Pair[K, W] { return Pair[K, W]{p.Key, f(p.Value)} })
	out.partitioner = r.partitioner
	return out
}

// FlatMapValues applies f to every value and pairs each result with the key,
// keeping the partitioner.
func FlatMapValues[K comparable, V, W any](r *RDD[Pair[K, V]], f func(V) []W) *RDD[Pair[K, W]] {
	out := FlatMap(r, func(p Pair[K, V]) []Pair[K, W] {
		ws := f(p.Value)
		out := make([]Pair[K, W], len(ws))
		for i, w := range ws {
			out[i] = Pair[K, W]{p.Key, w}
		}
		return out
	})
	out.partitioner = r.partitioner
	return out
}

// KeyBy pairs every element with the key f gives it.
func KeyBy[T any, K comparable](r *RDD[T], f func(T) K) *RDD[Pair[K, T]] {
	return Map(r, func(v T) Pair[K, T] { return Pair[K, T]{f(v), v} })
}
