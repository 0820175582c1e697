package engines

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// The line format carries records over text channels (a socket, a file),
// one record a line, so that a text receiver (Spark's socketTextStream,
// textFileStream) reads what a log would have given it, with the record's
// address and times intact:
//
//	<partition> <offset> <event time> <intended time> <value>\n
//
// The numbers are decimal (times in nanoseconds since the Unix epoch). In
// the value, a backslash is written \\, a newline \n and a carriage return
// \r, so that every record is one line. The end of a partition's input is
// the line "end <partition> <records>": the partition's record count.

// ErrBadLine is wrapped by ParseLine's error for a line that is not a
// record in the line format.
var ErrBadLine = errors.New("not a record line")

// MaxLineBytes bounds a line a reader accepts, so a stream without
// newlines cannot exhaust memory.
const MaxLineBytes = 1 << 20

// AppendLine appends r in the line format, newline included.
func AppendLine(buf []byte, r *Record) []byte {
	buf = strconv.AppendInt(buf, int64(r.Partition), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, r.Offset, 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, r.EventTime, 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, r.Intended, 10)
	buf = append(buf, ' ')
	for i := 0; i < len(r.Value); i++ {
		switch c := r.Value[i]; c {
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '\n')
}

// AppendEndLine appends the end marker of partition p after its records
// records.
func AppendEndLine(buf []byte, p int, records int64) []byte {
	buf = append(buf, "end "...)
	buf = strconv.AppendInt(buf, int64(p), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, records, 10)
	return append(buf, '\n')
}

// Line is a parsed line: a record, or the end of a partition.
type Line struct {
	Record Record
	// End is set for an end marker; Record.Partition is the partition and
	// Records its record count.
	End     bool
	Records int64
}

// ParseLine parses one line (with or without its newline). A line that is
// not in the format is an error wrapping ErrBadLine that says what is
// wrong.
func ParseLine(line []byte) (Line, error) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	if len(line) > MaxLineBytes {
		return Line{}, fmt.Errorf("%w: %d bytes, more than %d", ErrBadLine, len(line), MaxLineBytes)
	}
	if rest, ok := bytes.CutPrefix(line, []byte("end ")); ok {
		p, rest, err := field(rest, "partition", 32)
		if err != nil {
			return Line{}, err
		}
		n, err := strconv.ParseInt(string(rest), 10, 64)
		if err != nil || n < 0 {
			return Line{}, fmt.Errorf("%w: end marker: record count %q", ErrBadLine, clip(rest))
		}
		return Line{End: true, Record: Record{Partition: int32(p)}, Records: n}, nil
	}
	var l Line
	p, rest, err := field(line, "partition", 32)
	if err != nil {
		return Line{}, err
	}
	l.Record.Partition = int32(p)
	if l.Record.Offset, rest, err = field(rest, "offset", 64); err != nil {
		return Line{}, err
	}
	if l.Record.EventTime, rest, err = signedField(rest, "event time"); err != nil {
		return Line{}, err
	}
	if l.Record.Intended, rest, err = signedField(rest, "intended time"); err != nil {
		return Line{}, err
	}
	if bytes.IndexByte(rest, '\\') < 0 {
		l.Record.Value = string(rest)
		return l, nil
	}
	v := make([]byte, 0, len(rest))
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c != '\\' {
			v = append(v, c)
			continue
		}
		if i++; i == len(rest) {
			return Line{}, fmt.Errorf("%w: value ends in a lone backslash", ErrBadLine)
		}
		switch rest[i] {
		case '\\':
			v = append(v, '\\')
		case 'n':
			v = append(v, '\n')
		case 'r':
			v = append(v, '\r')
		default:
			return Line{}, fmt.Errorf("%w: unknown escape \\%c in the value", ErrBadLine, rest[i])
		}
	}
	l.Record.Value = string(v)
	return l, nil
}

// field reads a non-negative decimal of at most bits bits and the space
// after it.
func field(b []byte, name string, bits int) (int64, []byte, error) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return 0, nil, fmt.Errorf("%w: no %s in %q", ErrBadLine, name, clip(b))
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, bits)
	if err != nil || n < 0 {
		return 0, nil, fmt.Errorf("%w: %s %q is not a non-negative integer", ErrBadLine, name, clip(b[:i]))
	}
	return n, b[i+1:], nil
}

// signedField reads a decimal int64 and the space after it.
func signedField(b []byte, name string) (int64, []byte, error) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return 0, nil, fmt.Errorf("%w: no %s in %q", ErrBadLine, name, clip(b))
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s %q is not an integer", ErrBadLine, name, clip(b[:i]))
	}
	return n, b[i+1:], nil
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
