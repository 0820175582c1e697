// Package clustertest gives the cluster's tests a real NATS server with
// JetStream: embedded in the test process, on a loopback port, so child
// processes reach it too.
package clustertest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// StartNATS starts an embedded nats-server with JetStream on 127.0.0.1 and
// a free port, with a temporary store, shuts it down when the test ends,
// and returns its client URL.
func StartNATS(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "streambench-cluster-nats-")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "streambench-cluster-test",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   dir,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		os.RemoveAll(dir)
		t.Fatal("embedded nats-server not ready within 10s")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		os.RemoveAll(dir)
	})
	return ns.ClientURL()
}

// Eventually polls cond every 10ms until it returns true or the deadline
// passes, and then fails the test with what.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// StartExternal runs Debian's nats-server (`nats-server -js`, version 2.9
// on Debian 12) on a free loopback port with a temporary store, stops it by
// its pid when the test ends, and returns its URL: the server a deployment
// may bring, which lacks per-key expiry and multi-filter listings. Without
// the binary the test is skipped (`make nats-server` installs it), except
// in CI, where that fails.
func StartExternal(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("nats-server is missing in CI: `make nats-server` installs Debian's package")
			}
			t.Skip("nats-server is not installed (`make nats-server` installs Debian's package)")
		}
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "-js", "-sd", dir, "-a", "127.0.0.1", "-p", port)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	url := "nats://127.0.0.1:" + port
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.NoReconnect())
		if err == nil {
			_, err = nc.Request("$JS.API.INFO", nil, time.Second)
			nc.Close()
			if err == nil {
				return url
			}
		}
		select {
		case <-exited:
			t.Fatalf("nats-server exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server at %s not ready within 10s: %v\n%s", url, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
