// Package tuple holds Trident's tuple model: Fields name the positions of a
// stream's schema, Values carry one tuple's data, and a Tuple pairs the two so
// an operation can read a value by position or by field name, as Storm's
// TridentTuple does.
package tuple

import (
	"fmt"
	"slices"
	"strings"
)

// Fields is an ordered list of field names: a stream's schema, or the
// selection an operation reads (its "input fields").
type Fields []string

// NewFields returns the fields named, in order.
func NewFields(names ...string) Fields { return Fields(slices.Clone(names)) }

// Index returns the position of name, or -1.
func (f Fields) Index(name string) int { return slices.Index(f, name) }

// Contains reports whether name is one of the fields.
func (f Fields) Contains(name string) bool { return f.Index(name) >= 0 }

// Missing returns the names of sel that are not in f, in sel's order. Trident
// refuses an operation whose input fields are not all declared upstream.
func (f Fields) Missing(sel Fields) []string {
	var miss []string
	for _, n := range sel {
		if !f.Contains(n) {
			miss = append(miss, n)
		}
	}
	return miss
}

// Duplicates returns the names that occur more than once.
func (f Fields) Duplicates() []string {
	var dup []string
	for i, n := range f {
		if slices.Contains(f[:i], n) && !slices.Contains(dup, n) {
			dup = append(dup, n)
		}
	}
	return dup
}

// Concat returns f followed by g.
func (f Fields) Concat(g Fields) Fields { return append(slices.Clone(f), g...) }

// String formats the fields as Storm prints them: [a, b].
func (f Fields) String() string { return "[" + strings.Join(f, ", ") + "]" }

// Values is one tuple's data, positionally matching a Fields.
type Values []any

// Schema is a Fields with a precomputed name index. Streams build one schema
// per operation at build time so that per-tuple field lookups are cheap.
type Schema struct {
	fields Fields
	index  map[string]int
}

// NewSchema indexes fields. It returns an error naming a duplicated field,
// since a tuple cannot have two values under one name.
func NewSchema(fields Fields) (*Schema, error) {
	if d := fields.Duplicates(); len(d) > 0 {
		return nil, fmt.Errorf("duplicate field %q in %v (rename one of them with a projection or a different output name)", d[0], fields)
	}
	s := &Schema{fields: slices.Clone(fields), index: make(map[string]int, len(fields))}
	for i, n := range fields {
		s.index[n] = i
	}
	return s, nil
}

// MustSchema is NewSchema for fields known to be valid; it panics otherwise.
func MustSchema(fields Fields) *Schema {
	s, err := NewSchema(fields)
	if err != nil {
		panic(err)
	}
	return s
}

// Fields returns the schema's fields. The caller must not modify them.
func (s *Schema) Fields() Fields { return s.fields }

// Index returns the position of name, or -1.
func (s *Schema) Index(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	return -1
}

// Indexes returns the positions of sel. It returns an error naming the first
// field of sel the schema does not declare.
func (s *Schema) Indexes(sel Fields) ([]int, error) {
	idx := make([]int, len(sel))
	for i, n := range sel {
		j, ok := s.index[n]
		if !ok {
			return nil, fmt.Errorf("field %q is not declared (the stream has %v)", n, s.fields)
		}
		idx[i] = j
	}
	return idx, nil
}

// Tuple is one Trident tuple: values under a schema. It is a small value
// type; copying it does not copy the values. A tuple made by Extend is a
// view of another tuple's values followed by appended ones, the way Storm's
// TridentTupleView lets Each append fields without copying the input.
type Tuple struct {
	schema *Schema
	values Values
	ext    Values // appended after values, or nil
}

// New returns a tuple of values under schema. The tuple keeps values.
func New(schema *Schema, values Values) Tuple { return Tuple{schema: schema, values: values} }

// Extend returns base followed by ext, under schema, sharing base's values.
// The tuple keeps ext.
func Extend(base Tuple, schema *Schema, ext Values) Tuple {
	if base.ext != nil {
		base = Tuple{schema: base.schema, values: base.Values()}
	}
	return Tuple{schema: schema, values: base.values, ext: ext}
}

// WithSchema returns the same values under another schema with as many
// fields (a stream's next node names them).
func (t Tuple) WithSchema(schema *Schema) Tuple { t.schema = schema; return t }

// Of returns a tuple with a schema built from fields; for tests and examples.
func Of(fields Fields, values ...any) Tuple {
	return Tuple{schema: MustSchema(fields), values: Values(values)}
}

// Schema returns the tuple's schema.
func (t Tuple) Schema() *Schema { return t.schema }

// Fields returns the tuple's field names.
func (t Tuple) Fields() Fields {
	if t.schema == nil {
		return nil
	}
	return t.schema.fields
}

// Values returns the tuple's values. The caller must not modify them. For
// a tuple made by Extend, this copies them into one slice.
func (t Tuple) Values() Values {
	if t.ext == nil {
		return t.values
	}
	out := make(Values, 0, len(t.values)+len(t.ext))
	return append(append(out, t.values...), t.ext...)
}

// CopyTo copies the tuple's values into dst, which must have room for
// Size() of them.
func (t Tuple) CopyTo(dst Values) {
	n := copy(dst, t.values)
	copy(dst[n:], t.ext)
}

// Base returns the values of the tuple's first part: all of them unless the
// tuple was made by Extend.
func (t Tuple) Base() Values { return t.values }

// Size returns the number of values.
func (t Tuple) Size() int { return len(t.values) + len(t.ext) }

// Get returns the value at position i.
func (t Tuple) Get(i int) any {
	if i < len(t.values) {
		return t.values[i]
	}
	return t.ext[i-len(t.values)]
}

// GetValueByField returns the value of field name, or nil when the tuple
// has no such field.
func (t Tuple) GetValueByField(name string) any {
	if t.schema == nil {
		return nil
	}
	if i, ok := t.schema.index[name]; ok {
		return t.Get(i)
	}
	return nil
}

// GetString returns the value at i as a string ("" if it is not one).
func (t Tuple) GetString(i int) string { s, _ := t.Get(i).(string); return s }

// GetStringByField returns field name as a string ("" if absent or not one).
func (t Tuple) GetStringByField(name string) string {
	s, _ := t.GetValueByField(name).(string)
	return s
}

// GetLong returns the value at i as an int64, converting from the other
// integer kinds; 0 if it is not an integer.
func (t Tuple) GetLong(i int) int64 { v, _ := AsInt64(t.Get(i)); return v }

// GetLongByField returns field name as an int64 (see GetLong).
func (t Tuple) GetLongByField(name string) int64 {
	v, _ := AsInt64(t.GetValueByField(name))
	return v
}

// Select returns the values at positions idx, in order.
func (t Tuple) Select(idx []int) Values {
	out := make(Values, len(idx))
	for i, j := range idx {
		out[i] = t.Get(j)
	}
	return out
}

// String formats the tuple's values.
func (t Tuple) String() string { return fmt.Sprint([]any(t.Values())) }

// AsInt64 converts any Go integer kind to int64.
func AsInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint:
		return int64(x), true
	}
	return 0, false
}
