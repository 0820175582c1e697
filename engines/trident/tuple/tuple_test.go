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
