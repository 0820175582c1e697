package state

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/streambench/streambench/engines/trident/tuple"
)

// The codec encodes keys and stored values for maps that keep bytes (the
// durable BoltBackingMap) and keys for maps that need a comparable key (the
// in-memory map). Storm plugs a Serializer into its map states (JSON by
// default); this binary form is smaller and keeps int64 exact. It covers
// what Trident groups and aggregates: nil, bool, integers (as int64),
// floats (as float64), strings, byte slices, lists, and the transactional and
// opaque wrappers.

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagBytes
	tagList
	tagTransactional
	tagOpaque
)

// maxDepth bounds nesting so a hostile encoding cannot exhaust the stack.
const maxDepth = 32

// AppendValue appends the encoding of v to b.
func AppendValue(b []byte, v any) ([]byte, error) { return appendValue(b, v, 0) }

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrUnsupportedValue, maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case string:
		b = append(b, tagString)
		b = binary.AppendUvarint(b, uint64(len(x)))
		return append(b, x...), nil
	case []byte:
		b = append(b, tagBytes)
		b = binary.AppendUvarint(b, uint64(len(x)))
		return append(b, x...), nil
	case float64:
		b = append(b, tagFloat)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), nil
	case float32:
		b = append(b, tagFloat)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(float64(x))), nil
	case []any:
		return appendList(b, x, depth)
	case tuple.Values:
		return appendList(b, x, depth)
	case *TransactionalValue:
		return appendValue(b, *x, depth)
	case *OpaqueValue:
		return appendValue(b, *x, depth)
	case TransactionalValue:
		b = append(b, tagTransactional)
		b = binary.AppendVarint(b, x.Txid)
		return appendValue(b, x.Val, depth+1)
	case OpaqueValue:
		b = append(b, tagOpaque)
		b = binary.AppendVarint(b, x.CurrTxid)
		b, err := appendValue(b, x.Curr, depth+1)
		if err != nil {
			return nil, err
		}
		return appendValue(b, x.Prev, depth+1)
	}
	if i, ok := asInt(v); ok {
		b = append(b, tagInt)
		return binary.AppendVarint(b, i), nil
	}
	return nil, fmt.Errorf("%w %T (use nil, bool, integers, floats, strings, []byte or []any)", ErrUnsupportedValue, v)
}

func appendList(b []byte, xs []any, depth int) ([]byte, error) {
	b = append(b, tagList)
	b = binary.AppendUvarint(b, uint64(len(xs)))
	var err error
	for _, x := range xs {
		if b, err = appendValue(b, x, depth+1); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// DecodeValue decodes one value that fills b exactly.
func DecodeValue(b []byte) (any, error) {
	v, rest, err := decodeValue(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(rest))
	}
	return v, nil
}

func decodeValue(b []byte, depth int) (any, []byte, error) {
	if depth > maxDepth {
		return nil, nil, fmt.Errorf("%w: nested deeper than %d", ErrCorrupt, maxDepth)
	}
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagNil:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagInt:
		i, n := binary.Varint(b)
		if n <= 0 {
			return nil, nil, fmt.Errorf("%w: bad integer", ErrCorrupt)
		}
		return i, b[n:], nil
	case tagFloat:
		if len(b) < 8 {
			return nil, nil, fmt.Errorf("%w: truncated float", ErrCorrupt)
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case tagString, tagBytes:
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, nil, fmt.Errorf("%w: bad length", ErrCorrupt)
		}
		data := b[n : n+int(l)]
		if tag == tagString {
			return string(data), b[n+int(l):], nil
		}
		return append([]byte(nil), data...), b[n+int(l):], nil
	case tagList:
		l, n := binary.Uvarint(b)
		// Every element takes at least one byte, which bounds the allocation.
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, nil, fmt.Errorf("%w: bad list length", ErrCorrupt)
		}
		b = b[n:]
		xs := make([]any, l)
		for i := range xs {
			var err error
			if xs[i], b, err = decodeValue(b, depth+1); err != nil {
				return nil, nil, err
			}
		}
		return xs, b, nil
	case tagTransactional:
		txid, n := binary.Varint(b)
		if n <= 0 {
			return nil, nil, fmt.Errorf("%w: bad txid", ErrCorrupt)
		}
		v, rest, err := decodeValue(b[n:], depth+1)
		if err != nil {
			return nil, nil, err
		}
		return TransactionalValue{Txid: txid, Val: v}, rest, nil
	case tagOpaque:
		txid, n := binary.Varint(b)
		if n <= 0 {
			return nil, nil, fmt.Errorf("%w: bad txid", ErrCorrupt)
		}
		curr, rest, err := decodeValue(b[n:], depth+1)
		if err != nil {
			return nil, nil, err
		}
		prev, rest, err := decodeValue(rest, depth+1)
		if err != nil {
			return nil, nil, err
		}
		return OpaqueValue{CurrTxid: txid, Curr: curr, Prev: prev}, rest, nil
	}
	return nil, nil, fmt.Errorf("%w: unknown tag %d", ErrCorrupt, tag)
}

// EncodeKey returns a string that identifies key: equal keys (integers of
// any kind compare by value) give equal strings, different keys different
// strings. A one-string key, the common case of grouping by a word, encodes
// as the string itself so a lookup allocates nothing; every other key
// starts with a 0xff byte, which no such string key is allowed to start
// with (those take the general form).
func EncodeKey(key []any) (string, error) {
	if len(key) == 1 {
		if s, ok := key[0].(string); ok && (len(s) == 0 || s[0] != 0xff) {
			return s, nil
		}
	}
	b, err := appendList([]byte{0xff}, key, 0)
	if err != nil {
		return "", fmt.Errorf("key %v: %w", key, err)
	}
	return string(b), nil
}

// DecodeKey inverts EncodeKey.
func DecodeKey(s string) ([]any, error) {
	if len(s) == 0 || s[0] != 0xff {
		return []any{s}, nil
	}
	v, err := DecodeValue([]byte(s[1:]))
	if err != nil {
		return nil, err
	}
	xs, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: key is not a list", ErrCorrupt)
	}
	return xs, nil
}

func asInt(v any) (int64, bool) {
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
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}
