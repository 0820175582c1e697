package microbatch

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// Receiver receives data from a source that pushes it, Spark's Receiver:
// the system calls OnStart when the receiver should begin (OnStart must not
// block: it starts goroutines that receive) and OnStop when it should end.
// Implementations embed BaseReceiver, whose methods store data and control
// the receiver:
//
//	type lineReceiver struct {
//		microbatch.BaseReceiver[string]
//		addr string
//	}
//
//	func (r *lineReceiver) OnStart() { go r.receive() }
//	func (r *lineReceiver) OnStop()  {}
//	func (r *lineReceiver) receive() {
//		conn, err := net.Dial("tcp", r.addr)
//		if err != nil {
//			r.Restart("connecting to "+r.addr, err)
//			return
//		}
//		...
//		for sc.Scan() && !r.IsStopped() { r.Store(sc.Text()) }
//		r.Restart("connection closed", sc.Err())
//	}
//
// An unreliable receiver stores records one at a time with Store: they are
// buffered and cut into blocks every spark.streaming.blockInterval, and
// whatever is buffered when the process dies is lost. A reliable receiver
// stores a batch of records with StoreBlock, which returns only once the
// block is stored (and written to the write-ahead log when it is enabled),
// and only then acknowledges the source, so that nothing acknowledged can be
// lost.
type Receiver[T any] interface {
	OnStart()
	OnStop()
	receiverBase() *BaseReceiver[T]
}

// BaseReceiver gives a Receiver its Store, Restart and Stop methods. Embed it.
type BaseReceiver[T any] struct {
	sup atomic.Pointer[receiverSupervisor[T]]
}

func (r *BaseReceiver[T]) receiverBase() *BaseReceiver[T] { return r }

func (r *BaseReceiver[T]) supervisor() (*receiverSupervisor[T], error) {
	s := r.sup.Load()
	if s == nil {
		return nil, fmt.Errorf("%w: the receiver was never started by a StreamingContext", ErrReceiverStopped)
	}
	return s, nil
}

// Store buffers one record into the current block. It blocks while the
// receiver is over its rate limit (spark.streaming.receiver.maxRate or the
// backpressure rate). It returns ErrReceiverStopped once stopped.
func (r *BaseReceiver[T]) Store(v T) error {
	s, err := r.supervisor()
	if err != nil {
		return err
	}
	return s.store(v)
}

// StoreBlock stores records as one block and returns once the block is
// stored: in memory and, with spark.streaming.receiver.writeAheadLog.enable,
// in the write-ahead log. A reliable receiver acknowledges its source only
// after StoreBlock returns nil. metadata, such as the source offsets the
// block ends at, is kept with the block. StoreBlock respects the rate limit
// like Store.
func (r *BaseReceiver[T]) StoreBlock(records []T, metadata any) error {
	s, err := r.supervisor()
	if err != nil {
		return err
	}
	return s.storeBlock(records, metadata)
}

// StoreMany buffers records into the current block, like calling Store for
// each but under one lock. metadata, when not nil, describes them (such as
// the source offsets they end at) and is merged into the block's metadata
// with the receiver's MergeMetadata method if it has one (else the latest
// wins). Once the block is stored, in the write-ahead log when enabled, the
// receiver's OnBlockStored(metadata) is called if it has one: Spark's
// BlockGeneratorListener.onPushBlock, with which a reliable receiver
// acknowledges its source only for stored data.
func (r *BaseReceiver[T]) StoreMany(records []T, metadata any) error {
	s, err := r.supervisor()
	if err != nil {
		return err
	}
	if !s.limiter.acquire(len(records), s.done) {
		return ErrReceiverStopped
	}
	return s.bg.addMany(records, metadata)
}

// MetadataMerger is implemented by receivers whose StoreMany metadata must
// be merged (offsets of several partitions, say) rather than replaced.
type MetadataMerger interface {
	MergeMetadata(acc, m any) any
}

// BlockStoredListener is implemented by receivers that acknowledge their
// source once a block is stored.
type BlockStoredListener interface {
	OnBlockStored(metadata any)
}

// Restart stops the receiver (OnStop), reports message and err to the
// listeners, and starts it again (OnStart) after
// spark.streaming.receiverRestartDelay. It returns at once.
func (r *BaseReceiver[T]) Restart(message string, err error) {
	if s, e := r.supervisor(); e == nil {
		s.restart(message, err)
	}
}

// Stop stops the receiver for good: nothing more is received from it. Its
// buffered records are still pushed into a block.
func (r *BaseReceiver[T]) Stop(message string, err error) {
	if s, e := r.supervisor(); e == nil {
		go s.stop(message, err)
	}
}

// IsStopped reports whether the receiver has been stopped; a receiving loop
// checks it.
func (r *BaseReceiver[T]) IsStopped() bool {
	s := r.sup.Load()
	return s == nil || s.isStopped()
}

// Done returns a channel closed when the receiver stops, for receiving loops
// that block.
func (r *BaseReceiver[T]) Done() <-chan struct{} {
	if s := r.sup.Load(); s != nil {
		return s.runDone()
	}
	closed := make(chan struct{})
	close(closed)
	return closed
}

// StreamID returns the id of the receiver's input DStream.
func (r *BaseReceiver[T]) StreamID() int {
	if s := r.sup.Load(); s != nil {
		return s.streamID
	}
	return -1
}

// ReceiverStream creates an input DStream from a custom receiver, Spark's
// ssc.receiverStream. Each batch's RDD has one partition per block the
// receiver produced during the batch interval.
func ReceiverStream[T any](ssc *StreamingContext, receiver Receiver[T]) *DStream[T] {
	return receiverStream(ssc, "ReceiverInputDStream", fmt.Sprintf("receiver=%T", receiver), receiver)
}

func receiverStream[T any](ssc *StreamingContext, kind, params string, receiver Receiver[T]) *DStream[T] {
	in := &receiverInput[T]{}
	var d *DStream[T]
	d = newInput(ssc, kind, params, in, func(t Time) (*rdd.RDD[T], error) {
		blocks := ssc.tracker.blocksOfBatch(t, d.id)
		parts := make([][]T, 0, len(blocks))
		var n int64
		for _, b := range blocks {
			parts = append(parts, b.data.([]T))
			n += int64(b.numRecords)
		}
		ssc.sched.reportInput(t, StreamInputInfo{InputStreamID: d.id, NumRecords: n})
		return rdd.FromPartitions(ssc.sc, "BlockRDD", parts, nil), nil
	})
	if receiver == nil {
		return d.fail("receiverStream", fmt.Errorf("%w: nil receiver", ErrInvalidArgument))
	}
	in.sup = newReceiverSupervisor(ssc, d.id, kind, receiver)
	ssc.tracker.register(in.sup)
	return d
}

// receiverInput is the input side of a receiver DStream.
type receiverInput[T any] struct {
	sup *receiverSupervisor[T]
}

// receiverSupervisor runs one receiver: Spark's ReceiverSupervisor. It owns
// the receiver's BlockGenerator and rate limiter, and hands finished blocks
// to the tracker, through the write-ahead log when it is enabled.
type receiverSupervisor[T any] struct {
	ssc      *StreamingContext
	streamID int
	name     string
	recv     Receiver[T]
	limiter  *rateLimiter
	bg       *blockGenerator[T]
	wal      *writeAheadLog
	blockSeq atomic.Int64

	mu            sync.Mutex
	stopped       bool
	running       bool // between OnStart and OnStop
	restarting    bool
	done          chan struct{} // closed when stopped for good
	runCh         chan struct{} // closed when the current run (OnStart..OnStop) ends
	restartExited chan struct{} // closed when the last restart goroutine ends
	lastErr       ReceiverInfo
}

func newReceiverSupervisor[T any](ssc *StreamingContext, id int, name string, recv Receiver[T]) *receiverSupervisor[T] {
	s := &receiverSupervisor[T]{ssc: ssc, streamID: id, name: name, recv: recv, done: make(chan struct{}), runCh: make(chan struct{})}
	s.limiter = newRateLimiter(ssc.clock, ssc.set.receiverMaxRate)
	if ssc.set.backpressure && ssc.set.initialRate > 0 {
		s.limiter.setRate(ssc.set.initialRate)
	}
	merge := func(_, m any) any { return m }
	if mm, ok := recv.(MetadataMerger); ok {
		merge = mm.MergeMetadata
	}
	s.bg = newBlockGenerator(ssc.clock, ssc.set.blockInterval, s.pushBlock, merge)
	return s
}

func (s *receiverSupervisor[T]) id() int { return s.streamID }

func (s *receiverSupervisor[T]) info(active bool) ReceiverInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lastErr
	i.StreamID, i.Name, i.Active = s.streamID, s.name, active
	return i
}

// start attaches the receiver and calls OnStart.
func (s *receiverSupervisor[T]) start(wal *writeAheadLog) error {
	s.wal = wal
	if !s.recv.receiverBase().sup.CompareAndSwap(nil, s) {
		return fmt.Errorf("%w: receiver %T is already attached to a stream; create one receiver per ReceiverStream", ErrInvalidArgument, s.recv)
	}
	s.bg.start()
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	s.recv.OnStart()
	info := s.info(true)
	s.ssc.listeners.post(func(l StreamingListener) { l.OnReceiverStarted(info) })
	return nil
}

func (s *receiverSupervisor[T]) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

func (s *receiverSupervisor[T]) runDone() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runCh
}

func (s *receiverSupervisor[T]) store(v T) error {
	if !s.limiter.acquire(1, s.done) {
		return ErrReceiverStopped
	}
	return s.bg.add(v)
}

func (s *receiverSupervisor[T]) storeBlock(records []T, metadata any) error {
	if s.isStopped() {
		return ErrReceiverStopped
	}
	if !s.limiter.acquire(len(records), s.done) {
		return ErrReceiverStopped
	}
	return s.pushBlock(records, metadata)
}

// pushBlock stores a block: in the write-ahead log first when enabled, then
// with the tracker, which makes it available to the next batch.
func (s *receiverSupervisor[T]) pushBlock(records []T, metadata any) error {
	if len(records) == 0 {
		return nil
	}
	b := &block{streamID: s.streamID, seq: s.blockSeq.Add(1), numRecords: len(records), data: records, metadata: metadata}
	if s.wal != nil {
		if err := s.wal.append(b.seq, records, metadata); err != nil {
			s.reportError("writing block to the write-ahead log", err)
			return err
		}
	}
	s.ssc.tracker.addBlock(b)
	if l, ok := s.recv.(BlockStoredListener); ok && metadata != nil {
		l.OnBlockStored(metadata)
	}
	return nil
}

func (s *receiverSupervisor[T]) reportError(message string, err error) {
	s.mu.Lock()
	s.lastErr.LastErrorMessage = message
	s.lastErr.LastError = ""
	if err != nil {
		s.lastErr.LastError = err.Error()
	}
	s.lastErr.LastErrorTime = s.ssc.clock.Now()
	s.mu.Unlock()
	s.ssc.logger.Warn("receiver error", "stream", s.streamID, "receiver", s.name, "message", message, "error", err)
	info := s.info(!s.isStopped())
	s.ssc.listeners.post(func(l StreamingListener) { l.OnReceiverError(info) })
}

// restart runs OnStop, waits the restart delay, and runs OnStart again,
// unless the receiver is stopped meanwhile. A restart asked for while one is
// under way is ignored.
func (s *receiverSupervisor[T]) restart(message string, err error) {
	s.mu.Lock()
	if s.stopped || s.restarting {
		s.mu.Unlock()
		return
	}
	s.restarting = true
	exited := make(chan struct{})
	s.restartExited = exited
	s.mu.Unlock()
	s.reportError("restarting receiver: "+message, err)
	go func() {
		defer close(exited)
		if s.endRun() {
			s.recv.OnStop()
		}
		ok := s.ssc.clock.WaitTill(s.ssc.clock.Now().Add(s.ssc.set.restartDelay), s.done)
		s.mu.Lock()
		s.restarting = false
		if !ok || s.stopped {
			s.mu.Unlock()
			return
		}
		s.runCh = make(chan struct{})
		s.running = true
		s.mu.Unlock()
		s.recv.OnStart()
	}()
}

// endRun marks the current run (OnStart..OnStop) over; it reports whether
// one was under way.
func (s *receiverSupervisor[T]) endRun() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return false
	}
	s.running = false
	close(s.runCh)
	return true
}

// stop stops the receiver for good and pushes its buffered records.
func (s *receiverSupervisor[T]) stop(message string, err error) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	close(s.done)
	restarting := s.restartExited
	s.mu.Unlock()
	if restarting != nil {
		<-restarting // a restart under way ends (or finishes its OnStart) first
	}
	if s.endRun() {
		s.recv.OnStop()
	}
	s.bg.stop()
	if err != nil {
		s.reportError(message, err)
	}
	info := s.info(false)
	info.LastErrorMessage = message
	s.ssc.listeners.post(func(l StreamingListener) { l.OnReceiverStopped(info) })
	s.ssc.tracker.receiverStopped(s.streamID)
}

func (s *receiverSupervisor[T]) abandon() { s.bg.abandon() }

func (s *receiverSupervisor[T]) syncTo(t Time) { s.bg.syncTo(t, s.done) }

func (s *receiverSupervisor[T]) setRate(r float64) {
	if s.ssc.set.receiverMaxRate > 0 {
		r = min(r, s.ssc.set.receiverMaxRate)
	}
	s.limiter.setRate(r)
}

// decodeBlock decodes a logged block. A receiver that acknowledges stored
// blocks hears of every logged one again (OnBlockStored), so that after a
// crash it resumes past everything the log holds, even a block logged just
// before the process died and never acknowledged.
func (s *receiverSupervisor[T]) decodeBlock(seq int64, payload []byte) (*block, error) {
	meta, data, err := splitPayload(payload)
	if err != nil {
		return nil, err
	}
	records, err := decodeRecords[T](data)
	if err != nil {
		return nil, err
	}
	if l, ok := s.recv.(interface{ restoreMetadata([]byte) }); ok {
		l.restoreMetadata(meta)
	}
	return &block{streamID: s.streamID, seq: seq, numRecords: len(records), data: records}, nil
}

// rateLimited reports whether a rate is set, for tests and metrics.
func (s *receiverSupervisor[T]) rate() float64 { return s.limiter.currentRate() }

// resumeSeq continues block numbering after the blocks a write-ahead log
// already holds.
func (s *receiverSupervisor[T]) resumeSeq(seq int64) { s.blockSeq.Store(seq) }
