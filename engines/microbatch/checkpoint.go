package microbatch

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// checkpointMagic opens every checkpoint file; checkpointVersion is the
// format this build writes and reads.
const (
	checkpointMagic   = "SBMBCKPT"
	checkpointVersion = 1
	checkpointHeader  = 8 + 4 + 4 + 8
	checkpointsKept   = 2
)

// checkpointData is a metadata checkpoint: Spark's Checkpoint object. It is
// taken once every stateful DStream's state for batch Time is written, so
// state and input positions form one consistent cut: recovery restores the
// state of Time and replays every input from its position at Time. Batches
// after Time that had completed before a crash run again, which is why
// exactly-once output needs idempotent writes, as in Spark.
type checkpointData struct {
	AppName     string            `json:"appName"`
	Fingerprint string            `json:"fingerprint"`
	Graph       []string          `json:"graph"`
	BatchMs     int64             `json:"batchMs"`
	ZeroTime    Time              `json:"zeroTime"`
	Time        Time              `json:"time"`
	Conf        map[string]string `json:"conf"`
	// Inputs holds each input DStream's position after batch Time.
	Inputs map[int]json.RawMessage `json:"inputs"`
	// ReceivedThrough holds, per receiver stream, the last block sequence
	// number allocated to batch Time or earlier: later logged blocks are
	// replayed.
	ReceivedThrough map[int]int64 `json:"receivedThrough"`
	// State names the data checkpoint file of each stateful DStream.
	State map[int]string `json:"state"`
}

// checkpointInterval is how often the metadata checkpoint is taken: the
// least common multiple of the stateful DStreams' checkpoint intervals, or
// every batch when there are none.
func (ssc *StreamingContext) checkpointInterval() time.Duration {
	iv := ssc.batch
	for _, d := range ssc.g.streams {
		b := d.base()
		if b.mustCheckpoint || b.checkpointInterval > 0 {
			iv = lcm(iv, b.checkpointInterval)
		}
	}
	return iv
}

func lcm(a, b time.Duration) time.Duration {
	if b == 0 {
		return a
	}
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// writeCheckpoint writes the state data and the metadata checkpoint of batch
// t when one is due, then drops older checkpoints and the write-ahead log
// segments they no longer need.
func (ssc *StreamingContext) writeCheckpoint(t Time) error {
	if t.Sub(ssc.g.streams[0].base().zero)%ssc.checkpointInterval() != 0 {
		return nil
	}
	dir := ssc.checkpointDir
	lines := ssc.g.describe(ssc.batch)
	cp := checkpointData{AppName: ssc.set.appName, Fingerprint: fingerprint(lines), Graph: lines, BatchMs: ssc.batch.Milliseconds(),
		ZeroTime: ssc.g.streams[0].base().zero, Time: t, Conf: ssc.conf.All(), Inputs: map[int]json.RawMessage{},
		ReceivedThrough: ssc.tracker.allocatedThrough(t), State: map[int]string{}}
	for _, d := range ssc.g.streams {
		b := d.base()
		if b.input != nil {
			pos, err := b.input.position(t)
			if err != nil {
				return err
			}
			if pos != nil {
				cp.Inputs[b.id] = pos
			}
		}
		if b.mustCheckpoint || b.checkpointInterval > 0 {
			file, err := d.writeCheckpoint(dir, t)
			if err != nil {
				return fmt.Errorf("checkpointing %s at %s: %w", b, t, err)
			}
			if file != "" {
				cp.State[b.id] = file
			}
		}
	}
	payload, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, fmt.Sprintf("checkpoint-%d", t.Milliseconds())), frameCheckpoint(payload)); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	if err := ssc.tracker.truncateLogs(cp.ReceivedThrough); err != nil {
		return err
	}
	return pruneCheckpoints(dir)
}

func frameCheckpoint(payload []byte) []byte {
	out := make([]byte, checkpointHeader, checkpointHeader+len(payload))
	copy(out, checkpointMagic)
	binary.BigEndian.PutUint32(out[8:12], checkpointVersion)
	binary.BigEndian.PutUint32(out[12:16], crc32.Checksum(payload, castagnoli))
	binary.BigEndian.PutUint64(out[16:24], uint64(len(payload)))
	return append(out, payload...)
}

// decodeCheckpoint checks a checkpoint file's frame and decodes it.
func decodeCheckpoint(name string, data []byte) (*checkpointData, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidCheckpoint, name, fmt.Sprintf(format, args...))
	}
	if len(data) < checkpointHeader {
		return nil, bad("file is %d bytes, shorter than a checkpoint header; it is truncated or not a checkpoint", len(data))
	}
	if string(data[:8]) != checkpointMagic {
		return nil, bad("not a streambench micro-batch checkpoint (it does not start with %q)", checkpointMagic)
	}
	if v := binary.BigEndian.Uint32(data[8:12]); v != checkpointVersion {
		return nil, bad("format version %d, this build reads version %d; start from a new checkpoint directory", v, checkpointVersion)
	}
	n := binary.BigEndian.Uint64(data[16:24])
	payload := data[checkpointHeader:]
	if uint64(len(payload)) != n {
		return nil, bad("truncated: header says %d bytes of data, file has %d", n, len(payload))
	}
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(data[12:16]) {
		return nil, bad("checksum mismatch: the file is corrupt")
	}
	var cp checkpointData
	if err := json.Unmarshal(payload, &cp); err != nil {
		return nil, bad("decoding: %v", err)
	}
	if cp.BatchMs <= 0 || cp.Fingerprint == "" {
		return nil, bad("missing batch interval or graph fingerprint")
	}
	return &cp, nil
}

// checkpointFiles lists dir's checkpoint files, newest first.
func checkpointFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint directory: %w", err)
	}
	type file struct {
		name string
		t    int64
	}
	var files []file
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "checkpoint-")
		if !ok {
			continue
		}
		t, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			continue
		}
		files = append(files, file{e.Name(), t})
	}
	slices.SortFunc(files, func(a, b file) int { return int(b.t - a.t) })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(dir, f.name)
	}
	return out, nil
}

// readLatestCheckpoint returns the newest checkpoint in dir, or nil when
// there is none. A damaged newest checkpoint is an error rather than a
// silent fallback to an older one.
func readLatestCheckpoint(dir string) (*checkpointData, error) {
	files, err := checkpointFiles(dir)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCheckpoint, err)
	}
	cp, err := decodeCheckpoint(files[0], data)
	if err != nil {
		if len(files) > 1 {
			return nil, fmt.Errorf("%w (an older checkpoint, %s, exists: remove the damaged file to recover from it)", err, filepath.Base(files[1]))
		}
		return nil, err
	}
	return cp, nil
}

// pruneCheckpoints keeps the newest checkpoints and the state files they
// name.
func pruneCheckpoints(dir string) error {
	files, err := checkpointFiles(dir)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for i, f := range files {
		if i >= checkpointsKept {
			os.Remove(f)
			continue
		}
		if data, err := os.ReadFile(f); err == nil {
			if cp, err := decodeCheckpoint(f, data); err == nil {
				for _, s := range cp.State {
					keep[s] = true
				}
			}
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "state"))
	for _, e := range entries {
		if name := filepath.Join("state", e.Name()); !keep[name] {
			os.Remove(filepath.Join(dir, name))
		}
	}
	return nil
}

// GetOrCreate recovers a streaming application from the checkpoint in dir,
// or creates it with create when dir holds none, like Spark's
// StreamingContext.getOrCreate.
//
// Go cannot serialise functions, so unlike Spark the DStream graph is always
// rebuilt by create; the checkpoint supplies the rest: the zero time, the
// state of every stateful DStream, and where every input resumes. The graph
// create builds must be the one that wrote the checkpoint (same operations
// in the same order, same element types, batch interval and partition
// counts); any other is refused with ErrIncompatibleCheckpoint naming the
// first difference, instead of restoring state into the wrong operations.
func GetOrCreate(dir string, create func() (*StreamingContext, error)) (*StreamingContext, error) {
	cp, err := readLatestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	ssc, err := create()
	if err != nil {
		return nil, err
	}
	if ssc.checkpointDir == "" {
		if err := ssc.Checkpoint(dir); err != nil {
			return nil, err
		}
	}
	if cp == nil {
		return ssc, nil
	}
	lines := ssc.g.describe(ssc.batch)
	if fp := fingerprint(lines); fp != cp.Fingerprint {
		return nil, fmt.Errorf("%w: checkpoint %s at %s was written by a different DStream graph: %s. Restore the application that wrote it, or start from an empty checkpoint directory",
			ErrIncompatibleCheckpoint, dir, cp.Time, diffGraphs(cp.Graph, lines))
	}
	ssc.recovered = cp
	return ssc, nil
}

// startRecovered installs a recovered checkpoint: input positions and state.
func (ssc *StreamingContext) startRecovered() error {
	cp := ssc.recovered
	if cp == nil {
		return nil
	}
	for _, d := range ssc.g.streams {
		b := d.base()
		if pos, ok := cp.Inputs[b.id]; ok && b.input != nil {
			if err := b.input.restore(pos); err != nil {
				return fmt.Errorf("%w: restoring %s: %v", ErrInvalidCheckpoint, b, err)
			}
		}
		if file, ok := cp.State[b.id]; ok {
			if err := d.restoreCheckpoint(ssc.checkpointDir, cp.Time, file); err != nil {
				return fmt.Errorf("%w: restoring the state of %s from %s: %v", ErrInvalidCheckpoint, b, file, err)
			}
		}
	}
	ssc.sched.lastGenerated = cp.Time
	return nil
}

// writeCheckpoint writes the DStream's RDD at t as a data checkpoint and
// returns its file name relative to dir.
func (d *DStream[T]) writeCheckpoint(dir string, t Time) (string, error) {
	d.mu.Lock()
	r := d.generated[t]
	d.mu.Unlock()
	if r == nil {
		return "", nil
	}
	parts, err := r.CollectPartitions()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(parts); err != nil {
		return "", fmt.Errorf("encoding state: %w (state types must be gob-encodable: exported fields)", err)
	}
	name := filepath.Join("state", fmt.Sprintf("dstream-%d-%d", d.id, t.Milliseconds()))
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o755); err != nil {
		return "", err
	}
	return name, writeFileAtomic(filepath.Join(dir, name), frameCheckpoint(buf.Bytes()))
}

// restoreCheckpoint reads a data checkpoint back as the DStream's RDD at t.
func (d *DStream[T]) restoreCheckpoint(dir string, t Time, file string) error {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return err
	}
	if len(data) < checkpointHeader || string(data[:8]) != checkpointMagic {
		return fmt.Errorf("%s is not a state checkpoint", file)
	}
	payload := data[checkpointHeader:]
	if uint64(len(payload)) != binary.BigEndian.Uint64(data[16:24]) || crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(data[12:16]) {
		return fmt.Errorf("%s is truncated or corrupt", file)
	}
	var parts [][]T
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&parts); err != nil {
		return fmt.Errorf("decoding %s: %w", file, err)
	}
	r := rdd.FromPartitions(d.ssc.sc, "CheckpointRDD", parts, nil)
	if d.restoreHook != nil {
		r = d.restoreHook(r)
	}
	r.Persist()
	d.mu.Lock()
	d.generated[t] = r
	d.mu.Unlock()
	return nil
}

// writeFileAtomic writes data to a temporary file beside name, syncs it,
// renames it over name and syncs the directory: a reader sees the old file
// or the new one, never a partial one, even after a crash.
func writeFileAtomic(name string, data []byte) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}
