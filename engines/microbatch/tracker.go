package microbatch

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
)

// block is one block of received records.
type block struct {
	streamID   int
	seq        int64 // per stream, from 1, in push order
	numRecords int
	data       any // []T
	metadata   any
}

// supervisor is the untyped view of a receiverSupervisor.
type supervisor interface {
	id() int
	start(wal *writeAheadLog) error
	stop(message string, err error)
	abandon()
	syncTo(t Time)
	setRate(r float64)
	decodeBlock(seq int64, payload []byte) (*block, error)
}

// receiverTracker is Spark's ReceiverTracker with its ReceivedBlockTracker:
// it starts the receivers, collects the blocks they push, and allocates the
// unallocated ones to a batch when the batch is generated.
type receiverTracker struct {
	ssc *StreamingContext

	mu          sync.Mutex
	sups        []supervisor
	wals        map[int]*writeAheadLog
	unallocated map[int][]*block
	allocated   map[Time]map[int][]*block
	lastSeq     map[int]int64 // highest block seq allocated to a batch, per stream
	seqAt       map[Time]map[int]int64
	// replayBounds holds, for the batches a recovered checkpoint lists as
	// completed, the last block of each stream they were allocated, so they
	// are allocated the same blocks again from the write-ahead log.
	replayBounds map[Time]map[int]int64
	stoppedRecv  map[int]bool
	reserved     map[int]bool  // receivers holding a core
	stoppedCh    chan struct{} // closed once every receiver has stopped
}

func newReceiverTracker(ssc *StreamingContext) *receiverTracker {
	return &receiverTracker{ssc: ssc, wals: map[int]*writeAheadLog{}, unallocated: map[int][]*block{}, allocated: map[Time]map[int][]*block{},
		lastSeq: map[int]int64{}, seqAt: map[Time]map[int]int64{}, stoppedRecv: map[int]bool{}, reserved: map[int]bool{}, stoppedCh: make(chan struct{})}
}

func (t *receiverTracker) register(s supervisor) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sups = append(t.sups, s)
}

func (t *receiverTracker) walDir(streamID int) string {
	return filepath.Join(t.ssc.checkpointDir, "receivedData", strconv.Itoa(streamID))
}

// start opens the write-ahead logs (replaying blocks no checkpoint covers)
// and starts every receiver, with a rate controller when backpressure is on.
func (t *receiverTracker) start() error {
	ssc := t.ssc
	for _, s := range t.sups {
		var wal *writeAheadLog
		if ssc.set.walEnabled {
			var err error
			wal, err = openWriteAheadLog(t.walDir(s.id()), ssc.set.walRolling, ssc.clock)
			if err != nil {
				return err
			}
			t.wals[s.id()] = wal
			if err := t.replay(s, wal); err != nil {
				return err
			}
		}
		if ssc.set.backpressure {
			set := ssc.set
			ssc.AddStreamingListener(&rateController{streamID: s.id(),
				estimator: NewPIDRateEstimator(ssc.batch, set.pid[0], set.pid[1], set.pid[2], set.pid[3]),
				publish:   s.setRate})
		}
	}
	if c := ssc.cores; c != nil && len(t.sups) > 0 {
		left := 0
		for _, s := range t.sups {
			left = c.reserve()
			t.reserved[s.id()] = true
		}
		if left <= 0 {
			ssc.logger.Warn("every core is held by a receiver, so no batch will be processed until a receiver stops: give the application more cores than receivers",
				ConfMaster, ssc.set.master, "cores", c.Slots(), "receivers", len(t.sups))
		}
	}
	for _, s := range t.sups {
		if err := s.start(t.wals[s.id()]); err != nil {
			return err
		}
	}
	if len(t.sups) == 0 {
		close(t.stoppedCh)
	}
	return nil
}

// replay re-adds the logged blocks that the recovered checkpoint had not
// processed, so the first batch after recovery holds them.
func (t *receiverTracker) replay(s supervisor, wal *writeAheadLog) error {
	var after int64
	if cp := t.ssc.recovered; cp != nil {
		after = cp.ReceivedThrough[s.id()]
	}
	var blocks []*block
	err := wal.readAll(func(seq int64, payload []byte) error {
		b, err := s.decodeBlock(seq, payload)
		if err != nil {
			return fmt.Errorf("write-ahead log of stream %d, block %d: %w", s.id(), seq, err)
		}
		if seq > after {
			blocks = append(blocks, b)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastSeq[s.id()] = after
	t.unallocated[s.id()] = append(t.unallocated[s.id()], blocks...)
	if n := len(blocks); n > 0 {
		setBlockSeq(s, blocks[n-1].seq)
	} else {
		setBlockSeq(s, max(after, wal.lastSeq()))
	}
	return nil
}

func setBlockSeq(s supervisor, seq int64) {
	if b, ok := s.(interface{ resumeSeq(int64) }); ok {
		b.resumeSeq(seq)
	}
}

func (t *receiverTracker) addBlock(b *block) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unallocated[b.streamID] = append(t.unallocated[b.streamID], b)
}

// allocateBlocksToBatch gives batch bt every block received so far.
func (t *receiverTracker) allocateBlocksToBatch(bt Time) {
	for _, s := range t.sups {
		s.syncTo(bt)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := map[int][]*block{}
	bound, replaying := t.replayBounds[bt]
	delete(t.replayBounds, bt)
	for id, bs := range t.unallocated {
		if replaying {
			n := 0
			for n < len(bs) && bs[n].seq <= bound[id] {
				n++
			}
			bs, t.unallocated[id] = bs[:n], bs[n:]
		} else {
			delete(t.unallocated, id)
		}
		if len(bs) > 0 {
			m[id] = bs
			t.lastSeq[id] = bs[len(bs)-1].seq
		}
	}
	t.allocated[bt] = m
	snap := make(map[int]int64, len(t.lastSeq))
	for id, s := range t.lastSeq {
		snap[id] = s
	}
	t.seqAt[bt] = snap
}

func (t *receiverTracker) blocksOfBatch(bt Time, streamID int) []*block {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.allocated[bt][streamID]
}

func (t *receiverTracker) hasUnallocatedBlocks() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, bs := range t.unallocated {
		if len(bs) > 0 {
			return true
		}
	}
	return false
}

// allocatedThrough returns, per stream, the highest block seq allocated to
// batch bt or an earlier one: what a checkpoint at bt has consumed.
func (t *receiverTracker) allocatedThrough(bt Time) map[int]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seqAt[bt]
}

// cleanup forgets the blocks of batches the graph no longer needs (the
// DStreams' RDDs keep what they use).
func (t *receiverTracker) cleanup(done Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var times []Time
	for bt := range t.allocated {
		if bt <= done {
			times = append(times, bt)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	for _, bt := range times {
		delete(t.allocated, bt)
		if bt < done {
			delete(t.seqAt, bt)
		}
	}
}

// truncateLogs drops write-ahead log segments whose blocks a checkpoint
// covers.
func (t *receiverTracker) truncateLogs(through map[int]int64) error {
	for id, wal := range t.wals {
		if err := wal.truncate(through[id]); err != nil {
			return err
		}
	}
	return nil
}

func (t *receiverTracker) receiverStopped(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stoppedRecv[id] {
		return
	}
	t.stoppedRecv[id] = true
	if t.reserved[id] {
		delete(t.reserved, id)
		t.ssc.cores.unreserve()
	}
	if len(t.stoppedRecv) == len(t.sups) {
		close(t.stoppedCh)
	}
}

// allStopped is closed once every receiver has stopped.
func (t *receiverTracker) allStopped() <-chan struct{} { return t.stoppedCh }

// abandonReceivers makes every receiver drop, rather than push, the blocks
// it has not stored yet when it stops.
func (t *receiverTracker) abandonReceivers() {
	for _, s := range t.sups {
		s.abandon()
	}
}

// stopReceivers stops every receiver; each pushes what it had buffered,
// unless abandoned.
func (t *receiverTracker) stopReceivers() {
	var wg sync.WaitGroup
	for _, s := range t.sups {
		wg.Go(func() { s.stop("stopped by the streaming context", nil) })
	}
	wg.Wait()
}

func (t *receiverTracker) stop() {
	for _, w := range t.wals {
		w.close()
	}
}
