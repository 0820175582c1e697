package jetstream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"
)

// Store is where a stream keeps its messages.
type Store string

const (
	// FileStore keeps messages on disk: a stream survives a server restart
	// on the same directory. The server syncs to disk every two minutes by
	// default, not per message, like Kafka's default flush policy.
	FileStore Store = "file"
	// MemoryStore keeps messages in the server's memory only.
	MemoryStore Store = "memory"
)

func (s Store) storage() (js.StorageType, error) {
	switch s {
	case FileStore, "":
		return js.FileStorage, nil
	case MemoryStore:
		return js.MemoryStorage, nil
	}
	return 0, fmt.Errorf("unknown store %q (known: file, memory)", string(s))
}

var (
	// ErrUnreachable is returned (wrapped) by Connect when no NATS server
	// answers at the URL.
	ErrUnreachable = errors.New("nats-server unreachable")
	// ErrNoJetStream is returned (wrapped) by Connect when the server runs
	// without JetStream.
	ErrNoJetStream = errors.New("nats-server has no JetStream")
)

// ServerOptions configure an embedded server.
type ServerOptions struct {
	// Store is the default store of the streams created through the
	// server's connections; FileStore when empty.
	Store Store
	// Dir is the JetStream store directory. When empty the server uses a
	// fresh temporary directory and removes it on Close; a Dir given here
	// is kept, so a restarted server finds its streams again.
	Dir string
	// Port is the client port on 127.0.0.1; 0 picks a free one.
	Port int
}

// Server is a nats-server with JetStream running inside this process. It
// listens on 127.0.0.1 (not an in-process pipe), so worker processes of a
// cluster run reach it too, and loopback TCP measured faster here than the
// in-process connection (research notes, cluster-recovery C).
type Server struct {
	ns      *server.Server
	store   Store
	dir     string
	tempDir bool
}

// StartEmbedded starts an embedded server and waits until it accepts
// connections.
func StartEmbedded(opts ServerOptions) (*Server, error) {
	if _, err := opts.Store.storage(); err != nil {
		return nil, err
	}
	if opts.Store == "" {
		opts.Store = FileStore
	}
	s := &Server{store: opts.Store, dir: opts.Dir}
	if s.dir == "" {
		// Also for a memory store: JetStream wants a directory, and
		// without one it would pick a shared one under os.TempDir.
		dir, err := os.MkdirTemp("", "streambench-jetstream-")
		if err != nil {
			return nil, fmt.Errorf("embedded nats-server: %w", err)
		}
		s.dir, s.tempDir = dir, true
	}
	port := opts.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "streambench",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   s.dir,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		s.removeDir()
		return nil, fmt.Errorf("embedded nats-server: %w", err)
	}
	s.ns = ns
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		s.Close()
		return nil, fmt.Errorf("embedded nats-server did not accept connections within 10s (port %d in use?)", opts.Port)
	}
	return s, nil
}

// ClientURL returns the URL clients connect to, such as
// nats://127.0.0.1:40123.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Store returns the server's default store.
func (s *Server) Store() Store { return s.store }

// Dir returns the server's JetStream store directory.
func (s *Server) Dir() string { return s.dir }

// Connect returns a connection to the server whose streams default to the
// server's store.
func (s *Server) Connect() (*Conn, error) {
	c, err := Connect(s.ClientURL())
	if err != nil {
		return nil, err
	}
	c.store = s.store
	return c, nil
}

// Close shuts the server down, waits until it has stopped and removes its
// temporary store directory.
func (s *Server) Close() error {
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	}
	return s.removeDir()
}

func (s *Server) removeDir() error {
	if !s.tempDir {
		return nil
	}
	s.tempDir = false
	return os.RemoveAll(s.dir)
}

// Conn is a client connection to a JetStream-enabled server, embedded or
// external. Logs, Sources, Queues and Feeds are made on a Conn and share it;
// it is safe for concurrent use. Its owner closes it after them.
type Conn struct {
	nc    *nats.Conn
	js    js.JetStream
	url   string
	store Store
}

// Connect connects to the server at url and checks that it runs
// JetStream.
func Connect(url string) (*Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name("streambench"),
		nats.Timeout(5*time.Second),
		// A benchmark wants to see a lost server, not hide it behind
		// minutes of reconnect attempts.
		nats.MaxReconnects(5),
		nats.ReconnectWait(200*time.Millisecond),
		// The library prints asynchronous errors (a slow consumer) by
		// default; FeedSubscription.Dropped counts them instead.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: nats-server at %s: %v (start one with `nats-server -js`, or use the embedded server)", ErrUnreachable, url, err)
	}
	j, err := js.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats-server at %s: %w", url, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := j.AccountInfo(ctx); err != nil {
		nc.Close()
		if errors.Is(err, js.ErrJetStreamNotEnabled) || errors.Is(err, js.ErrJetStreamNotEnabledForAccount) {
			return nil, fmt.Errorf("%w: nats-server at %s has no JetStream: start it with -js", ErrNoJetStream, url)
		}
		return nil, fmt.Errorf("nats-server at %s: JetStream account info: %w", url, err)
	}
	return &Conn{nc: nc, js: j, url: url, store: FileStore}, nil
}

// URL returns the server's URL.
func (c *Conn) URL() string { return c.url }

// DeleteStream deletes the named stream; deleting a stream that does not
// exist is not an error. It is the way out when a run's stream name is
// taken by an earlier run.
func (c *Conn) DeleteStream(ctx context.Context, name string) error {
	err := c.js.DeleteStream(ctx, name)
	if err != nil && !errors.Is(err, js.ErrStreamNotFound) {
		return fmt.Errorf("delete stream %q: %w", name, err)
	}
	return nil
}

// Close closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// NATS returns the connection's NATS client, for plain subjects beside
// the streams (the cluster's progress reports).
func (c *Conn) NATS() *nats.Conn { return c.nc }
