package microbatch

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// writeAheadLog is a receiver's write-ahead log, Spark's
// FileBasedWriteAheadLog: blocks are appended to a segment file and synced
// before the receiver is told they are stored, and a new segment is started
// every rolling interval (spark.streaming.receiver.writeAheadLog.
// rollingIntervalSecs) so that old segments can be deleted whole once a
// checkpoint covers them.
//
// A record is framed as length (4 bytes), CRC-32C of the rest (4 bytes),
// block sequence number (8 bytes) and the encoded records. A record cut
// short at the end of the last segment is a write the process died in: it
// was never acknowledged, so it is dropped. Damage anywhere else is
// ErrCorruptLog.
type writeAheadLog struct {
	dir     string
	rolling time.Duration
	clock   Clock

	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	opened   time.Time
	segments []walSegment
	last     int64
}

type walSegment struct {
	first int64 // first block seq it may hold
	path  string
}

const walHeader = 16

var payloadBuffers = sync.Pool{New: func() any { return new([]byte) }}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func openWriteAheadLog(dir string, rolling time.Duration, clock Clock) (*writeAheadLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write-ahead log directory: %w", err)
	}
	w := &writeAheadLog{dir: dir, rolling: rolling, clock: clock}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("write-ahead log directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "log-") {
			continue
		}
		first, err := strconv.ParseInt(strings.TrimPrefix(name, "log-"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: unexpected file %s in %s", ErrCorruptLog, name, dir)
		}
		w.segments = append(w.segments, walSegment{first: first, path: filepath.Join(dir, name)})
	}
	sort.Slice(w.segments, func(i, j int) bool { return w.segments[i].first < w.segments[j].first })
	return w, nil
}

// readAll calls fn for every intact record, in order, and notes the last
// sequence number.
func (w *writeAheadLog) readAll(fn func(seq int64, payload []byte) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, seg := range w.segments {
		lastSeg := i == len(w.segments)-1
		valid, err := readSegment(seg.path, lastSeg, func(seq int64, payload []byte) error {
			w.last = max(w.last, seq)
			return fn(seq, payload)
		})
		if err != nil {
			return err
		}
		if lastSeg {
			// Cut a torn tail so that new records follow intact ones.
			if err := os.Truncate(seg.path, valid); err != nil {
				return fmt.Errorf("write-ahead log %s: %w", seg.path, err)
			}
		}
	}
	return nil
}

// readSegment reads one segment and returns the length of its intact prefix.
func readSegment(path string, last bool, fn func(int64, []byte) error) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("write-ahead log: %w", err)
	}
	var off int64
	for int(off) < len(data) {
		rest := data[off:]
		if len(rest) < walHeader {
			if last {
				return off, nil
			}
			return 0, fmt.Errorf("%w: %s: record at byte %d is cut short", ErrCorruptLog, path, off)
		}
		n := binary.BigEndian.Uint32(rest[0:4])
		sum := binary.BigEndian.Uint32(rest[4:8])
		if int64(len(rest)) < walHeader+int64(n) {
			if last {
				return off, nil
			}
			return 0, fmt.Errorf("%w: %s: record at byte %d is cut short", ErrCorruptLog, path, off)
		}
		body := rest[8 : walHeader+int(n)]
		if crc32.Checksum(body, castagnoli) != sum {
			if last && int64(len(rest)) == walHeader+int64(n) {
				return off, nil
			}
			return 0, fmt.Errorf("%w: %s: checksum mismatch in record at byte %d", ErrCorruptLog, path, off)
		}
		seq := int64(binary.BigEndian.Uint64(body[0:8]))
		if err := fn(seq, body[8:]); err != nil {
			return 0, err
		}
		off += walHeader + int64(n)
	}
	return off, nil
}

// append writes one block and syncs it to disk. The payload is the block's
// metadata as JSON (4-byte length first), then its records.
func (w *writeAheadLog) append(seq int64, records any, metadata any) error {
	meta, err := json.Marshal(metadata)
	if err != nil {
		return fmt.Errorf("encoding block metadata: %w", err)
	}
	// Payload buffers are reused: a fresh one per block would be
	// allocated and zeroed at the size of the block, every block.
	buf := payloadBuffers.Get().(*[]byte)
	defer payloadBuffers.Put(buf)
	payload := binary.BigEndian.AppendUint32((*buf)[:0], uint32(len(meta)))
	payload, err = appendRecords(append(payload, meta...), records)
	if err != nil {
		return err
	}
	*buf = payload
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Now()
	if w.f == nil || now.Sub(w.opened) >= w.rolling {
		if err := w.roll(seq, now); err != nil {
			return err
		}
	}
	var hdr [walHeader]byte
	binary.BigEndian.PutUint32(hdr[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint64(hdr[8:16], uint64(seq))
	crc := crc32.Update(crc32.Checksum(hdr[8:16], castagnoli), castagnoli, payload)
	binary.BigEndian.PutUint32(hdr[4:8], crc)
	w.w.Write(hdr[:])
	w.w.Write(payload)
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("write-ahead log %s: %w", w.f.Name(), err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("write-ahead log %s: %w", w.f.Name(), err)
	}
	w.last = max(w.last, seq)
	return nil
}

// roll starts a new segment whose first record is seq, or reopens the last
// segment when it is still young.
func (w *writeAheadLog) roll(seq int64, now time.Time) error {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	path := filepath.Join(w.dir, fmt.Sprintf("log-%020d", seq))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("write-ahead log: %w", err)
	}
	w.f, w.w, w.opened = f, bufio.NewWriterSize(f, 64<<10), now
	w.segments = append(w.segments, walSegment{first: seq, path: path})
	return syncDir(w.dir)
}

func (w *writeAheadLog) lastSeq() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// truncate deletes segments whose every record has seq <= through.
func (w *writeAheadLog) truncate(through int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := w.segments[:0]
	for i, seg := range w.segments {
		current := w.f != nil && i == len(w.segments)-1
		if !current && i+1 < len(w.segments) && w.segments[i+1].first-1 <= through {
			if err := os.Remove(seg.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("write-ahead log: %w", err)
			}
			continue
		}
		keep = append(keep, seg)
	}
	w.segments = keep
	return nil
}

func (w *writeAheadLog) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}

// splitPayload separates a logged block's metadata from its records.
func splitPayload(payload []byte) (meta, records []byte, err error) {
	if len(payload) < 4 || int(binary.BigEndian.Uint32(payload)) > len(payload)-4 {
		return nil, nil, fmt.Errorf("%w: block payload of %d bytes has no metadata", ErrCorruptLog, len(payload))
	}
	n := binary.BigEndian.Uint32(payload)
	return payload[4 : 4+n], payload[4+n:], nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
