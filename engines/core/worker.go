package core

import (
	"context"
	"fmt"
)

// KillWorker kills one worker of a running topology and lets its
// supervisor restart it, as when a Storm worker process dies (kill -9):
// the worker's executors stop at once; the tuples in their queues and
// unsent output batches are lost; its tasks lose their in-memory state
// (spout pending maps, acker entries, bolt state). The supervisor then
// relaunches the worker with the same assignment: each of its tasks is
// created afresh from the topology's component, opened or prepared again,
// and run by a new executor on the same receive queue. Tuple trees that
// lost a tuple time out at their spouts and are replayed by reliable
// spouts; with no ackers the loss stands. This is the local-mode form of
// the fault the harness injects.
func (c *LocalCluster) KillWorker(name string, worker int) error {
	tp, err := c.get(name)
	if err != nil {
		return fmt.Errorf("kill worker: %w", err)
	}
	tp.life.Lock()
	defer tp.life.Unlock()
	c.mu.Lock()
	alive := c.topologies[name] == tp
	c.mu.Unlock()
	if !alive {
		return fmt.Errorf("kill worker: topology %q: %w", name, ErrNotAlive)
	}
	tp.mu.Lock()
	a := tp.asg
	tp.mu.Unlock()
	if worker < 0 || worker >= len(a.workers) {
		return fmt.Errorf("kill worker %d of %q: %w: it has workers 0 to %d", worker, name, ErrInvalidTopology, len(a.workers)-1)
	}
	w := a.workers[worker]
	w.cancel()
	var lost int64
	for _, e := range w.executors {
		<-e.exited
		lost += e.discard()
	}

	// The supervisor's relaunch: fresh tasks on fresh executors.
	tp.mu.Lock()
	tasks := append([]*task(nil), tp.tasks...)
	tp.mu.Unlock()
	w.ctx, w.cancel = context.WithCancel(a.ctx)
	var restarted []*executor
	for _, old := range w.executors {
		e := &executor{
			topo: tp, asg: a, comp: old.comp, worker: w, ctx: w.ctx, exited: make(chan struct{}),
			first: old.first, queue: old.queue, batches: make([][]Tuple, len(old.batches)), recycle: old.recycle, settle: old.settle,
		}
		for _, ot := range old.tasks {
			t := tp.newTask(ot.comp, ot.id, ot.incarnation+1)
			t.exec = e
			t.activeSeen = false
			if err := t.open(); err != nil {
				t.reportError(err)
			}
			t.build(a)
			tasks[t.id] = t
			e.tasks = append(e.tasks, t)
		}
		restarted = append(restarted, e)
	}
	tp.mu.Lock()
	tp.tasks = tasks
	tp.mu.Unlock()
	w.executors = restarted
	for i, e := range a.executors {
		if e.worker == w {
			a.executors[i] = nil
		}
	}
	a.executors = append(compact(a.executors), restarted...)
	a.wg.Add(len(restarted))
	for _, e := range restarted {
		go e.run()
	}
	tp.log.Warn("worker killed and restarted", "topology", name, "worker", worker, "tuples lost", lost)
	return nil
}

// discard drops what a stopped executor held: its queued batches, its
// overflow and its partial output batches. It returns how many tuples
// were dropped.
func (e *executor) discard() int64 {
	var n int64
	for {
		select {
		case b := <-e.queue.C():
			n += int64(len(b))
			continue
		default:
		}
		break
	}
	for _, ob := range e.overflow {
		n += int64(len(ob.b))
	}
	e.overflow = nil
	for _, dst := range e.dirty {
		n += int64(len(e.batches[dst]))
		e.batches[dst] = nil
	}
	e.dirty = nil
	e.topo.settled(int(n))
	return n
}

func compact(es []*executor) []*executor {
	out := es[:0]
	for _, e := range es {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
