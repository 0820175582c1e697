// Package jetstreamtest starts an external nats-server for tests: Debian's
// package, the server a deployment may bring, which `make test` installs
// when it is missing.
package jetstreamtest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Binary finds an external nats-server, or returns "".
func Binary() string {
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server"
	}
	return ""
}

// StartExternal runs `nats-server -js` on a free loopback port with a
// temporary store, waits until it serves JetStream, and stops it by its
// pid when the test ends. It returns the server's URL. Without the binary
// the test is skipped, except in CI (CI set), where that is a failure.
func StartExternal(t testing.TB) string {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("nats-server is missing in CI: `make test` installs Debian's nats-server with apt-get before the tests")
		}
		t.Skip("nats-server is not installed (`make nats-server` installs Debian's package); skipping the external-server test")
	}
	dir := t.TempDir()
	port := strconv.Itoa(FreePort(t))
	var out bytes.Buffer
	cmd := exec.Command(bin, "-js", "-sd", dir, "-a", "127.0.0.1", "-p", port)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Errorf("nats-server (pid %d) ignored SIGTERM for 10s", cmd.Process.Pid)
		}
	})

	url := "nats://127.0.0.1:" + port
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ready(url)
		if err == nil {
			t.Logf("external nats-server (pid %d) at %s", cmd.Process.Pid, url)
			return url
		}
		select {
		case err := <-exited:
			t.Fatalf("nats-server exited (%v):\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server at %s not ready within 10s: %v\n%s", url, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready connects once and asks for JetStream's account info.
func ready(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.NoReconnect())
	if err != nil {
		return err
	}
	defer nc.Close()
	_, err = nc.Request("$JS.API.INFO", nil, time.Second)
	return err
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
