package transport

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// Defaults for the zero values of Config's settings.
const (
	DefaultWindow           = 8
	DefaultMinBackoff       = 10 * time.Millisecond
	DefaultMaxBackoff       = time.Second
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
)

// MaxTask is the highest task id a Node routes: local queues are looked up
// in a slice indexed by task, as in engines.LocalTransport.
const MaxTask = 1 << 20

// Errors a Node returns besides those of engines.Transport.
var (
	// ErrRejected is returned by Send and TrySend to a task whose peer
	// refused this node's Hello (a wrong token, another codec), until a
	// later attempt is accepted.
	ErrRejected = errors.New("peer rejected the connection")
)

// Config sets up a Node. Local, Remote, Token and Codec are required.
type Config[M any] struct {
	// ID names this worker in the Hello it sends and in the logs of its
	// peers.
	ID string
	// Token is the cluster's shared secret. A peer whose Hello carries
	// another token is refused.
	Token string
	// Codec encodes the batches this node sends and decodes those it
	// receives; every node of a cluster uses the same one.
	Codec Codec[M]

	// Local maps each task this worker runs to its executor's receive
	// queue; several tasks may share a queue.
	Local map[int]*engines.Queue[M]
	// Remote maps each task another worker runs to that worker's address.
	Remote map[int]string

	// Listener accepts the connections of peers. If nil, the node listens
	// on ListenAddr, and if that is empty too, on 127.0.0.1 with a port
	// the system picks (see Addr). The node closes it on Close.
	Listener   net.Listener
	ListenAddr string
	// Dial connects to a peer; nil means a net.Dialer.
	Dial func(ctx context.Context, addr string) (net.Conn, error)

	// Window is how many batches per task a sender may have in flight to
	// this node before its Send waits: the credit the receiver grants each
	// connection per task. Zero means DefaultWindow.
	Window int
	// Confirm makes Send return only once the receiver has taken the
	// batch into the task's queue (its credit has come back), and send a
	// batch again on the next connection when the one it was written to
	// breaks before that: a sender that acknowledges its input after Send
	// (a sink writer's acks) then loses nothing when the receiver or the
	// connection fails, and the receiver may get a batch twice. TrySend
	// does not wait for the receiver.
	Confirm bool
	// MaxFrameSize bounds a frame this node reads or writes; zero means
	// DefaultMaxFrameSize.
	MaxFrameSize int
	// MinBackoff and MaxBackoff bound the wait between attempts to connect
	// to a peer, which doubles after each failure.
	MinBackoff, MaxBackoff time.Duration
	// HandshakeTimeout bounds the exchange of Hello and Ready, and
	// WriteTimeout a write of one frame.
	HandshakeTimeout, WriteTimeout time.Duration

	// Logger receives the reasons connections close; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Node is the engines.Transport of one worker process in cluster mode. It
// delivers batches for the tasks the worker runs straight to their queues,
// as LocalTransport does, and sends batches for other workers' tasks as
// frames over TCP, one connection per peer, dialled on first use and
// re-dialled with exponential backoff after it breaks. It also accepts the
// connections of its peers and moves the batches they send into the local
// queues.
//
// Flow control is by credit, per connection and destination task: a
// receiver grants each sender Window batches per task it runs, and returns
// a batch's credit once the batch has entered the task's queue (grouped by
// half windows, to spare frames). A sender with no credit left waits in Send (TrySend returns
// false), so a slow remote executor holds its producers back exactly as a
// full local queue does, and a receiver holds at most Window batches per
// task and connection besides the queue itself.
//
// Send encodes the batch before it returns, so the caller's batch is never
// retained. It returns nil once the frame is written to the connection. A
// frame that could not be written whole is sent again on the next
// connection (the receiver discards the part of a frame a broken
// connection cut, so a retry never duplicates), and Send keeps waiting for
// that connection until its context ends. A frame written whole to a
// connection that breaks before the receiver has read it is lost, as in
// Storm's Netty transport, where the ackers replay what never completed.
// TrySend waits only for an attempt to connect that is under way (the
// first dial, or one after a backoff): while a peer is unreachable it
// returns false, as for a full queue.
//
// Batches from one sender to one task arrive in the order it sent them. A
// receiver reads every connection without blocking, staging up to Window
// batches per task for queues that are full, so a slow task holds back
// only the batches meant for it and never the credits or batches of the
// other tasks on the same connection. After a reconnect, batches staged
// from the old connection may interleave with the first ones of the new.
//
// The routing table is fixed for the Node's life; a new assignment gets a
// new Node, as a new assignment gets a new LocalTransport.
type Node[M any] struct {
	cfg    Config[M]
	log    *slog.Logger
	ln     net.Listener
	local  *engines.LocalTransport[M]
	owned  []bool           // indexed by task: this node runs it
	peers  map[int]*peer[M] // task -> peer that runs it
	tasks  []uint32         // the local tasks, granted credit in every Ready
	ctx    context.Context  // ends on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	bufs   sync.Pool // *[]byte frame buffers
}

var _ engines.Transport[int] = (*Node[int])(nil)

// NewNode starts a node: it listens for peers at once and dials a peer
// when a batch is first sent to one of its tasks.
func NewNode[M any](cfg Config[M]) (*Node[M], error) {
	if cfg.Token == "" {
		return nil, errors.New("transport: Config.Token is empty (every node of a cluster joins with the cluster's token)")
	}
	if cfg.Codec == nil {
		return nil, errors.New("transport: Config.Codec is nil (IntCodec, RecordCodec, OutputCodec, or the engine's own)")
	}
	cfg.Window = cmp0(cfg.Window, DefaultWindow)
	cfg.MaxFrameSize = cmp0(cfg.MaxFrameSize, DefaultMaxFrameSize)
	cfg.MinBackoff = cmp0(cfg.MinBackoff, DefaultMinBackoff)
	cfg.MaxBackoff = max(cmp0(cfg.MaxBackoff, DefaultMaxBackoff), cfg.MinBackoff)
	cfg.HandshakeTimeout = cmp0(cfg.HandshakeTimeout, DefaultHandshakeTimeout)
	cfg.WriteTimeout = cmp0(cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	n := &Node[M]{cfg: cfg, log: cfg.Logger, peers: map[int]*peer[M]{}}
	if n.log == nil {
		n.log = slog.Default()
	}
	n.log = n.log.With("node", cfg.ID)

	size := 0
	for task := range cfg.Local {
		size = max(size, task+1)
	}
	queues := make([]*engines.Queue[M], size)
	n.owned = make([]bool, size)
	for task, q := range cfg.Local {
		if task < 0 || task > MaxTask || q == nil {
			return nil, fmt.Errorf("transport: bad local task %d (tasks are 0 to %d, each with a queue)", task, MaxTask)
		}
		if _, ok := cfg.Remote[task]; ok {
			return nil, fmt.Errorf("transport: task %d is both local and remote at %s", task, cfg.Remote[task])
		}
		queues[task], n.owned[task] = q, true
		n.tasks = append(n.tasks, uint32(task))
	}
	n.local = engines.NewLocalTransport(queues)
	byAddr := map[string]*peer[M]{}
	for task, addr := range cfg.Remote {
		if task < 0 || task > MaxTask {
			return nil, fmt.Errorf("transport: bad remote task %d (tasks are 0 to %d)", task, MaxTask)
		}
		p := byAddr[addr]
		if p == nil {
			p = newPeer(n, addr)
			byAddr[addr] = p
		}
		n.peers[task] = p
	}

	n.ln = cfg.Listener
	if n.ln == nil {
		addr := cfg.ListenAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("transport: listen: %w", err)
		}
		n.ln = ln
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.wg.Add(1)
	go n.accept()
	return n, nil
}

func cmp0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Addr returns the address the node listens on, for its peers' Remote.
func (n *Node[M]) Addr() net.Addr { return n.ln.Addr() }

// Send implements engines.Transport.
func (n *Node[M]) Send(ctx context.Context, dst int, batch []M) error {
	if n.isLocal(dst) {
		return n.local.Send(ctx, dst, batch)
	}
	p, err := n.peer(dst)
	if err != nil {
		return err
	}
	_, err = p.send(ctx, dst, batch, true)
	return err
}

// TrySend implements engines.Transport.
func (n *Node[M]) TrySend(dst int, batch []M) (bool, error) {
	if n.isLocal(dst) {
		return n.local.TrySend(dst, batch)
	}
	p, err := n.peer(dst)
	if err != nil {
		return false, err
	}
	return p.send(context.Background(), dst, batch, false)
}

func (n *Node[M]) isLocal(dst int) bool { return dst >= 0 && dst < len(n.owned) && n.owned[dst] }

func (n *Node[M]) peer(dst int) (*peer[M], error) {
	if n.ctx.Err() != nil {
		return nil, engines.ErrTransportClosed
	}
	p := n.peers[dst]
	if p == nil {
		return nil, fmt.Errorf("send to task %d: %w", dst, engines.ErrUnknownTask)
	}
	return p, nil
}

// Close implements engines.Transport: it stops the listener, closes every
// connection and returns once every goroutine of the node has ended.
// Batches still in flight to or from peers are dropped. It is idempotent.
func (n *Node[M]) Close() error {
	n.once.Do(func() {
		n.local.Close()
		n.cancel()
		n.ln.Close()
	})
	n.wg.Wait()
	return nil
}

func (n *Node[M]) getBuf() *[]byte {
	if b, ok := n.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4096)
	return &b
}

func (n *Node[M]) putBuf(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		n.bufs.Put(b)
	}
}

// writeFrame writes one whole frame to conn within the write timeout.
func (n *Node[M]) writeFrame(conn net.Conn, frame []byte) error {
	conn.SetWriteDeadline(time.Now().Add(n.cfg.WriteTimeout))
	_, err := conn.Write(frame)
	return err
}

// wait waits for d, or returns false when the node closes first.
func (n *Node[M]) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

func (n *Node[M]) accept() {
	defer n.wg.Done()
	for {
		conn, err := n.ln.Accept()
		if err != nil {
			if n.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("accept failed", "err", err)
			if !n.wait(n.cfg.MinBackoff) {
				return
			}
			continue
		}
		n.wg.Add(1)
		go n.serve(conn)
	}
}

// inbound is the receiving side of one accepted connection.
type inbound[M any] struct {
	n    *Node[M]
	conn net.Conn
	wmu  sync.Mutex // serialises the credit frames of the deliverers
	// staged holds, per task, the decoded batches waiting for room in the
	// task's queue: at most Window, since the sender has no more credit.
	staged map[uint32]chan []M
}

// serve authenticates one peer's connection and then reads its batches
// until it closes. A frame that is too large, malformed, unauthenticated or
// beyond the sender's credit closes the connection with a logged reason.
func (n *Node[M]) serve(conn net.Conn) {
	defer n.wg.Done()
	stop := context.AfterFunc(n.ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	log := n.log.With("remote", conn.RemoteAddr().String())
	in := &inbound[M]{n: n, conn: conn, staged: map[uint32]chan []M{}}
	defer in.drain()

	br := bufio.NewReaderSize(conn, 64<<10)
	conn.SetReadDeadline(time.Now().Add(n.cfg.HandshakeTimeout))
	h, err := n.readHello(br)
	if err != nil {
		log.Warn("closing connection", "reason", err)
		if errors.Is(err, ErrRejected) {
			n.writeFrame(conn, AppendFrame(nil, Frame{Kind: KindReject, Payload: []byte(err.Error())}))
		}
		return
	}
	conn.SetReadDeadline(time.Time{})
	log = log.With("peer", h.ID)
	var grant []byte
	for _, task := range n.tasks {
		grant = appendCredit(grant, task, n.cfg.Window)
	}
	grant = AppendFrame(grant, Frame{Kind: KindReady})
	if err := n.writeFrame(conn, grant); err != nil {
		log.Warn("closing connection", "reason", fmt.Errorf("write ready: %w", err))
		return
	}
	log.Debug("peer connected")
	err = in.read(br)
	switch {
	case n.ctx.Err() != nil:
	case errors.Is(err, io.EOF):
		log.Debug("peer closed the connection")
	default:
		log.Warn("closing connection", "reason", err)
	}
}

func (n *Node[M]) readHello(br *bufio.Reader) (hello, error) {
	f, _, err := ReadFrame(br, min(n.cfg.MaxFrameSize, 64<<10), nil)
	if err != nil {
		return hello{}, fmt.Errorf("read hello: %w", err)
	}
	if f.Kind != KindHello {
		return hello{}, fmt.Errorf("%w: %s frame before hello", ErrMalformedFrame, f.Kind)
	}
	h, err := decodeHello(f.Payload)
	if err != nil {
		return hello{}, fmt.Errorf("%w: hello: %v", ErrMalformedFrame, err)
	}
	if subtle.ConstantTimeCompare([]byte(h.Token), []byte(n.cfg.Token)) != 1 {
		return hello{}, fmt.Errorf("%w: peer %q has a wrong token", ErrRejected, h.ID)
	}
	if h.Codec != n.cfg.Codec.Name() {
		return hello{}, fmt.Errorf("%w: peer %q sends codec %q, this node reads %q", ErrRejected, h.ID, h.Codec, n.cfg.Codec.Name())
	}
	return h, nil
}

// read moves the peer's batches to their tasks' staging channels until the
// connection fails or carries a frame it must not.
func (in *inbound[M]) read(br *bufio.Reader) error {
	n := in.n
	var buf []byte
	for {
		var f Frame
		var err error
		f, buf, err = ReadFrame(br, n.cfg.MaxFrameSize, buf)
		if err != nil {
			return err
		}
		if f.Kind != KindBatch {
			return fmt.Errorf("%w: unexpected %s frame from a sender", ErrMalformedFrame, f.Kind)
		}
		if !n.isLocal(int(f.Task)) {
			return fmt.Errorf("%w: batch for task %d, which this node does not run", ErrMalformedFrame, f.Task)
		}
		batch, err := n.cfg.Codec.DecodeBatch(f.Payload)
		if err != nil {
			return fmt.Errorf("batch for task %d: %w", f.Task, err)
		}
		ch := in.staged[f.Task]
		if ch == nil {
			ch = make(chan []M, n.cfg.Window)
			in.staged[f.Task] = ch
			n.wg.Add(1)
			go in.deliver(f.Task, ch)
		}
		select {
		case ch <- batch:
		default:
			return fmt.Errorf("%w: sender exceeded its window of %d batches for task %d", ErrMalformedFrame, n.cfg.Window, f.Task)
		}
	}
}

// deliver moves one task's staged batches into its queue and returns their
// credit. Credits go back in groups of up to half the window, a frame for
// several batches: the sender keeps at least half its window meanwhile,
// and once it has none left the rest of the group is on its way, so the
// group fills. A group is cut short when nothing more is staged, so a
// sender that waits for its batch (Confirm) or a trickle of batches is not
// kept waiting for batches that are not coming. Batches staged before the
// connection closed are still delivered: they arrived whole, and their
// sender counts them as sent.
func (in *inbound[M]) deliver(task uint32, ch <-chan []M) {
	defer in.n.wg.Done()
	group := (in.n.cfg.Window + 1) / 2
	var credit []byte
	pending := 0
	for batch := range ch {
		if err := in.n.local.Send(in.n.ctx, int(task), batch); err != nil {
			return
		}
		if pending++; pending < group && len(ch) > 0 {
			continue
		}
		credit = appendCredit(credit[:0], task, pending)
		pending = 0
		in.wmu.Lock()
		// A failed write means the connection is gone; the reader notices.
		in.n.writeFrame(in.conn, credit)
		in.wmu.Unlock()
	}
}

// drain ends the deliverers once they have delivered what is staged.
func (in *inbound[M]) drain() {
	for _, ch := range in.staged {
		close(ch)
	}
}
