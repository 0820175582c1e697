package files

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

func fill(r *engines.Record) {
	r.EventTime = 1000 + r.Offset
	r.Value = fmt.Sprintf("v%d-%d", r.Partition, r.Offset)
}

func intended(o int64) int64 { return 5000 + o }

// fakeClock is a clock a test moves.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// readDir parses every file in dir in name order: the records per
// partition in order, the end lines, and the names.
func readDir(t *testing.T, dir string) (recs map[int32][]engines.Record, ends map[int32]int64, names []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, ends = map[int32][]engines.Record{}, map[int32]int64{}
	for _, e := range entries {
		names = append(names, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(data) {
			l, err := engines.ParseLine(line)
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if !l.End && len(ends) > 0 {
				t.Fatalf("%s: a record after an end line", e.Name())
			}
			if l.End {
				ends[l.Record.Partition] = l.Records
				continue
			}
			recs[l.Record.Partition] = append(recs[l.Record.Partition], l.Record)
		}
	}
	return recs, ends, names
}

func TestFiles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		flushBytes int
		age        time.Duration // the clock's step per publish
		wantFiles  func(n int) bool
	}{
		{"one file per partition and flush, by age", 0, 200 * time.Millisecond, func(n int) bool { return n == 2*5+1 }},
		{"size bound", 1000, 0, func(n int) bool { return n > 2*10 }},
		{"everything at Close", 0, 0, func(n int) bool { return n == 3 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(0, 0)}
			l, err := New(2, fill, Options{Parent: t.TempDir(), FlushBytes: tc.flushBytes, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if in := l.Input(); in.Kind != engines.KindFiles || in.Dir != l.Dir() || in.Partitions != 2 {
				t.Fatalf("input %+v", in)
			}
			for end := int64(50); end <= 500; end += 50 {
				clock.now = clock.now.Add(tc.age)
				for p := range 2 {
					if err := l.Publish(p, end, intended); err != nil {
						t.Fatal(err)
					}
				}
				if o := l.ReadOffsets(); tc.age > 0 && (o[0] < end-50 || o[1] < end-50) {
					t.Fatalf("read offsets %v at %d: more than one publish waits for its file", o, end)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			recs, ends, names := readDir(t, l.Dir())
			if !tc.wantFiles(len(names)) || int64(len(names)) != l.Files() {
				t.Errorf("%d files (Files says %d): %v", len(names), l.Files(), names)
			}
			for _, n := range names {
				if strings.HasPrefix(n, ".") {
					t.Errorf("a temporary file left: %s", n)
				}
			}
			if !strings.HasSuffix(names[len(names)-1], "-end.txt") || !slices.IsSorted(names) {
				t.Errorf("names %v: want the end file last in name order", names)
			}
			for p := range int32(2) {
				if ends[p] != 500 || len(recs[p]) != 500 {
					t.Fatalf("partition %d: %d records, end line %d; want 500", p, len(recs[p]), ends[p])
				}
				for i, r := range recs[p] {
					want := engines.Record{Partition: p, Offset: int64(i), Intended: intended(int64(i))}
					fill(&want)
					if r != want {
						t.Fatalf("record %d: %+v, want %+v", i, r, want)
					}
				}
			}
			if l.Read() != 1000 || !slices.Equal(l.Published(), []int64{500, 500}) {
				t.Errorf("read %d, published %v", l.Read(), l.Published())
			}
			if err := l.Publish(0, 600, intended); err == nil {
				t.Error("Publish after Close succeeded")
			}
			if err := l.Remove(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(l.Dir()); !os.IsNotExist(err) {
				t.Errorf("directory left after Remove: %v", err)
			}
		})
	}
}

// TestWriteError: a directory that cannot be written is an error naming
// the file, from Publish or Close.
func TestWriteError(t *testing.T) {
	l, err := New(1, fill, Options{Parent: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Remove()
	l.Publish(0, 10, intended)
	os.RemoveAll(l.Dir())
	err = l.Close()
	if err == nil || !strings.Contains(err.Error(), l.Dir()) {
		t.Fatalf("Close into a removed directory: %v, want an error naming it", err)
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(0, fill, Options{}); err == nil {
		t.Error("0 partitions accepted")
	}
	if _, err := New(1, fill, Options{Parent: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("a missing parent accepted")
	}
}
