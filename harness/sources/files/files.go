package files

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streambench/streambench/engines"
)

// Defaults of Options.
const (
	// DefaultFlushBytes bounds a file's size.
	DefaultFlushBytes = 1 << 20
	// DefaultFlushAge bounds how long a record waits for its file.
	DefaultFlushAge = 100 * time.Millisecond
)

// Options configures a Log.
type Options struct {
	// Parent is where the Log makes its directory (os.TempDir() when
	// empty).
	Parent string
	// FlushBytes and FlushAge bound a file: a partition's pending lines
	// are written out once they reach FlushBytes, or at the first publish
	// after the oldest has waited FlushAge.
	FlushBytes int
	FlushAge   time.Duration
	// Now is the clock for FlushAge (time.Now when nil).
	Now func() time.Time
}

// Log is a directory of files of records that the driver publishes into
// and the engine watches, as Spark's textFileStream watches a directory
// that files are moved into. Each flush writes one file per partition,
// atomically: under a name starting with "." (which a file stream skips),
// synced, then renamed to its final name, so a reader sees a whole file or
// none. Names sort in the order the files were written. Close writes the
// pending lines and then a final file with every partition's end line.
//
// Publish, Close and Published are called by one goroutine (the driver);
// the rest are safe for concurrent use.
type Log struct {
	dir      string
	fill     func(*engines.Record)
	opts     Options
	parts    []partition
	seq      int
	files    atomic.Int64
	progress chan struct{}
	closed   bool
	remove   sync.Once
}

type partition struct {
	published int64
	pending   []byte
	npending  int64
	since     time.Time    // when the oldest pending line was made
	written   atomic.Int64 // records in files renamed into the directory
}

// New makes the directory (under opts.Parent) and returns a Log of
// partitions partitions; fill makes a record's value and event time from
// its address when it is published.
func New(partitions int, fill func(*engines.Record), opts Options) (*Log, error) {
	if partitions < 1 {
		return nil, fmt.Errorf("files source: %d partitions; want at least 1", partitions)
	}
	if opts.FlushBytes <= 0 {
		opts.FlushBytes = DefaultFlushBytes
	}
	if opts.FlushAge <= 0 {
		opts.FlushAge = DefaultFlushAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir, err := os.MkdirTemp(opts.Parent, "streambench-files-")
	if err != nil {
		return nil, fmt.Errorf("files source: %w", err)
	}
	return &Log{dir: dir, fill: fill, opts: opts, parts: make([]partition, partitions), progress: make(chan struct{}, 1)}, nil
}

// Dir returns the directory the files appear in.
func (l *Log) Dir() string { return l.dir }

// Partitions returns the number of partitions.
func (l *Log) Partitions() int { return len(l.parts) }

// Input returns the directory as the engine reads it.
func (l *Log) Input() engines.Input {
	return engines.Input{Kind: engines.KindFiles, Dir: l.dir, Partitions: len(l.parts)}
}

// Publish adds the lines of partition p's records up to offset end to its
// pending file, and writes the file out when it is due. A failed write is
// an error naming the file, which ends the run.
func (l *Log) Publish(p int, end int64, intended func(offset int64) int64) error {
	if l.closed {
		return fmt.Errorf("files source: publish to partition %d after Close", p)
	}
	sp := &l.parts[p]
	if end <= sp.published {
		return nil
	}
	if sp.npending == 0 {
		sp.since = l.opts.Now()
	}
	var r engines.Record
	for o := sp.published; o < end; o++ {
		r = engines.Record{Partition: int32(p), Offset: o, Intended: intended(o)}
		l.fill(&r)
		sp.pending = engines.AppendLine(sp.pending, &r)
		sp.npending++
		if len(sp.pending) >= l.opts.FlushBytes {
			if err := l.flush(p); err != nil {
				return err
			}
		}
	}
	sp.published = end
	if sp.npending > 0 && l.opts.Now().Sub(sp.since) >= l.opts.FlushAge {
		return l.flush(p)
	}
	return nil
}

// flush writes partition p's pending lines as one file.
func (l *Log) flush(p int) error {
	sp := &l.parts[p]
	if sp.npending == 0 {
		return nil
	}
	l.seq++
	if err := l.writeFile(fmt.Sprintf("%09d-p%d.txt", l.seq, p), sp.pending); err != nil {
		return err
	}
	sp.written.Add(sp.npending)
	sp.pending, sp.npending = sp.pending[:0], 0
	select {
	case l.progress <- struct{}{}:
	default:
	}
	return nil
}

// writeFile writes data to a hidden name, syncs it and renames it to name.
func (l *Log) writeFile(name string, data []byte) error {
	final := filepath.Join(l.dir, name)
	tmp := filepath.Join(l.dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("files source: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("files source: write %s: %w", final, err)
	}
	l.files.Add(1)
	return nil
}

// Close writes every partition's pending lines, then a final file holding
// each partition's end line.
func (l *Log) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	var ends []byte
	for p := range l.parts {
		if err := l.flush(p); err != nil {
			return err
		}
		ends = engines.AppendEndLine(ends, p, l.parts[p].published)
	}
	l.seq++
	return l.writeFile(fmt.Sprintf("%09d-end.txt", l.seq), ends)
}

// Published returns the records per partition in files renamed into the
// directory: after Close, every record published.
func (l *Log) Published() []int64 {
	out := make([]int64, len(l.parts))
	for i := range l.parts {
		out[i] = l.parts[i].written.Load()
	}
	return out
}

// ReadOffsets returns per partition the records in files renamed into the
// directory. What the engine has read of them is not observable from here:
// a file stream lists the directory and reads files on its own schedule,
// and leaves no trace of it. So the backlog the driver sees is the lines
// not yet in a file, and a run's records_read counts records as they
// become readable, not as they are read.
func (l *Log) ReadOffsets() []int64 {
	out := make([]int64, len(l.parts))
	for i := range l.parts {
		out[i] = l.parts[i].written.Load()
	}
	return out
}

// Read returns how many records are in files renamed into the directory
// (see ReadOffsets).
func (l *Log) Read() int64 {
	var n int64
	for i := range l.parts {
		n += l.parts[i].written.Load()
	}
	return n
}

// Files returns how many files were renamed into the directory.
func (l *Log) Files() int64 { return l.files.Load() }

// Progress receives a value when a file is renamed in.
func (l *Log) Progress() <-chan struct{} { return l.progress }

// Remove removes the directory and everything in it.
func (l *Log) Remove() error {
	var err error
	l.remove.Do(func() { err = os.RemoveAll(l.dir) })
	return err
}
