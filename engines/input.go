package engines

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// SourceKind is how a run's records reach an engine: the classes of source
// of the reference deck, each read by its own connector in the original
// systems.
type SourceKind string

// The source kinds.
const (
	// KindLog is a replayable, partitioned log read by offset (Kafka's
	// role): Input.Log. Every engine reads it; it is the default.
	KindLog SourceKind = "log"
	// KindQueue is a reliable queue (RabbitMQ's or a JMS broker's role):
	// deliveries the consumer acknowledges, redelivered when it does not.
	// Input.Queue.
	KindQueue SourceKind = "queue"
	// KindFeed is an unreliable feed: a subject published fire and forget;
	// what nobody read in time is gone. Input.Feed.
	KindFeed SourceKind = "feed"
	// KindSocket is a TCP text socket per partition, one record a line
	// (AppendLine), that the engine connects to, as Spark's
	// socketTextStream does. Input.Addrs. Unreliable like a feed.
	KindSocket SourceKind = "socket"
	// KindFiles is a directory into which files of records, one a line,
	// appear atomically (written, then renamed in), as Spark's
	// textFileStream reads them. Input.Dir.
	KindFiles SourceKind = "files"
)

// Noun names the kind with its article, for messages: "a log", "files".
func (k SourceKind) Noun() string {
	if k == KindFiles {
		return "files"
	}
	return "a " + string(k)
}

// SourceKinds lists the kinds, the default first.
var SourceKinds = []SourceKind{KindLog, KindQueue, KindFeed, KindSocket, KindFiles}

// Input is a run's source as an engine reads it: Kind says which of the
// other fields is set.
type Input struct {
	Kind SourceKind
	// Log is the replayable log (KindLog).
	Log Source
	// Queue is the reliable queue (KindQueue).
	Queue MessageQueue
	// Feed is the unreliable feed (KindFeed).
	Feed Feed
	// Addrs are the host:port of each partition's socket (KindSocket).
	Addrs []string
	// Dir is the directory files appear in (KindFiles); Partitions says
	// how many partitions the records in them come from.
	Dir        string
	Partitions int
	// Coordination is the store the run gives the engine for its
	// coordination metadata (Trident's txids and spout offsets), shared by
	// every process of the run and surviving them; nil when the run has
	// none, and the engine keeps its metadata itself.
	Coordination KV
}

// LogInput is the Input of a replayable log.
func LogInput(src Source) Input { return Input{Kind: KindLog, Log: src} }

// NumPartitions returns the input's number of partitions.
func (in Input) NumPartitions() int {
	switch in.Kind {
	case KindLog:
		return in.Log.Partitions()
	case KindQueue:
		return in.Queue.Partitions()
	case KindFeed:
		return in.Feed.Partitions()
	case KindSocket:
		return len(in.Addrs)
	}
	return in.Partitions
}

// MessageQueue is a reliable queue of record batches per partition: a delivery
// stays with the consumer until it is acknowledged, and comes again
// (redelivered, perhaps to another consumer) when it is negatively
// acknowledged or not acknowledged in time. A consumer that acknowledges a
// delivery only once everything it caused is done loses nothing
// (at-least-once); one that acknowledges on receipt may lose what it held
// when it fails (at-most-once). Implementations are safe for concurrent
// use.
type MessageQueue interface {
	Partitions() int
	// Next returns the next delivery of partition p, waiting until there
	// is one. It returns io.EOF once the partition is closed and every
	// delivery of it acknowledged, and ctx.Err() when ctx is done first.
	Next(ctx context.Context, p int) (Delivery, error)
}

// Delivery is one message of a MessageQueue: a batch of consecutive records of
// one partition, acknowledged as a whole.
type Delivery interface {
	// Records returns the batch; the caller must not change it.
	Records() []Record
	// Redelivered reports whether the queue delivered this batch before.
	Redelivered() bool
	// Ack acknowledges the batch: the queue forgets it.
	Ack() error
	// Nak asks for the batch again at once.
	Nak() error
}

// Feed is an unreliable feed of record batches per partition: each batch
// is pushed once to whoever is subscribed when it is published, and a
// subscriber that falls behind loses what overflows. Implementations are
// safe for concurrent use.
type Feed interface {
	Partitions() int
	// Receive subscribes to partition p and calls fn, from one goroutine,
	// with each batch that arrives, until the partition's end marker
	// arrives (then it returns nil), ctx is done (ctx.Err()) or fn errs.
	// fn must not keep the slice.
	Receive(ctx context.Context, p int, fn func([]Record) error) error
}

// InputRunner is implemented by engines that read kinds of source other
// than the log: RunInput is Run over in, and Run(ctx, src, sink) is
// RunInput(ctx, LogInput(src), sink).
type InputRunner interface {
	Engine
	RunInput(ctx context.Context, in Input, sink Sink) error
}

// ErrSourceKind is wrapped by the error for an engine asked to read a kind
// of source it has no connector for.
var ErrSourceKind = errors.New("no connector for this kind of source")

// RunInput runs eng over in: Run for a log, RunInput for an engine that
// reads other kinds, and an error wrapping ErrSourceKind otherwise.
func RunInput(ctx context.Context, eng Engine, in Input, sink Sink) error {
	if r, ok := eng.(InputRunner); ok {
		return r.RunInput(ctx, in, sink)
	}
	if in.Kind == KindLog || in.Kind == "" {
		return eng.Run(ctx, in.Log, sink)
	}
	return fmt.Errorf("%w: the engine reads only a replayable log, not %s", ErrSourceKind, in.Kind.Noun())
}

// Connector is how an engine reads a kind of source other than the log,
// in the original's terms, and the guarantees it gives over it.
type Connector struct {
	Kind SourceKind
	// Offers lists the guarantees the engine gives over this kind, and
	// the machinery each takes (a spout that acks the queue's message).
	Offers []Offer
	// WayOut says, for a guarantee not offered here, why and where to get
	// it ("a socket keeps nothing to replay: use --source jetstream").
	WayOut string
}

// Connector returns how the engine reads kind, and whether it can. Every
// engine reads the log, with its Offers.
func (s *Spec) Connector(kind SourceKind) (Connector, bool) {
	if kind == KindLog || kind == "" {
		return Connector{Kind: KindLog, Offers: s.Offers}, true
	}
	for _, c := range s.Connectors {
		if c.Kind == kind {
			return c, true
		}
	}
	return Connector{}, false
}

// CheckSource returns nil if the engine reads kind and gives g over it,
// and otherwise an error (wrapping ErrSourceKind or
// ErrGuaranteeNotOffered) that says why and what to use instead.
func (s *Spec) CheckSource(kind SourceKind, g Guarantee) error {
	if err := s.CheckGuarantee(g); err != nil {
		return err
	}
	c, ok := s.Connector(kind)
	if !ok {
		var kinds []string
		for _, k := range SourceKinds {
			if _, ok := s.Connector(k); ok {
				kinds = append(kinds, string(k))
			}
		}
		return &sourceKindError{fmt.Sprintf("%s has no connector for %s (it reads: %s)", s.Name, kind.Noun(), joinWords(kinds))}
	}
	if slices.ContainsFunc(c.Offers, func(o Offer) bool { return o.Guarantee == g }) {
		return nil
	}
	var gs []string
	for _, o := range c.Offers {
		if !slices.Contains(gs, o.Guarantee.String()) {
			gs = append(gs, o.Guarantee.String())
		}
	}
	msg := fmt.Sprintf("%s over %s gives %s, not %s", s.Name, kind.Noun(), joinWords(gs), g)
	if c.WayOut != "" {
		msg += "; " + c.WayOut
	}
	return &guaranteeError{msg}
}

// sourceKindError is CheckSource's error for a kind with no connector; it
// is ErrSourceKind.
type sourceKindError struct{ msg string }

func (e *sourceKindError) Error() string { return e.msg }
func (e *sourceKindError) Unwrap() error { return ErrSourceKind }

// joinWords joins words as a list in prose: "a", "a and b", "a, b and c".
func joinWords(words []string) string {
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	out := ""
	for i, w := range words[:len(words)-1] {
		if i > 0 {
			out += ", "
		}
		out += w
	}
	return out + " and " + words[len(words)-1]
}

// InputSource returns in as a Source, for code that is handed a Source and
// passes it on to a connector (a topology's build function handing it to
// its spout): a log is itself; any other kind is a Source whose Fetch and
// Wait refuse with an error wrapping ErrSourceKind, and which InputOf
// turns back into in.
func InputSource(in Input) Source {
	if in.Kind == KindLog || in.Kind == "" {
		return in.Log
	}
	return inputSource{in}
}

// InputOf returns the Input a Source stands for: the one InputSource was
// given, or the log src itself.
func InputOf(src Source) Input {
	if s, ok := src.(inputSource); ok {
		return s.in
	}
	return LogInput(src)
}

// inputSource carries a non-log Input through code that takes a Source.
type inputSource struct{ in Input }

func (s inputSource) Partitions() int { return s.in.NumPartitions() }

func (s inputSource) Fetch(int, int64, []Record) (int, error) {
	return 0, fmt.Errorf("%w: %s cannot be read by offset; its connector reads it", ErrSourceKind, s.in.Kind.Noun())
}

func (s inputSource) Wait(context.Context, int, int64) error {
	return fmt.Errorf("%w: %s cannot be read by offset; its connector reads it", ErrSourceKind, s.in.Kind.Noun())
}
