package jetstream

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	js "github.com/nats-io/nats.go/jetstream"
)

func TestStartEmbedded(t *testing.T) {
	for _, tc := range []struct {
		store Store
		want  js.StorageType
	}{
		{FileStore, js.FileStorage},
		{MemoryStore, js.MemoryStorage},
		{"", js.FileStorage},
	} {
		t.Run(string(tc.store), func(t *testing.T) {
			checkGoroutines(t)
			srv, err := StartEmbedded(ServerOptions{Store: tc.store})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(srv.ClientURL(), "nats://127.0.0.1:") || strings.HasSuffix(srv.ClientURL(), ":4222") {
				t.Errorf("ClientURL() = %s, want 127.0.0.1 on a random port", srv.ClientURL())
			}
			c, err := srv.Connect()
			if err != nil {
				t.Fatal(err)
			}
			name := streamName("store")
			l, err := CreateLog(testContext(t), c, LogConfig{Stream: name, Partitions: 1}, fillValue)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Close(testContext(t)); err != nil {
				t.Fatal(err)
			}
			st, err := c.js.Stream(testContext(t), name)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.CachedInfo().Config.Storage; got != tc.want {
				t.Errorf("stream storage = %v, want %v", got, tc.want)
			}
			c.Close()
			dir := srv.Dir()
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("store directory %s left behind after Close: %v", dir, err)
			}
		})
	}
	t.Run("unknown store", func(t *testing.T) {
		if _, err := StartEmbedded(ServerOptions{Store: "tape"}); err == nil || !strings.Contains(err.Error(), `"tape"`) {
			t.Errorf("StartEmbedded with store tape: %v, want an error naming it", err)
		}
	})
}

// A server restarted on the same directory still has its streams.
func TestEmbeddedKeepsGivenDir(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	srv, err := StartEmbedded(ServerOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	l := newTestLog(t, c, LogConfig{Stream: "kept", Partitions: 2})
	if err := l.Publish(1, 100, intendedAt); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(testContext(t)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv, c = startServerIn(t, dir)
	s := openTestSource(t, c, "kept", SourceOptions{})
	if n := readAll(t, s, 1); n != 100 {
		t.Errorf("after a restart partition 1 has %d records, want 100", n)
	}
	_ = srv
}

func startServerIn(t *testing.T, dir string) (*Server, *Conn) {
	t.Helper()
	srv, err := StartEmbedded(ServerOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return srv, c
}

// freePort returns a loopback port nothing listens on (for a moment).
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestConnectErrors(t *testing.T) {
	checkGoroutines(t)
	plain, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go plain.Start()
	if !plain.ReadyForConnections(10 * time.Second) {
		t.Fatal("server without JetStream did not start")
	}
	t.Cleanup(func() { plain.Shutdown(); plain.WaitForShutdown() })
	nowhere := "nats://127.0.0.1:" + strconv.Itoa(freePort(t))

	for _, tc := range []struct {
		name     string
		url      string
		sentinel error
		mentions []string
	}{
		{"unreachable", nowhere, ErrUnreachable, []string{nowhere, "nats-server -js"}},
		{"no JetStream", plain.ClientURL(), ErrNoJetStream, []string{plain.ClientURL(), "has no JetStream: start it with -js"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Connect(tc.url)
			if err == nil {
				c.Close()
				t.Fatalf("Connect(%s) succeeded", tc.url)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("Connect(%s) = %v, want %v", tc.url, err, tc.sentinel)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}
