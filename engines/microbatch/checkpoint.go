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
	"sync"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// checkpointMagic opens every checkpoint file; checkpointVersion is the
// format this build writes and reads. checkpointsKept is how many metadata
// checkpoint files stay in the directory, the newest, as Spark keeps the
// last ten.
const (
	checkpointMagic   = "SBMBCKPT"
	checkpointVersion = 1
	checkpointHeader  = 8 + 4 + 4 + 8
	checkpointsKept   = 10
)

// checkpointData is a metadata checkpoint: Spark's Checkpoint object. Spark's
// JobGenerator writes one after it generates each batch and again when the
// batch completes, and so does a StreamingContext with a checkpoint
// directory. It holds two cuts.
//
// The state cut, Time, is the last batch whose stateful DStreams were
// written as data checkpoints (every DStream.Checkpoint interval, by default
// the multiple of the slide at or above 10 s): their files, and where every
// input stood after it. Recovery restores that state.
//
// The batch cut, Completed, lists every batch completed since Time with
// where each input stood after it. Recovery generates those batches again
// from the same input, to bring the state up to the last completed batch,
// but does not run their output operations: they ran before the crash.
// Pending lists the batches generated but not completed when the file was
// written; they run again in full, which is why exactly-once output needs
// idempotent writes, as in Spark.
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
	// Completed lists the batches completed after Time, in order.
	Completed []batchRecord `json:"completed,omitempty"`
	// Pending lists the batches generated and not completed.
	Pending []Time `json:"pending,omitempty"`
}

// batchRecord is one completed batch in a metadata checkpoint: what its
// inputs had consumed once it was generated, so that recovery can generate
// it again from exactly the same data.
type batchRecord struct {
	Time            Time                    `json:"time"`
	Inputs          map[int]json.RawMessage `json:"inputs,omitempty"`
	ReceivedThrough map[int]int64           `json:"receivedThrough,omitempty"`
}

// completedThrough is the last batch the checkpoint knows to be complete.
func (cp *checkpointData) completedThrough() Time {
	if n := len(cp.Completed); n > 0 {
		return cp.Completed[n-1].Time
	}
	return cp.Time
}

// checkpointWriter is the part of Spark's CheckpointWriter that orders
// metadata checkpoints: the last state cut, the batches completed since, and
// the newest batch generated, which names the file so that the newest file
// is always the newest checkpoint.
type checkpointWriter struct {
	mu        sync.Mutex
	base      *checkpointData // the state cut, without Completed or Pending
	completed []batchRecord
	latest    Time
}

// checkpointInterval is how often the state is checkpointed: the least
// common multiple of the stateful DStreams' checkpoint intervals, or every
// batch when there are none.
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

// inputPositions returns every input's position after batch t.
func (ssc *StreamingContext) inputPositions(t Time) (map[int]json.RawMessage, error) {
	out := map[int]json.RawMessage{}
	for _, d := range ssc.g.inputs {
		b := d.base()
		pos, err := b.input.position(t)
		if err != nil {
			return nil, err
		}
		if pos != nil {
			out[b.id] = pos
		}
	}
	return out, nil
}

// initialCheckpoint is the state cut of a context that has checkpointed no
// state yet: the zero time, empty state, every input from its start (or
// from the recovered cut).
func (ssc *StreamingContext) initialCheckpoint() *checkpointData {
	if cp := ssc.recovered; cp != nil {
		base := *cp
		base.Completed, base.Pending = nil, nil
		return &base
	}
	lines := ssc.g.describe(ssc.batch)
	zero := ssc.g.streams[0].base().zero
	return &checkpointData{AppName: ssc.set.appName, Fingerprint: fingerprint(lines), Graph: lines, BatchMs: ssc.batch.Milliseconds(),
		ZeroTime: zero, Time: zero, Conf: ssc.conf.All(), Inputs: map[int]json.RawMessage{}, ReceivedThrough: map[int]int64{}, State: map[int]string{}}
}

// checkpointGenerated writes the metadata checkpoint after batch t is
// generated, before any of its jobs runs, so that a crash from here on
// finds t among the pending batches.
func (ssc *StreamingContext) checkpointGenerated(t Time, pending []Time) error {
	w := &ssc.ckpt
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.base == nil {
		w.base = ssc.initialCheckpoint()
	}
	w.latest = max(w.latest, t)
	return ssc.writeMetadata(pending)
}

// writeCheckpoint writes the metadata checkpoint once batch t has
// completed, with the state data of t first when a state checkpoint is
// due; a state checkpoint then drops older checkpoints' state files and the
// write-ahead log segments no checkpoint needs any more.
func (ssc *StreamingContext) writeCheckpoint(t Time, pending []Time) error {
	w := &ssc.ckpt
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.base == nil {
		w.base = ssc.initialCheckpoint()
	}
	w.latest = max(w.latest, t)
	inputs, err := ssc.inputPositions(t)
	if err != nil {
		return err
	}
	through := ssc.tracker.allocatedThrough(t)
	if t.Sub(ssc.g.streams[0].base().zero)%ssc.checkpointInterval() != 0 {
		w.completed = append(w.completed, batchRecord{Time: t, Inputs: inputs, ReceivedThrough: through})
		return ssc.writeMetadata(pending)
	}
	dir := ssc.checkpointDir
	base := ssc.initialCheckpoint()
	base.Time, base.Inputs, base.ReceivedThrough = t, inputs, through
	if base.ReceivedThrough == nil {
		base.ReceivedThrough = map[int]int64{}
	}
	base.State = map[int]string{}
	for _, d := range ssc.g.streams {
		b := d.base()
		if b.mustCheckpoint || b.checkpointInterval > 0 {
			file, err := d.writeCheckpoint(dir, t)
			if err != nil {
				return fmt.Errorf("checkpointing %s at %s: %w", b, t, err)
			}
			if file != "" {
				base.State[b.id] = file
			}
		}
	}
	w.base, w.completed = base, nil
	if err := ssc.writeMetadata(pending); err != nil {
		return err
	}
	if err := ssc.tracker.truncateLogs(base.ReceivedThrough); err != nil {
		return err
	}
	return pruneCheckpoints(dir)
}

// writeMetadata writes the writer's checkpoint atomically as
// checkpoint-<newest batch generated>, and keeps the newest
// checkpointsKept files. w.mu is held.
func (ssc *StreamingContext) writeMetadata(pending []Time) error {
	w := &ssc.ckpt
	cp := *w.base
	cp.Completed, cp.Pending = w.completed, pending
	payload, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(ssc.checkpointDir, fmt.Sprintf("checkpoint-%d", w.latest.Milliseconds())), frameCheckpoint(payload)); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	return rotateCheckpoints(ssc.checkpointDir)
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

// readLatestCheckpoint returns the newest checkpoint in dir and its file,
// or nil when there is none. A damaged newest checkpoint is an error naming
// the file and the way on, rather than a silent fallback to an older one.
func readLatestCheckpoint(dir string) (*checkpointData, string, error) {
	files, err := checkpointFiles(dir)
	if err != nil || len(files) == 0 {
		return nil, "", err
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v (make the file readable, or remove it to recover from an older checkpoint)", ErrInvalidCheckpoint, err)
	}
	cp, err := decodeCheckpoint(files[0], data)
	if err != nil {
		if len(files) > 1 {
			return nil, "", fmt.Errorf("%w (an older checkpoint, %s, exists: remove the damaged file to recover from it)", err, filepath.Base(files[1]))
		}
		return nil, "", fmt.Errorf("%w (remove it, or the whole directory, to start afresh)", err)
	}
	return cp, files[0], nil
}

// rotateCheckpoints removes all but the newest checkpointsKept metadata
// checkpoint files.
func rotateCheckpoints(dir string) error {
	files, err := checkpointFiles(dir)
	if err != nil {
		return err
	}
	for _, f := range files[min(len(files), checkpointsKept):] {
		os.Remove(f)
	}
	return nil
}

// pruneCheckpoints removes the state files no kept checkpoint names.
func pruneCheckpoints(dir string) error {
	files, err := checkpointFiles(dir)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil // being rotated away: keep every state file this time
		}
		cp, err := decodeCheckpoint(f, data)
		if err != nil {
			return nil
		}
		for _, s := range cp.State {
			keep[s] = true
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

// RecoveryInfo says how a StreamingContext came to be: created afresh, or
// recovered from a checkpoint by GetOrCreate, and then what recovery does.
type RecoveryInfo struct {
	// Recovered is true when the context was rebuilt from a checkpoint.
	Recovered bool
	// File is the metadata checkpoint file recovered from.
	File string
	// Time is the last batch the checkpoint knows to be complete: the
	// first batch run after recovery is the one after it.
	Time Time
	// StateTime is the batch whose state was restored from the data
	// checkpoint files.
	StateTime Time
	// Recomputed lists the batches completed after StateTime: they are
	// generated again from the same input to rebuild the state, and their
	// output operations do not run again.
	Recomputed []Time
	// Pending lists the batches generated but not completed at the
	// crash: they run again in full, the only batches whose outputs can
	// run twice.
	Pending []Time
}

// String is what the logs say: "recovered from checkpoint at batch time
// 1700000003000 ms (...)" or "created".
func (r RecoveryInfo) String() string {
	if !r.Recovered {
		return "created"
	}
	return fmt.Sprintf("recovered from checkpoint at batch time %s (%s; state of %s restored, %d completed batches recomputed without their outputs, %d pending batches run again)",
		r.Time, r.File, r.StateTime, len(r.Recomputed), len(r.Pending))
}

// Recovery reports whether the context was created or recovered from a
// checkpoint, and what recovery does.
func (ssc *StreamingContext) Recovery() RecoveryInfo {
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	r := ssc.recovery
	r.Recomputed, r.Pending = slices.Clone(r.Recomputed), slices.Clone(r.Pending)
	return r
}

// GetOrCreate recovers a streaming application from the checkpoint in dir,
// or creates it with create when dir holds none, like Spark's
// StreamingContext.getOrCreate. create is called in both cases (see below);
// Recovery, and the context's log, say which happened: "recovered from
// checkpoint at batch time T" or "created".
//
// Go cannot serialise functions, so unlike Spark the DStream graph is always
// rebuilt by create; the checkpoint supplies the rest: the zero time, the
// state of every stateful DStream, where every input resumes, and which
// batches had completed. The graph create builds must be the one that wrote
// the checkpoint (same operations in the same order, same element types,
// batch interval and partition counts); any other is refused with
// ErrIncompatibleCheckpoint naming the first difference, instead of
// restoring state into the wrong operations. A checkpoint file that cannot
// be read or decoded is an ErrInvalidCheckpoint naming the file, as Spark
// fails with the path, and says how to go on.
func GetOrCreate(dir string, create func() (*StreamingContext, error)) (*StreamingContext, error) {
	cp, file, err := readLatestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	if create == nil {
		return nil, fmt.Errorf("%w: GetOrCreate needs a create function", ErrInvalidArgument)
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
		ssc.logger.Info("streaming context created", "checkpoint", dir)
		return ssc, nil
	}
	lines := ssc.g.describe(ssc.batch)
	if fp := fingerprint(lines); fp != cp.Fingerprint {
		return nil, fmt.Errorf("%w: checkpoint %s at %s was written by a different DStream graph: %s. Restore the application that wrote it, or start from an empty checkpoint directory",
			ErrIncompatibleCheckpoint, file, cp.completedThrough(), diffGraphs(cp.Graph, lines))
	}
	ssc.recovered = cp
	rec := RecoveryInfo{Recovered: true, File: file, Time: cp.completedThrough(), StateTime: cp.Time, Pending: slices.Clone(cp.Pending)}
	for _, b := range cp.Completed {
		rec.Recomputed = append(rec.Recomputed, b.Time)
	}
	ssc.mu.Lock()
	ssc.recovery = rec
	ssc.mu.Unlock()
	ssc.logger.Info("streaming context "+rec.String(), "checkpoint", dir)
	return ssc, nil
}

// startRecovered installs a recovered checkpoint: the state and input
// positions of its state cut, and the completed batches after it, which
// the scheduler generates again without their outputs.
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
	recompute := map[Time]bool{}
	bounds := map[Time]map[int]int64{}
	for _, rec := range cp.Completed {
		recompute[rec.Time] = true
		bounds[rec.Time] = rec.ReceivedThrough
		for _, d := range ssc.g.inputs {
			b := d.base()
			pos, ok := rec.Inputs[b.id]
			if !ok {
				continue
			}
			r, ok := b.input.(batchReplayer)
			if !ok {
				return fmt.Errorf("%w: %s cannot generate batch %s again", ErrInvalidCheckpoint, b, rec.Time)
			}
			if err := r.replayBatch(rec.Time, pos); err != nil {
				return fmt.Errorf("%w: %v", ErrInvalidCheckpoint, err)
			}
		}
	}
	ssc.tracker.mu.Lock()
	ssc.tracker.replayBounds = bounds
	ssc.tracker.mu.Unlock()
	ssc.sched.mu.Lock()
	ssc.sched.recompute = recompute
	ssc.sched.mu.Unlock()
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
