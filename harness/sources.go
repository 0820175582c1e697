package harness

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/sources/files"
	"github.com/streambench/streambench/harness/sources/jetstream"
	"github.com/streambench/streambench/harness/sources/socket"
)

// SourceConfig chooses a run's source.
type SourceConfig struct {
	// Name is generator (the default), jetstream, socket or files.
	Name string
	// NATSURL is an external JetStream server (nats-server -js); empty
	// starts one in this process. NATSStore is the embedded server's store:
	// file (the default) or memory.
	NATSURL   string
	NATSStore string
	// NATSClass is the kind of source JetStream plays: log (the default:
	// a replayable log read by offset), queue (a durable consumer with
	// acks and redelivery) or feed (plain subjects, fire and forget).
	NATSClass string
}

// Describe names the source as the command line chooses it.
func (c SourceConfig) Describe() string {
	if c.Name == "jetstream" && c.NATSClass != "" && c.NATSClass != "log" {
		return "jetstream --nats-class " + c.NATSClass
	}
	return cmp.Or(c.Name, "generator")
}

// Kind returns the kind of source the engine reads.
func (c SourceConfig) Kind() engines.SourceKind {
	switch c.Name {
	case "jetstream":
		switch c.NATSClass {
		case "queue":
			return engines.KindQueue
		case "feed":
			return engines.KindFeed
		}
	case "socket":
		return engines.KindSocket
	case "files":
		return engines.KindFiles
	}
	return engines.KindLog
}

// check refuses a source or setting the harness does not have.
func (c SourceConfig) check() error {
	switch c.Name {
	case "", "generator":
		if c.NATSURL != "" || c.NATSStore != "" || c.NATSClass != "" {
			return &UsageError{Msg: "--nats-url, --nats-store and --nats-class apply to --source jetstream"}
		}
	case "socket", "files":
		if c.NATSURL != "" || c.NATSStore != "" || c.NATSClass != "" {
			return &UsageError{Msg: "--nats-url, --nats-store and --nats-class apply to --source jetstream, not " + c.Name}
		}
	case "jetstream":
		if c.NATSStore != "" && c.NATSStore != "file" && c.NATSStore != "memory" {
			return &UsageError{Msg: fmt.Sprintf("--nats-store %q: want file or memory", c.NATSStore)}
		}
		switch c.NATSClass {
		case "", "log", "queue", "feed":
		default:
			return &UsageError{Msg: fmt.Sprintf("--nats-class %q: want log (a replayable log read by offset), queue (acks and redelivery) or feed (fire and forget)", c.NATSClass)}
		}
		if c.NATSURL != "" && c.NATSStore != "" {
			return &UsageError{Msg: "--nats-store applies to the embedded server; an external one (--nats-url) keeps its own store"}
		}
	default:
		names := make([]string, len(Sources))
		for i, s := range Sources {
			names[i] = s.Name
		}
		return unknown("source", c.Name, names)
	}
	return nil
}

// openedLog is a run's Log with what it was set up as and how to take it
// down once the run is over.
type openedLog struct {
	Log
	settings map[string]any
	close    func()
	// maxBacklog, when set, bounds the driver's backlog: a source whose
	// buffer is smaller than the backlog a max-rate run would allow.
	maxBacklog int64
}

// openLog sets up the run's source: the in-process generator log, a
// JetStream stream of its own on the embedded or an external server, a
// socket per partition on loopback, or a directory of files. An
// unreachable server or a stream that cannot be made is a *UsageError,
// before anything runs.
func openLog(ctx context.Context, cfg RunConfig, fill func(*engines.Record), backlog int64, start int64) (*openedLog, error) {
	switch cfg.Source.Name {
	case "socket":
		l, err := socket.Listen(cfg.Partitions, fill, socket.Options{})
		if err != nil {
			return nil, err
		}
		// At max rate the driver has no plan to keep and publishes as fast
		// as the source takes records: for a socket, as fast as the client
		// takes them, so it keeps at most the buffer queued and drops
		// nothing for slowness. At a set rate it keeps its plan, and what
		// the client cannot take is dropped.
		var maxBacklog int64
		pacing := "the plan: what the client cannot take in time is dropped"
		if cfg.Rate == 0 {
			maxBacklog = socket.DefaultBufferRecords
			pacing = "max rate: the driver keeps at most buffer_records queued per partition, as fast as the client takes them"
		}
		return &openedLog{Log: l, close: l.Shutdown, maxBacklog: maxBacklog, settings: map[string]any{
			"pacing":         pacing,
			"where":          "harness listeners on loopback, one per partition; the engine connects; no broker",
			"addrs":          l.Addrs(),
			"buffer_records": socket.DefaultBufferRecords,
			"loss":           "records published while no client is connected, or beyond the buffer, are dropped: sends_dropped",
		}}, nil
	case "files":
		l, err := files.New(cfg.Partitions, fill, files.Options{})
		if err != nil {
			return nil, err
		}
		return &openedLog{Log: l, close: func() { l.Remove() }, settings: map[string]any{
			"where":           "a temporary directory the harness writes files into and removes after the run; no broker",
			"dir":             l.Dir(),
			"flush_bytes":     files.DefaultFlushBytes,
			"flush_age":       files.DefaultFlushAge.String(),
			"records_read":    "counted when their file is renamed into the directory: what the engine read is not observable",
			"files_per_flush": "one per partition",
		}}, nil
	}
	if cfg.Source.Name != "jetstream" {
		return &openedLog{Log: NewGeneratorSource(cfg.Partitions, 4*backlog, fill),
			settings: map[string]any{"where": "in process"}, close: func() {}}, nil
	}
	var (
		srv  *jetstream.Server
		conn *jetstream.Conn
		err  error
	)
	settings := map[string]any{}
	if cfg.Source.NATSURL == "" {
		store := jetstream.FileStore
		if cfg.Source.NATSStore == "memory" {
			store = jetstream.MemoryStore
		}
		if srv, err = jetstream.StartEmbedded(jetstream.ServerOptions{Store: store}); err != nil {
			return nil, fmt.Errorf("start the embedded nats-server: %w", err)
		}
		if conn, err = srv.Connect(); err != nil {
			srv.Close()
			return nil, fmt.Errorf("connect to the embedded nats-server: %w", err)
		}
		settings["where"] = "embedded nats-server, in process"
		settings["url"] = srv.ClientURL()
		settings["store"] = string(store)
	} else {
		if conn, err = jetstream.Connect(cfg.Source.NATSURL); err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("--nats-url: %v", err)}
		}
		settings["where"] = "external nats-server"
		settings["url"] = cfg.Source.NATSURL
	}
	down := func() {
		conn.Close()
		if srv != nil {
			srv.Close()
		}
	}
	stream := fmt.Sprintf("streambench-%s-%s-%s", cfg.Engine, cfg.Workload, strconv.FormatInt(start, 36))
	stream = strings.ReplaceAll(stream, ".", "_")
	if cfg.Source.Kind() == engines.KindFeed {
		// A feed is plain subjects: no stream, nothing kept.
		feed := jetstream.NewFeed(conn, stream, cfg.Partitions, 0, fill)
		in := jetstream.NewFeedInput(conn, stream, cfg.Partitions, 0)
		settings["class"] = "feed"
		settings["subjects"] = stream + ".<partition>"
		settings["batch_records"] = jetstream.DefaultBatchRecords
		settings["receiver_pending_messages"] = jetstream.DefaultFeedPending
		fl := &feedLog{feed: feed, in: in, stop: make(chan struct{})}
		return &openedLog{Log: fl, settings: settings, close: func() { fl.stopResending(); down() }}, nil
	}
	log, err := jetstream.CreateLog(ctx, conn, jetstream.LogConfig{Stream: stream, Partitions: cfg.Partitions}, fill)
	if err != nil {
		down()
		return nil, &UsageError{Msg: fmt.Sprintf("--source jetstream: %v", err)}
	}
	deleteStream := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn.DeleteStream(ctx, stream) // a run's stream is its own
	}
	settings["stream"] = stream
	settings["batch_records"] = jetstream.DefaultBatchRecords
	settings["max_pending_messages"] = jetstream.DefaultMaxPending
	if cfg.Source.Kind() == engines.KindQueue {
		q, err := jetstream.OpenQueue(ctx, conn, stream, jetstream.QueueConfig{Durable: "streambench"})
		if err != nil {
			deleteStream()
			down()
			return nil, &UsageError{Msg: fmt.Sprintf("--source jetstream --nats-class queue: %v", err)}
		}
		settings["class"] = "queue"
		settings["consumers"] = "streambench_<partition>, explicit acks"
		settings["ack_wait"] = jetstream.DefaultAckWait.String()
		settings["max_ack_pending_messages"] = jetstream.DefaultMaxAckPending
		in := jetstream.NewQueueInput(q)
		return &openedLog{Log: &queueLog{log: log, QueueInput: in}, settings: settings, close: func() {
			in.Close()
			deleteStream()
			down()
		}}, nil
	}
	src, err := jetstream.OpenSource(ctx, conn, stream, jetstream.SourceOptions{})
	if err != nil {
		deleteStream()
		down()
		return nil, &UsageError{Msg: fmt.Sprintf("--source jetstream: %v", err)}
	}
	// The coordination store beside the log: ZooKeeper's role, where
	// Trident keeps its transaction metadata.
	bucket := stream + "-coordination"
	kv, err := jetstream.OpenKV(ctx, conn, bucket)
	if err != nil {
		src.Close()
		deleteStream()
		down()
		return nil, &UsageError{Msg: fmt.Sprintf("--source jetstream: %v", err)}
	}
	settings["class"] = "log"
	settings["coordination"] = "key-value bucket " + bucket
	return &openedLog{Log: &jetstreamLog{log: log, Source: src, kv: kv}, settings: settings, close: func() {
		src.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn.DeleteKV(ctx, bucket)
		cancel()
		deleteStream()
		down()
	}}, nil
}

// jetstreamLog is a JetStream stream as a run's Log: the driver publishes
// through the producer (record batches, acknowledged asynchronously) and
// the engine reads through the consumer, as it would any Kafka topic.
type jetstreamLog struct {
	log *jetstream.Log
	*jetstream.Source
	kv *jetstream.KV
}

func (l *jetstreamLog) Publish(p int, end int64, intended func(offset int64) int64) error {
	return l.log.Publish(p, end, intended)
}

// Close publishes the closing markers and waits for every acknowledgement.
func (l *jetstreamLog) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return l.log.Close(ctx)
}

func (l *jetstreamLog) Published() []int64 { return l.log.Published() }

func (l *jetstreamLog) Input() engines.Input {
	in := engines.LogInput(l.Source)
	in.Coordination = l.kv
	return in
}

// queueLog is a JetStream stream read as a reliable queue: the driver
// publishes as to the log, and the engine's connector takes deliveries
// from durable consumers and acks them.
type queueLog struct {
	log *jetstream.Log
	*jetstream.QueueInput
}

func (l *queueLog) Input() engines.Input {
	return engines.Input{Kind: engines.KindQueue, Queue: l.QueueInput}
}

func (l *queueLog) Publish(p int, end int64, intended func(offset int64) int64) error {
	return l.log.Publish(p, end, intended)
}

func (l *queueLog) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return l.log.Close(ctx)
}

func (l *queueLog) Published() []int64 { return l.log.Published() }

var (
	_ ConnectWaiter = (*feedLog)(nil)
	_ Dropper       = (*feedLog)(nil)
)

// feedLog is an unreliable feed: plain NATS subjects, published fire and
// forget. It never holds the driver back (a feed has no backpressure), and
// what the engine's receivers did not take is counted as dropped.
type feedLog struct {
	feed   *jetstream.Feed
	in     *jetstream.FeedInput
	stop   chan struct{}
	resend sync.WaitGroup
	once   sync.Once
}

func (l *feedLog) Partitions() int      { return l.in.Partitions() }
func (l *feedLog) Input() engines.Input { return engines.Input{Kind: engines.KindFeed, Feed: l.in} }

// WaitConnected returns once every partition's receiver has subscribed: a
// feed keeps nothing for a receiver that subscribes late, and an engine's
// start-up is not what the run measures.
func (l *feedLog) WaitConnected(ctx context.Context) error { return l.in.WaitReady(ctx) }

// Publish sends the records, fire and forget.
func (l *feedLog) Publish(p int, end int64, intended func(offset int64) int64) error {
	return l.feed.Publish(p, end, intended)
}

// Close sends the closing markers, and sends them again every 100 ms until
// the run is over: a marker is a message like any other and can be dropped
// by a receiver that is behind.
func (l *feedLog) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.feed.Close(ctx); err != nil {
		return err
	}
	l.resend.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = l.feed.Close(ctx)
				cancel()
			}
		}
	})
	return nil
}

func (l *feedLog) stopResending() {
	l.once.Do(func() { close(l.stop) })
	l.resend.Wait()
}

func (l *feedLog) Published() []int64 { return l.feed.Published() }

// ReadOffsets returns what was published: the driver is never held back.
func (l *feedLog) ReadOffsets() []int64 { return l.feed.Published() }

func (l *feedLog) Read() int64               { return l.in.Read() }
func (l *feedLog) Progress() <-chan struct{} { return l.in.Progress() }

// Dropped returns the records published that no receiver took.
func (l *feedLog) Dropped() int64 {
	var sent int64
	for _, n := range l.feed.Published() {
		sent += n
	}
	return max(sent-l.in.Read(), 0)
}
