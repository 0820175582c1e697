package engines

import (
	"errors"
	"testing"
)

func TestLineRoundTrip(t *testing.T) {
	for _, r := range []Record{
		{},
		{Partition: 3, Offset: 12345, EventTime: 1700000000000000000, Intended: 1700000000000000001, Value: "the quick fox"},
		{Partition: 0, Offset: 1, EventTime: -5, Intended: 7, Value: "tab\tand space  "},
		{Partition: 1, Offset: 2, Value: "line\nbreak\r\\back\\slash\\n"},
		{Partition: 2147483647, Offset: 9223372036854775807, Value: "end 1 2"},
	} {
		line := AppendLine(nil, &r)
		got, err := ParseLine(line)
		if err != nil {
			t.Fatalf("ParseLine(%q): %v", line, err)
		}
		if got.End || got.Record != r {
			t.Errorf("ParseLine(AppendLine(%+v)) = %+v", r, got)
		}
	}
}

func TestEndLine(t *testing.T) {
	got, err := ParseLine(AppendEndLine(nil, 4, 1000))
	if err != nil || !got.End || got.Record.Partition != 4 || got.Records != 1000 {
		t.Fatalf("end line: %+v, %v", got, err)
	}
}

func TestParseLineRefuses(t *testing.T) {
	for _, line := range []string{
		"", "hello", "1 2 3", "-1 0 0 0 v", "x 0 0 0 v", "0 -1 0 0 v", "0 0 x 0 v", "0 0 0 x v",
		"0 0 0 0 bad\\", "0 0 0 0 bad\\q", "99999999999 0 0 0 v", "end", "end 1", "end 1 x", "end 1 -2",
	} {
		if _, err := ParseLine([]byte(line)); !errors.Is(err, ErrBadLine) {
			t.Errorf("ParseLine(%q) = %v, want ErrBadLine", line, err)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte("0 1 2 3 value\n"))
	f.Add([]byte("end 0 5\n"))
	f.Add([]byte("1 2 3 4 a\\nb\\\\"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLine(b)
		if err != nil || l.End {
			return
		}
		again, err := ParseLine(AppendLine(nil, &l.Record))
		if err != nil || again.Record != l.Record {
			t.Fatalf("%q parsed to %+v, which does not round-trip: %+v, %v", b, l.Record, again.Record, err)
		}
	})
}
