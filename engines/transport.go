package engines

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Errors a Transport returns.
var (
	// ErrTransportClosed is returned by Send and TrySend after Close.
	ErrTransportClosed = errors.New("transport closed")
	// ErrUnknownTask is returned for a destination task that no executor
	// of the running assignment owns.
	ErrUnknownTask = errors.New("no executor owns this task")
)

// Transport moves batches of messages from one executor to the executor
// that runs a destination task: the hand-off between Storm's executors, and
// between Spark's receivers and tasks. Addressing is by task id, because
// tasks are fixed for a pipeline's life while the executors (and the
// workers) that run them can change; an assignment maps each task to one
// executor's receive queue.
//
// Messages travel in batches (Storm's topology.transfer.batch.size): one
// hand-off per batch keeps the cost of a queue operation, or of a frame on
// the wire, off the per-message path. Each receive queue is bounded; a full
// queue is the backpressure signal. Send waits for room, TrySend reports it,
// and nothing is ever dropped.
//
// Ownership: after Send or TrySend returns nil (or true), the batch belongs
// to the receiving side and the caller must not touch it again, not even to
// reuse its memory. On an error (or false) it is still the caller's.
//
// Send and TrySend are safe for concurrent use by every executor. Close
// makes later sends fail with ErrTransportClosed; it does not wait for
// batches already queued to be received.
//
// The in-process implementation is LocalTransport; a cluster implementation
// writes length-prefixed frames of encoded batches over TCP behind the same
// interface.
type Transport[M any] interface {
	// Send hands batch to the executor that runs task dst, waiting while
	// that executor's receive queue is full. It returns ctx.Err() if ctx
	// is done first, ErrUnknownTask for a task no executor owns, and
	// ErrTransportClosed after Close.
	Send(ctx context.Context, dst int, batch []M) error

	// TrySend is Send without the wait: it returns false, nil when dst's
	// queue is full. A Storm spout uses it so that it never blocks: it
	// keeps what did not fit and stops calling NextTuple until it does.
	TrySend(dst int, batch []M) (bool, error)

	// Close stops the transport.
	Close() error
}

// Queue is a bounded queue of batches: one executor's receive queue. The
// executor reads batches from C; senders reach it through a Transport.
type Queue[M any] struct {
	ch chan []M
}

// NewQueue returns a queue that holds up to capacity batches (at least 1).
func NewQueue[M any](capacity int) *Queue[M] {
	return &Queue[M]{ch: make(chan []M, max(capacity, 1))}
}

// C returns the channel the owning executor receives batches from. Only
// the owner receives; the channel is never closed, so a receiver selects on
// it together with its own stop signal.
func (q *Queue[M]) C() <-chan []M { return q.ch }

// Len returns the number of batches waiting in the queue.
func (q *Queue[M]) Len() int { return len(q.ch) }

// Cap returns how many batches the queue holds when full.
func (q *Queue[M]) Cap() int { return cap(q.ch) }

// LocalTransport is the in-process Transport of local mode: a fixed map from
// task id to the receive queue of the executor running it. The map is set
// at construction and never changes, so Send takes no lock; a new
// assignment (after a rebalance) gets a new LocalTransport.
type LocalTransport[M any] struct {
	queues []*Queue[M] // indexed by task id; nil for a task nobody owns
	done   chan struct{}
	once   sync.Once
}

var _ Transport[int] = (*LocalTransport[int])(nil)

// NewLocalTransport returns a transport that delivers batches for task t to
// queues[t]. Several tasks may share one queue (an executor that runs
// several tasks); a nil entry is a task nobody owns.
func NewLocalTransport[M any](queues []*Queue[M]) *LocalTransport[M] {
	return &LocalTransport[M]{queues: queues, done: make(chan struct{})}
}

func (t *LocalTransport[M]) queue(dst int) (*Queue[M], error) {
	if dst < 0 || dst >= len(t.queues) || t.queues[dst] == nil {
		return nil, fmt.Errorf("send to task %d: %w", dst, ErrUnknownTask)
	}
	return t.queues[dst], nil
}

// Send implements Transport.
func (t *LocalTransport[M]) Send(ctx context.Context, dst int, batch []M) error {
	q, err := t.queue(dst)
	if err != nil {
		return err
	}
	// The fast path: room in the queue and not closed.
	select {
	case <-t.done:
		return ErrTransportClosed
	default:
	}
	select {
	case q.ch <- batch:
		return nil
	default:
	}
	select {
	case q.ch <- batch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.done:
		return ErrTransportClosed
	}
}

// TrySend implements Transport.
func (t *LocalTransport[M]) TrySend(dst int, batch []M) (bool, error) {
	q, err := t.queue(dst)
	if err != nil {
		return false, err
	}
	select {
	case <-t.done:
		return false, ErrTransportClosed
	default:
	}
	select {
	case q.ch <- batch:
		return true, nil
	default:
		return false, nil
	}
}

// Close implements Transport. It is idempotent.
func (t *LocalTransport[M]) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}
