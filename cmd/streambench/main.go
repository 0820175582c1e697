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
//	streambench version
//
// Exit status: 0 ok; 1 a run failed, or its outputs broke the delivery
// guarantee it was configured for; 2 bad usage or bad input.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
