// Package windowingtest is the conformance suite every windowing.WindowsStore
// runs: the in-memory one, the bbolt one and the coordination-store one.
package windowingtest

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/trident/windowing"
)

// Run checks the stores factory makes; each sub-test creates its own, so
// factory must give empty stores, or stores over distinct keys (each
// sub-test uses a prefix of its own).
func Run(t *testing.T, factory func(t *testing.T) windowing.WindowsStoreFactory) {
	open := func(t *testing.T) windowing.WindowsStore {
		s, err := factory(t).Create(nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Shutdown(); err != nil {
				t.Error(err)
			}
		})
		return s
	}
	t.Run("PutGetRemove", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.Get("a|1"); ok || err != nil {
			t.Fatalf("empty Get: ok=%v err=%v", ok, err)
		}
		val := []byte("one")
		if err := s.PutAll([]windowing.Entry{{Key: "a|1", Value: val}, {Key: "a|2", Value: []byte("two")}, {Key: "b|1", Value: nil}}); err != nil {
			t.Fatal(err)
		}
		val[0] = 'X' // the store keeps its own copy
		want(t, s, "a|1", "one")
		want(t, s, "b|1", "")
		if err := s.PutAll([]windowing.Entry{{Key: "a|1", Value: []byte("uno")}}); err != nil {
			t.Fatal(err)
		}
		want(t, s, "a|1", "uno")
		if err := s.RemoveAll([]string{"a|1", "missing"}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Get("a|1"); ok || err != nil {
			t.Fatalf("removed key: ok=%v err=%v", ok, err)
		}
		want(t, s, "a|2", "two")
	})
	t.Run("KeysByPrefixSorted", func(t *testing.T) {
		s := open(t)
		var es []windowing.Entry
		for _, k := range []string{"w|1|0003", "w|1|0001", "w|10|0001", "w|1|0002", "x|1|0001"} {
			es = append(es, windowing.Entry{Key: k, Value: []byte(k)})
		}
		if err := s.PutAll(es); err != nil {
			t.Fatal(err)
		}
		got, err := s.Keys("w|1|")
		if err != nil {
			t.Fatal(err)
		}
		if w := []string{"w|1|0001", "w|1|0002", "w|1|0003"}; !reflect.DeepEqual(got, w) {
			t.Errorf("Keys = %v, want %v", got, w)
		}
		if got, err := s.Keys("none|"); err != nil || len(got) != 0 {
			t.Errorf("Keys of a missing prefix = %v, %v", got, err)
		}
	})
	t.Run("EmptyKeyRefused", func(t *testing.T) {
		s := open(t)
		if err := s.PutAll([]windowing.Entry{{Key: "", Value: []byte("x")}}); !errors.Is(err, windowing.ErrEmptyKey) {
			t.Errorf("PutAll with an empty key: %v, want ErrEmptyKey", err)
		}
	})
}

func want(t *testing.T, s windowing.WindowsStore, key, value string) {
	t.Helper()
	v, ok, err := s.Get(key)
	if err != nil || !ok || !bytes.Equal(v, []byte(value)) {
		t.Fatalf("Get(%q) = %q, %v, %v; want %q", key, v, ok, err, value)
	}
}
