package logs

import "strings"

// Line is a log line as a pipeline reads it.
type Line struct {
	TimeMs  int64 // milliseconds since the Unix epoch
	Level   string
	Service string
	Message string
}

// IsError reports whether the line was logged at level ERROR.
func (l Line) IsError() bool { return l.Level == "ERROR" }

// Parse reads a log line, "<time> <LEVEL> <service> <message>", with the
// time as 2027-01-15T08:00:00.123Z. Level and service are single words; the
// message is the rest of the line and may be empty. ok is false for any
// other shape. The strings are substrings of s: nothing is allocated. Every
// engine's pipeline parses with it.
func Parse(s string) (l Line, ok bool) {
	if len(s) < TimestampLen+1 || s[TimestampLen] != ' ' {
		return Line{}, false
	}
	if l.TimeMs, ok = parseTimestamp(s[:TimestampLen]); !ok {
		return Line{}, false
	}
	rest := s[TimestampLen+1:]
	i := strings.IndexByte(rest, ' ')
	if i <= 0 {
		return Line{}, false
	}
	l.Level, rest = rest[:i], rest[i+1:]
	if i = strings.IndexByte(rest, ' '); i < 0 {
		l.Service = rest
	} else {
		l.Service, l.Message = rest[:i], rest[i+1:]
	}
	if l.Service == "" {
		return Line{}, false
	}
	return l, true
}
