package microbatch

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// jobScheduler is Spark's JobGenerator and JobScheduler in one: a recurring
// timer generates a job set per batch interval (one job per output
// operation, in definition order), and one executor goroutine runs the job
// sets in batch order (spark.streaming.concurrentJobs = 1). When a batch
// takes longer than the interval, the next ones wait in the queue and their
// scheduling delay grows.
type jobScheduler struct {
	ssc   *StreamingContext
	timer *recurringTimer

	genMu         sync.Mutex // one batch generated at a time
	lastGenerated Time

	mu            sync.Mutex
	cond          *sync.Cond
	queue         []*jobSet
	running       bool
	stopping      bool
	lastProcessed Time
	runningTime   Time // the batch the executor runs, 0 when idle
	// recompute holds the batches a recovered checkpoint lists as
	// completed: they are generated again to rebuild the state, without
	// running their outputs.
	recompute map[Time]bool
	inputInfo map[Time]map[int]StreamInputInfo
	exited    chan struct{}
}

type jobSet struct {
	time      Time
	jobs      []job
	info      BatchInfo
	recompute bool // state only: the outputs ran before the crash
}

func newJobScheduler(ssc *StreamingContext) *jobScheduler {
	s := &jobScheduler{ssc: ssc, inputInfo: map[Time]map[int]StreamInputInfo{}, exited: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// start launches the executor and the timer; the first batch is at
// zero + batch interval, or right after the recovered batches.
func (s *jobScheduler) start(zero Time) {
	first := zero.Add(s.ssc.batch)
	if s.lastGenerated >= first {
		first = s.lastGenerated.Add(s.ssc.batch)
	}
	go s.executor()
	s.timer = newRecurringTimer(s.ssc.clock, s.ssc.batch, s.generate)
	s.timer.start(first)
}

// reportInput records what an input stream put in batch t, Spark's
// InputInfoTracker.
func (s *jobScheduler) reportInput(t Time, info StreamInputInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.inputInfo[t]
	if m == nil {
		m = map[int]StreamInputInfo{}
		s.inputInfo[t] = m
	}
	m[info.InputStreamID] = info
}

// generate builds the job set of batch t and queues it.
func (s *jobScheduler) generate(t Time) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if t <= s.lastGenerated {
		return
	}
	s.ssc.tracker.allocateBlocksToBatch(t)
	// Every input defines its RDD at every batch time, even when no output
	// needs it yet (a window sliding every few batches reads it later): an
	// input's batch is what arrived by its time, not by when it is read.
	for _, in := range s.ssc.g.inputs {
		if err := in.generate(t); err != nil {
			s.ssc.fail(&BatchError{Time: t, Output: "(input " + in.base().String() + ")", Err: err})
			return
		}
	}
	jobs, err := s.ssc.g.generateJobs(t)
	if err != nil {
		s.ssc.fail(&BatchError{Time: t, Output: "(job generation)", Err: err})
		return
	}
	s.lastGenerated = t
	s.mu.Lock()
	recompute := s.recompute[t]
	delete(s.recompute, t)
	pending := s.pendingLocked()
	s.mu.Unlock()
	if s.ssc.checkpointDir != "" && !recompute {
		if err := s.ssc.checkpointGenerated(t, append(pending, t)); err != nil {
			s.ssc.fail(fmt.Errorf("checkpointing generated batch %s: %w", t, err))
			return
		}
	}
	s.submit(t, jobs, recompute)
}

func (s *jobScheduler) submit(t Time, jobs []job, recompute bool) {
	s.mu.Lock()
	if recompute {
		s.queue = append(s.queue, &jobSet{time: t, recompute: true})
		s.cond.Broadcast()
		s.mu.Unlock()
		return
	}
	info := BatchInfo{BatchTime: t, StreamIDToInputInfo: s.inputInfo[t], SubmissionTime: s.ssc.clock.Now(), OutputOperationInfos: map[int]OutputOperationInfo{}}
	delete(s.inputInfo, t)
	if info.StreamIDToInputInfo == nil {
		info.StreamIDToInputInfo = map[int]StreamInputInfo{}
	}
	for _, j := range jobs {
		info.OutputOperationInfos[j.output] = OutputOperationInfo{BatchTime: t, ID: j.output, Name: j.name}
	}
	s.queue = append(s.queue, &jobSet{time: t, jobs: jobs, info: info})
	s.cond.Broadcast()
	s.mu.Unlock()
	s.ssc.listeners.post(func(l StreamingListener) { l.OnBatchSubmitted(info) })
}

// executor runs queued job sets one at a time, in batch order.
func (s *jobScheduler) executor() {
	defer close(s.exited)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.stopping {
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		js := s.queue[0]
		s.queue = s.queue[1:]
		s.running = true
		s.runningTime = js.time
		s.mu.Unlock()

		ok := s.run(js)

		s.mu.Lock()
		s.running = false
		s.runningTime = 0
		if ok {
			s.lastProcessed = js.time
		}
		s.cond.Broadcast()
		s.mu.Unlock()
		if !ok {
			return
		}
	}
}

// run runs one batch's jobs and the batch's completion work: checkpoint and
// clean-up of what the graph no longer needs.
func (s *jobScheduler) run(js *jobSet) bool {
	ssc := s.ssc
	if js.recompute {
		if err := s.completeBatch(js.time); err != nil {
			if !killed(ssc, err) {
				ssc.fail(fmt.Errorf("recomputing completed batch %s from the checkpoint: %w", js.time, err))
			}
			return false
		}
		return true
	}
	info := js.info
	info.ProcessingStartTime = ssc.clock.Now()
	started := info.clone()
	ssc.listeners.post(func(l StreamingListener) { l.OnBatchStarted(started) })
	for _, j := range js.jobs {
		op := info.OutputOperationInfos[j.output]
		op.StartTime = ssc.clock.Now()
		startedOp := op
		ssc.listeners.post(func(l StreamingListener) { l.OnOutputOperationStarted(startedOp) })
		err := j.run()
		op.EndTime = ssc.clock.Now()
		if err != nil {
			op.FailureReason = err.Error()
		}
		info.OutputOperationInfos[j.output] = op
		doneOp := op
		ssc.listeners.post(func(l StreamingListener) { l.OnOutputOperationCompleted(doneOp) })
		if killed(ssc, err) {
			return false // stopped at once: not a failure
		}
		if err != nil {
			ssc.fail(&BatchError{Time: js.time, Output: j.name, Err: err})
			return false
		}
	}
	if err := s.completeBatch(js.time); killed(ssc, err) {
		return false
	} else if err != nil {
		ssc.fail(fmt.Errorf("completing batch %s: %w", js.time, err))
		return false
	}
	info.ProcessingEndTime = ssc.clock.Now()
	done := info.clone()
	ssc.listeners.post(func(l StreamingListener) { l.OnBatchCompleted(done) })
	return true
}

// killed reports whether err is a task killed by a stop at once.
func killed(ssc *StreamingContext, err error) bool {
	return err != nil && errors.Is(err, rdd.ErrTaskKilled) && ssc.sc.Stopped()
}

// completeBatch runs once batch t's jobs are done: stateful DStreams are
// materialised (so their lineage stops at t), a checkpoint is written when
// one is due, and RDDs and blocks older than their remember duration are
// dropped.
func (s *jobScheduler) completeBatch(t Time) error {
	ssc := s.ssc
	for _, d := range ssc.g.streams {
		if d.base().mustCheckpoint {
			if err := d.materialize(t); err != nil {
				return err
			}
		}
	}
	if ssc.checkpointDir != "" {
		if err := ssc.writeCheckpoint(t, s.pending()); err != nil {
			return err
		}
	}
	ssc.g.clearMetadata(t)
	ssc.tracker.cleanup(t)
	return nil
}

// drain is the graceful part of Stop: keep generating batches until every
// received block has been allocated, stop the timer, then wait for every
// generated batch to be processed, all within timeout (real time).
func (s *jobScheduler) drain(timeout time.Duration, abort <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for s.ssc.tracker.hasUnallocatedBlocks() {
		if time.Now().After(deadline) {
			return errDrainTimeout
		}
		select {
		case <-poll.C:
		case <-abort:
			return errDrainAborted
		}
	}
	s.timer.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	timedOut := false
	stopWatch := time.AfterFunc(time.Until(deadline), func() {
		s.mu.Lock()
		timedOut = true
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stopWatch.Stop()
	aborted := false
	watchDone := make(chan struct{})
	defer close(watchDone)
	go func() {
		select {
		case <-abort:
			s.mu.Lock()
			aborted = true
			s.cond.Broadcast()
			s.mu.Unlock()
		case <-watchDone:
		}
	}()
	for (len(s.queue) > 0 || s.running) && !timedOut && !aborted && !s.stopping {
		s.cond.Wait()
	}
	if aborted {
		return errDrainAborted
	}
	if timedOut {
		return errDrainTimeout
	}
	return nil
}

// stop stops the timer and the executor; a batch under way completes, queued
// batches are dropped.
func (s *jobScheduler) stop() {
	if s.timer != nil {
		s.timer.stop()
	}
	s.mu.Lock()
	s.stopping = true
	s.cond.Broadcast()
	s.mu.Unlock()
	if s.timer != nil {
		<-s.exited
	}
}

// pending returns the times of generated batches not yet processed.
func (s *jobScheduler) pending() []Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Time
	for _, js := range s.queue {
		if !js.recompute {
			out = append(out, js.time)
		}
	}
	return out
}

// pendingLocked returns the batches generated and not completed: the one
// running and the queued ones. s.mu is held.
func (s *jobScheduler) pendingLocked() []Time {
	var out []Time
	if s.running {
		out = append(out, s.runningTime)
	}
	for _, js := range s.queue {
		if !js.recompute {
			out = append(out, js.time)
		}
	}
	return out
}

// processedThrough returns the last batch time processed.
func (s *jobScheduler) processedThrough() Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastProcessed
}
