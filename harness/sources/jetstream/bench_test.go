package jetstream

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
)

// benchValues stand in for a workload's generator: values of a realistic
// size that cost the producer no allocation.
var benchValues = func() []string {
	out := make([]string, 1024)
	for i := range out {
		out[i] = fmt.Sprintf("user-%06d,page-%04d,click,%d", i*7919%1000000, i%997, i)
	}
	return out
}()

func benchFill(r *engines.Record) {
	r.Value = benchValues[r.Offset&1023]
	r.EventTime = r.Intended
}

// BenchmarkThroughput publishes benchRecords records over 4 partitions
// through the embedded file-store server, then reads them all back through
// Fetch, once per iteration on a fresh stream, and reports records/s for
// each half. Publish is called in steps, as the harness's driver does at a
// high rate.
//
//	go test -run '^$' -bench Throughput -count 5 ./harness/sources/jetstream/
func BenchmarkThroughput(b *testing.B) {
	const (
		partitions   = 4
		benchRecords = 1 << 20
		per          = benchRecords / partitions
		step         = 4096 // records per partition per driver step
	)
	for _, batch := range []int{64, 256, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			_, c := startServer(b, FileStore)
			var pub, read time.Duration
			b.ReportAllocs()
			for b.Loop() {
				name := streamName("bench")
				l, err := CreateLog(testContext(b), c, LogConfig{Stream: name, Partitions: partitions, BatchRecords: batch}, benchFill)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for end := int64(0); end < per; {
					end = min(end+step, per)
					for p := range partitions {
						if err := l.Publish(p, end, func(o int64) int64 { return o }); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := l.Close(testContext(b)); err != nil {
					b.Fatal(err)
				}
				pub += time.Since(start)

				start = time.Now()
				s, err := OpenSource(testContext(b), c, name, SourceOptions{})
				if err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				for p := range partitions {
					wg.Add(1)
					go func() {
						defer wg.Done()
						buf := make([]engines.Record, 512)
						var got int64
						err := engines.ReadPartition(context.Background(), s, p, 0, buf, func(r []engines.Record) error {
							got += int64(len(r))
							return nil
						})
						if err != nil || got != per {
							b.Errorf("partition %d: read %d of %d: %v", p, got, per, err)
						}
					}()
				}
				wg.Wait()
				read += time.Since(start)
				s.Close()
				if err := c.DeleteStream(testContext(b), name); err != nil {
					b.Fatal(err)
				}
			}
			total := float64(benchRecords) * float64(b.N)
			b.ReportMetric(total/pub.Seconds(), "publish-records/s")
			b.ReportMetric(total/read.Seconds(), "read-records/s")
		})
	}
}

// BenchmarkLive reads while publishing, as a run does: records/s from the
// first publish to the last record fetched, over 4 partitions and batches
// of DefaultBatchRecords.
func BenchmarkLive(b *testing.B) {
	const (
		partitions   = 4
		benchRecords = 1 << 20
		per          = benchRecords / partitions
		step         = 1024
	)
	_, c := startServer(b, FileStore)
	var elapsed time.Duration
	b.ReportAllocs()
	for b.Loop() {
		name := streamName("live")
		l, err := CreateLog(testContext(b), c, LogConfig{Stream: name, Partitions: partitions}, benchFill)
		if err != nil {
			b.Fatal(err)
		}
		s, err := OpenSource(testContext(b), c, name, SourceOptions{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for p := range partitions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]engines.Record, 512)
				var got int64
				err := engines.ReadPartition(context.Background(), s, p, 0, buf, func(r []engines.Record) error {
					got += int64(len(r))
					return nil
				})
				if err != nil || got != per {
					b.Errorf("partition %d: read %d of %d: %v", p, got, per, err)
				}
			}()
		}
		for end := int64(0); end < per; {
			end = min(end+step, per)
			for p := range partitions {
				if err := l.Publish(p, end, func(o int64) int64 { return o }); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := l.Close(testContext(b)); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		elapsed += time.Since(start)
		s.Close()
		if err := c.DeleteStream(testContext(b), name); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/elapsed.Seconds(), "records/s")
}
