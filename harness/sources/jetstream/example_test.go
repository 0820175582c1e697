package jetstream_test

import (
	"context"
	"fmt"
	"log"
	"strconv"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/sources/jetstream"
)

func Example() {
	ctx := context.Background()
	srv, err := jetstream.StartEmbedded(jetstream.ServerOptions{Store: jetstream.FileStore})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	conn, err := srv.Connect()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// The producer: the workload's generator fills each record from its
	// address; the driver publishes partitions up to an end offset.
	fill := func(r *engines.Record) { r.Value = "event-" + strconv.FormatInt(r.Offset, 10) }
	l, err := jetstream.CreateLog(ctx, conn, jetstream.LogConfig{Stream: "example", Partitions: 2}, fill)
	if err != nil {
		log.Fatal(err)
	}
	for p := range 2 {
		if err := l.Publish(p, 1000, func(o int64) int64 { return o }); err != nil {
			log.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil { // flushes and closes the partitions
		log.Fatal(err)
	}

	// The consumer, which could be another process: open by name, fetch by
	// offset, from the middle of a batch too.
	src, err := jetstream.OpenSource(ctx, conn, "example", jetstream.SourceOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	buf := make([]engines.Record, 3)
	if err := src.Wait(ctx, 1, 500); err != nil {
		log.Fatal(err)
	}
	n, err := src.Fetch(1, 500, buf)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range buf[:n] {
		fmt.Println(r.Partition, r.Offset, r.Value)
	}
	var total int
	err = engines.ReadPartition(ctx, src, 0, 0, make([]engines.Record, 100), func(b []engines.Record) error {
		total += len(b)
		return nil
	})
	fmt.Println("partition 0:", total, "records", err)
	// Output:
	// 1 500 event-500
	// 1 501 event-501
	// 1 502 event-502
	// partition 0: 1000 records <nil>
}
