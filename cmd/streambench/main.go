// Command streambench runs stream-processing workloads on reference engines
// of Apache Storm, Storm Trident and Spark Streaming, and on a hand-written
// Go baseline, and measures throughput, latency and delivery guarantees.
//
// Usage:
//
//	streambench list
//	streambench run --engine baseline --workload wordcount --records 5000000
//	streambench bench --suite quick
//	streambench report results/<UTC time>
//	streambench cluster master --nats-url nats://HOST:4222
//	streambench cluster agent --nats-url nats://HOST:4222 --slots 2
//	streambench version
//
// Exit status: 0 ok; 1 a run failed, or its outputs broke the delivery
// guarantee it was configured for; 2 bad usage or bad input; 130 a run
// interrupted by Ctrl-C or SIGTERM.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := interruptible(context.Background(), os.Stderr, func() { os.Exit(exitInterrupted) })
	code := Main(ctx, os.Args[1:], Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM,
// so a command stops and writes what it measured; the second calls quit,
// for a user who will not wait. stop releases the signals.
func interruptible(parent context.Context, stderr io.Writer, quit func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "streambench: %v: stopping and writing what was measured (again to quit at once)\n", sig)
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			quit()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
