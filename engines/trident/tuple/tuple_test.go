package tuple

import (
	"reflect"
	"testing"
)

func TestSchema(t *testing.T) {
	s, err := NewSchema(NewFields("word", "count"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Index("count") != 1 || s.Index("nope") != -1 {
		t.Errorf("Index: count=%d nope=%d", s.Index("count"), s.Index("nope"))
	}
	idx, err := s.Indexes(NewFields("count", "word"))
	if err != nil || !reflect.DeepEqual(idx, []int{1, 0}) {
		t.Errorf("Indexes = %v, %v", idx, err)
	}
	if _, err := s.Indexes(NewFields("wrd")); err == nil {
		t.Error("Indexes of an undeclared field succeeded")
	}
	if _, err := NewSchema(NewFields("a", "b", "a")); err == nil {
		t.Error("a schema with a duplicate field was accepted")
	}
}

func TestTupleAccessors(t *testing.T) {
	tu := Of(NewFields("word", "n", "small"), "cat", int64(3), int32(2))
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Get", tu.Get(0), "cat"},
		{"GetValueByField", tu.GetValueByField("n"), int64(3)},
		{"missing field", tu.GetValueByField("x"), nil},
		{"GetString", tu.GetString(0), "cat"},
		{"GetString of a number", tu.GetString(1), ""},
		{"GetStringByField", tu.GetStringByField("word"), "cat"},
		{"GetLong", tu.GetLong(1), int64(3)},
		{"GetLong widens", tu.GetLongByField("small"), int64(2)},
		{"Size", tu.Size(), 3},
		{"Select", tu.Select([]int{2, 0}), Values{int32(2), "cat"}},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestFields(t *testing.T) {
	f := NewFields("a", "b")
	if got := f.Missing(NewFields("b", "c", "d")); !reflect.DeepEqual(got, []string{"c", "d"}) {
		t.Errorf("Missing = %v", got)
	}
	if got := f.Concat(NewFields("c")); got.String() != "[a, b, c]" {
		t.Errorf("Concat = %v", got)
	}
	if got := NewFields("a", "b", "a", "a").Duplicates(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Duplicates = %v", got)
	}
}

func TestExtendIsAView(t *testing.T) {
	base := Of(NewFields("a", "b"), "x", int64(1))
	s := MustSchema(NewFields("a", "b", "c"))
	e := Extend(base, s, Values{"y"})
	if e.Size() != 3 || e.Get(0) != "x" || e.Get(2) != "y" || e.GetStringByField("c") != "y" {
		t.Fatalf("extended tuple reads %v", e)
	}
	if got := e.Values(); !reflect.DeepEqual(got, Values{"x", int64(1), "y"}) {
		t.Errorf("Values = %v", got)
	}
	if got := e.Select([]int{2, 0}); !reflect.DeepEqual(got, Values{"y", "x"}) {
		t.Errorf("Select = %v", got)
	}
	dst := make(Values, 3)
	e.CopyTo(dst)
	if !reflect.DeepEqual(dst, Values{"x", int64(1), "y"}) {
		t.Errorf("CopyTo = %v", dst)
	}
	// Extending a view flattens it first.
	ee := Extend(e, MustSchema(NewFields("a", "b", "c", "d")), Values{"z"})
	if got := ee.Values(); !reflect.DeepEqual(got, Values{"x", int64(1), "y", "z"}) {
		t.Errorf("view of a view = %v", got)
	}
	if len(base.Base()) != 2 || &e.Base()[0] != &base.Base()[0] {
		t.Error("Extend copied the base values")
	}
}
