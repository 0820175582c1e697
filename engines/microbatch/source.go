package microbatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// Offsets maps a source partition to an offset.
type Offsets map[int32]int64

// SourceReceiver receives partitions of an engines.Source, a partitioned
// replayable log, the way Spark's receiver-based Kafka input does: one
// goroutine per partition reads records and stores them into blocks.
//
// Unreliable, it marks records consumed as soon as it has read them (Kafka's
// auto-commit): records buffered in a block when the process dies are lost.
// Reliable, it marks them consumed only once their block is stored, in the
// write-ahead log when that is enabled (Spark's ReliableKafkaReceiver), so a
// restarted receiver resumes at the first record not safely stored. The
// consumed offsets are kept in a file under the checkpoint directory, the
// role of Kafka's committed offsets, when one is set.
type SourceReceiver struct {
	BaseReceiver[engines.Record]
	src       engines.Source
	parts     []int
	reliable  bool
	batchSize int

	mu        sync.Mutex
	committed Offsets
	storeDir  func() string // the checkpoint directory committed offsets live in
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	drained   int
}

// NewSourceReceiver returns a receiver of the given partitions of src.
func NewSourceReceiver(src engines.Source, partitions []int, reliable bool) *SourceReceiver {
	return &SourceReceiver{src: src, parts: partitions, reliable: reliable, batchSize: 1024, committed: Offsets{}}
}

// SourceStream creates an input DStream receiving src: one SourceReceiver
// per source partition, their streams unioned, the way Spark's guide
// parallelises receiving from Kafka (one receiver stream per partition, then
// ssc.union). Each receiver cuts its own blocks, so a batch has at least one
// partition per busy source partition. With a checkpoint directory, each
// receiver's committed offsets persist under it and a restarted application
// resumes from them.
func SourceStream(ssc *StreamingContext, src engines.Source, reliable bool) *DStream[engines.Record] {
	streams := make([]*DStream[engines.Record], src.Partitions())
	for p := range streams {
		r := NewSourceReceiver(src, []int{p}, reliable)
		streams[p] = receiverStream[engines.Record](ssc, "SourceReceiverInputDStream", fmt.Sprintf("partition=%d reliable=%v", p, reliable), r)
		r.storeDir = func() string { return ssc.checkpointDir }
	}
	if len(streams) == 1 {
		return streams[0]
	}
	return streams[0].Union(streams[1:]...)
}

// OnStart resumes every partition from its committed offset.
func (r *SourceReceiver) OnStart() {
	if err := r.loadCommitted(); err != nil {
		r.Stop("reading committed offsets", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel = cancel
	r.drained = 0
	start := maps.Clone(r.committed)
	r.mu.Unlock()
	for _, p := range r.parts {
		r.wg.Go(func() { r.receive(ctx, p, start[int32(p)]) })
	}
}

// OnStop stops the partition readers.
func (r *SourceReceiver) OnStop() {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *SourceReceiver) receive(ctx context.Context, p int, offset int64) {
	buf := make([]engines.Record, r.batchSize)
	err := engines.ReadPartition(ctx, r.src, p, offset, buf, func(recs []engines.Record) error {
		// StoreMany copies recs into the block, so buf can be reused.
		end := Offsets{int32(p): recs[len(recs)-1].Offset + 1}
		if !r.reliable {
			r.commit(end)
			return r.StoreMany(recs, nil)
		}
		return r.StoreMany(recs, end)
	})
	switch {
	case err == nil:
		r.mu.Lock()
		r.drained++
		all := r.drained == len(r.parts)
		r.mu.Unlock()
		if all {
			r.Stop("every partition of the source is closed and read", nil)
		}
	case errors.Is(err, context.Canceled), errors.Is(err, ErrReceiverStopped):
	default:
		r.Restart(fmt.Sprintf("reading partition %d at offset %d", p, offset), err)
	}
}

// MergeMetadata keeps, per partition, the furthest offset.
func (r *SourceReceiver) MergeMetadata(acc, m any) any {
	out, _ := acc.(Offsets)
	if out == nil {
		out = Offsets{}
	}
	for p, o := range m.(Offsets) {
		out[p] = max(out[p], o)
	}
	return out
}

// OnBlockStored commits a reliable receiver's offsets once their block is
// stored.
func (r *SourceReceiver) OnBlockStored(metadata any) {
	if offs, ok := metadata.(Offsets); ok {
		r.commit(offs)
	}
}

// restoreMetadata takes the offsets of a block replayed from the
// write-ahead log as committed: the block is stored.
func (r *SourceReceiver) restoreMetadata(meta []byte) {
	var offs Offsets
	if json.Unmarshal(meta, &offs) == nil && offs != nil {
		r.commit(offs)
	}
}

// Committed returns the offsets consumed so far, per partition.
func (r *SourceReceiver) Committed() Offsets {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.committed)
}

func (r *SourceReceiver) commit(offs Offsets) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, o := range offs {
		r.committed[p] = max(r.committed[p], o)
	}
	if path := r.offsetsFile(); path != "" && r.reliable {
		data, _ := json.Marshal(r.committed)
		if err := writeFileAtomic(path, data); err != nil {
			go r.Restart("committing offsets", err)
		}
	}
}

func (r *SourceReceiver) offsetsFile() string {
	if r.storeDir == nil || r.storeDir() == "" || r.StreamID() < 0 {
		return ""
	}
	return filepath.Join(r.storeDir(), "receiver-offsets-"+strconv.Itoa(r.StreamID()))
}

func (r *SourceReceiver) loadCommitted() error {
	path := r.offsetsFile()
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var offs Offsets
	if err := json.Unmarshal(data, &offs); err != nil {
		return fmt.Errorf("%w: committed offsets %s: %v", ErrInvalidCheckpoint, path, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, o := range offs {
		r.committed[p] = max(r.committed[p], o)
	}
	return nil
}

// DirectStream creates an input DStream that reads src by offset ranges,
// with no receiver, like Spark's Kafka direct stream: at each batch the
// stream takes, per partition, the records published since the previous
// batch (capped by spark.streaming.kafka.maxRatePerPartition and the
// backpressure rate), and the batch's RDD has one partition per source
// partition. The offsets are the stream's position in a checkpoint, so a
// recovered application re-reads exactly the batches after the checkpoint:
// with checkpointed state and idempotent output, exactly-once.
func DirectStream(ssc *StreamingContext, src engines.Source) *DStream[engines.Record] {
	in := &directInput{src: src, next: Offsets{}, snapshots: map[Time]Offsets{}, drained: make(chan struct{}), eof: map[int32]bool{}}
	var d *DStream[engines.Record]
	d = newInput(ssc, "DirectSourceInputDStream", fmt.Sprintf("partitions=%d", src.Partitions()), in, func(t Time) (*rdd.RDD[engines.Record], error) {
		parts, n, ranges, err := in.nextBatch(t, ssc)
		if err != nil {
			return nil, err
		}
		ssc.sched.reportInput(t, StreamInputInfo{InputStreamID: d.id, NumRecords: n, Metadata: map[string]string{"offsets": ranges}})
		return rdd.FromPartitions(ssc.sc, "SourceRDD", parts, nil), nil
	})
	in.stream = d
	return d
}

type directInput struct {
	src       engines.Source
	stream    *DStream[engines.Record]
	mu        sync.Mutex
	next      Offsets
	snapshots map[Time]Offsets
	rate      float64 // backpressure estimate, records/s, 0 = none
	eof       map[int32]bool
	drained   chan struct{}
	once      sync.Once
	// replays holds, for recovered batches, the offsets they ended at.
	replays map[Time]Offsets
}

func (in *directInput) replayBatch(t Time, raw json.RawMessage) error {
	var offs Offsets
	if err := json.Unmarshal(raw, &offs); err != nil {
		return fmt.Errorf("direct stream offsets of batch %s: %w", t, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.replays == nil {
		in.replays = map[Time]Offsets{}
	}
	in.replays[t] = offs
	return nil
}

// nextBatch reads each partition's records from its next offset on.
func (in *directInput) nextBatch(t Time, ssc *StreamingContext) ([][]engines.Record, int64, string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	secs := ssc.batch.Seconds()
	limit := int64(-1)
	if r := ssc.set.maxRatePerPartition; r > 0 {
		limit = max(1, int64(r*secs))
	}
	if in.rate > 0 {
		l := max(1, int64(in.rate/float64(in.src.Partitions())*secs))
		if limit < 0 || l < limit {
			limit = l
		}
	}
	replay, replaying := in.replays[t]
	delete(in.replays, t)
	parts := make([][]engines.Record, in.src.Partitions())
	var total int64
	ranges := ""
	buf := make([]engines.Record, 4096)
	for p := range parts {
		from := in.next[int32(p)]
		off := from
		if replaying {
			// A recovered batch reads exactly its recorded range again.
			limit = max(0, replay[int32(p)]-from)
		}
		for limit < 0 || off-from < limit {
			want := len(buf)
			if limit >= 0 {
				want = int(min(int64(want), limit-(off-from)))
			}
			n, err := in.src.Fetch(p, off, buf[:want])
			parts[p] = append(parts[p], buf[:n]...)
			off += int64(n)
			if errors.Is(err, io.EOF) {
				in.eof[int32(p)] = true
				break
			}
			if err != nil {
				return nil, 0, "", fmt.Errorf("direct stream: fetching partition %d at offset %d: %w", p, off, err)
			}
			if n == 0 {
				break
			}
		}
		in.next[int32(p)] = off
		total += off - from
		ranges += fmt.Sprintf("%d:[%d,%d) ", p, from, off)
	}
	in.snapshots[t] = maps.Clone(in.next)
	for bt := range in.snapshots {
		if bt < t.Add(-time.Minute) {
			delete(in.snapshots, bt)
		}
	}
	if len(in.eof) == in.src.Partitions() {
		in.once.Do(func() { close(in.drained) })
	}
	return parts, total, ranges, nil
}

func (in *directInput) position(t Time) (json.RawMessage, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	snap, ok := in.snapshots[t]
	if !ok {
		snap = in.next
	}
	return json.Marshal(snap)
}

func (in *directInput) restore(raw json.RawMessage) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	var offs Offsets
	if err := json.Unmarshal(raw, &offs); err != nil {
		return fmt.Errorf("direct stream offsets: %w", err)
	}
	in.next = offs
	return nil
}

func (in *directInput) setRate(r float64) {
	in.mu.Lock()
	in.rate = r
	in.mu.Unlock()
}
