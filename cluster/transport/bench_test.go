package transport

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
)

// benchSend sends batch to a task that a goroutine drains, through tr, and
// reports messages and batches per second.
func benchSend[M any](b *testing.B, tr engines.Transport[M], q *engines.Queue[M], batch []M) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-q.C():
			case <-stop:
				return
			}
		}
	}()
	ctx := context.Background()
	b.ReportAllocs()
	batches := 0
	for b.Loop() {
		if err := tr.Send(ctx, 0, batch); err != nil {
			b.Fatal(err)
		}
		batches++
	}
	b.ReportMetric(float64(batches*len(batch))/b.Elapsed().Seconds(), "messages/s")
	b.ReportMetric(float64(batches)/b.Elapsed().Seconds(), "batches/s")
	tr.Close()
	close(stop)
	<-done
}

// benchPair returns a sender whose task 0 runs on a second node over
// loopback, or, for "local", a LocalTransport to compare with.
func benchPair[M any](b *testing.B, mode string, codec Codec[M]) (engines.Transport[M], *engines.Queue[M]) {
	q := engines.NewQueue[M](1024)
	if mode == "local" {
		return engines.NewLocalTransport([]*engines.Queue[M]{q}), q
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	recv, err := NewNode(Config[M]{ID: "b", Token: testToken, Codec: codec, Logger: quiet,
		Local: map[int]*engines.Queue[M]{0: q}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { recv.Close() })
	send, err := NewNode(Config[M]{ID: "a", Token: testToken, Codec: codec, Logger: quiet,
		Remote: map[int]string{0: recv.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	return send, q
}

func BenchmarkSendInt(b *testing.B) {
	for _, mode := range []string{"local", "tcp"} {
		for _, size := range []int{1, 64, 1024} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode, size), func(b *testing.B) {
				tr, q := benchPair(b, mode, Codec[int](IntCodec{}))
				batch := make([]int, size)
				for i := range batch {
					batch[i] = i * 1000
				}
				benchSend(b, tr, q, batch)
			})
		}
	}
}

func BenchmarkSendRecords(b *testing.B) {
	for _, mode := range []string{"local", "tcp"} {
		b.Run(fmt.Sprintf("%s/batch=64", mode), func(b *testing.B) {
			tr, q := benchPair(b, mode, Codec[engines.Record](RecordCodec{}))
			batch := make([]engines.Record, 64)
			for i := range batch {
				batch[i] = engines.Record{Partition: 1, Offset: int64(i), EventTime: 1.7e18, Intended: 1.7e18,
					Value: strings.Repeat("w", 32)}
			}
			benchSend(b, tr, q, batch)
		})
	}
}
