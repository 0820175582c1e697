package core

import (
	"fmt"
	"strings"
)

// Values is the list of values of one tuple, in the order of its stream's
// fields: Storm's Values.
type Values []any

// Fields names the values of a stream's tuples: Storm's Fields. Create it
// with NewFields; the zero Fields has no fields.
type Fields struct {
	names []string
	index map[string]int
}

// NewFields returns Fields with the given names, in order.
func NewFields(names ...string) Fields {
	f := Fields{names: append([]string(nil), names...), index: make(map[string]int, len(names))}
	for i, n := range names {
		if _, dup := f.index[n]; !dup {
			f.index[n] = i
		}
	}
	return f
}

// Size returns the number of fields.
func (f Fields) Size() int { return len(f.names) }

// Get returns the name of field i.
func (f Fields) Get(i int) string { return f.names[i] }

// FieldIndex returns the position of name, or -1.
func (f Fields) FieldIndex(name string) int {
	if i, ok := f.index[name]; ok {
		return i
	}
	return -1
}

// Contains reports whether name is one of the fields.
func (f Fields) Contains(name string) bool { _, ok := f.index[name]; return ok }

// ToList returns the names in order.
func (f Fields) ToList() []string { return append([]string(nil), f.names...) }

// Select returns the values of fields sel taken from values laid out as f.
func (f Fields) Select(sel Fields, values Values) Values {
	out := make(Values, len(sel.names))
	for i, n := range sel.names {
		out[i] = values[f.index[n]]
	}
	return out
}

// String returns the names in brackets, as Storm prints Fields.
func (f Fields) String() string { return "[" + strings.Join(f.names, ", ") + "]" }

// duplicate returns a field named twice, or "".
func (f Fields) duplicate() string {
	if len(f.index) == len(f.names) {
		return ""
	}
	seen := make(map[string]bool, len(f.names))
	for _, n := range f.names {
		if seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}

func (f Fields) indexes(sel Fields) ([]int, error) {
	out := make([]int, len(sel.names))
	for i, n := range sel.names {
		j, ok := f.index[n]
		if !ok {
			return nil, fmt.Errorf("field %q is not declared (declared: %v)", n, f)
		}
		out[i] = j
	}
	return out, nil
}
