package baseline

import "context"

// exchangeBatch is how many items a sender buffers per receiver before
// handing them over: one channel operation per batch, not per item.
const exchangeBatch = 1024

// Exchange hands items from N senders to M receivers in batches: the
// hand-written form of a shuffle (Storm's fields grouping, Spark's
// reduceByKey). Sender s calls Send(s, to, item) from its own goroutine only;
// each receiver drains Receive(to). Batches are recycled, so a steady
// exchange allocates nothing. A full receiver blocks its senders
// (backpressure); nothing is dropped.
type Exchange[T any] struct {
	bufs [][][]T    // [sender][receiver] batch being filled
	out  []chan []T // per receiver: full batches
	free []chan []T // per receiver: emptied batches to reuse
	done <-chan struct{}
}

// NewExchange returns an exchange between senders and receivers. Sends give
// up when ctx is done.
func NewExchange[T any](ctx context.Context, senders, receivers int) *Exchange[T] {
	x := &Exchange[T]{
		bufs: make([][][]T, senders),
		out:  make([]chan []T, receivers),
		free: make([]chan []T, receivers),
		done: ctx.Done(),
	}
	depth := 4 * senders
	for r := range receivers {
		x.out[r] = make(chan []T, depth)
		x.free[r] = make(chan []T, depth+senders)
	}
	for s := range senders {
		x.bufs[s] = make([][]T, receivers)
		for r := range receivers {
			x.bufs[s][r] = make([]T, 0, exchangeBatch)
		}
	}
	return x
}

// Send queues item for receiver to. It blocks while the receiver is full and
// returns false if the exchange's context is done.
func (x *Exchange[T]) Send(sender, to int, item T) bool {
	b := append(x.bufs[sender][to], item)
	x.bufs[sender][to] = b
	if len(b) < exchangeBatch {
		return true
	}
	return x.flush(sender, to)
}

// Flush hands over every partial batch of sender; call it when the sender has
// nothing more for now (the end of a fetched batch), so items do not wait.
func (x *Exchange[T]) Flush(sender int) bool {
	for to := range x.bufs[sender] {
		if len(x.bufs[sender][to]) > 0 && !x.flush(sender, to) {
			return false
		}
	}
	return true
}

func (x *Exchange[T]) flush(sender, to int) bool {
	select {
	case x.out[to] <- x.bufs[sender][to]:
	case <-x.done:
		return false
	}
	select {
	case b := <-x.free[to]:
		x.bufs[sender][to] = b[:0]
	default:
		x.bufs[sender][to] = make([]T, 0, exchangeBatch)
	}
	return true
}

// Receive returns the channel of batches for receiver r. After handling a
// batch the receiver gives it back with Recycle.
func (x *Exchange[T]) Receive(r int) <-chan []T { return x.out[r] }

// Recycle returns a handled batch of receiver r for reuse.
func (x *Exchange[T]) Recycle(r int, b []T) {
	select {
	case x.free[r] <- b:
	default:
	}
}

// Close ends the exchange once every sender has flushed and stopped: each
// receiver's channel is closed after its last batch.
func (x *Exchange[T]) Close() {
	for _, c := range x.out {
		close(c)
	}
}
