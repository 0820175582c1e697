package engines_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

// TestReceiveForwardQueue: a queue read forward delivers every batch in
// order, acks each message as it arrives, ends at the queue's end, and
// refuses a replay.
func TestReceiveForwardQueue(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	q := enginetest.NewMemQueue(2)
	for i := range 5 {
		q.Append(i%2, "a", "b", "c")
	}
	q.CloseAll()
	src, err := engines.ReceiveForward(engines.Input{Kind: engines.KindQueue, Queue: q}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p, want := range []int64{9, 6} {
		var got int64
		err := engines.ReadPartition(ctx, src, p, 0, make([]engines.Record, 2), func(recs []engines.Record) error {
			for _, r := range recs {
				if r.Offset != got || int(r.Partition) != p {
					t.Fatalf("partition %d: record %d/%d at position %d", p, r.Partition, r.Offset, got)
				}
				got++
			}
			return nil
		})
		if err != nil || got != want {
			t.Fatalf("partition %d: %d records, %v; want %d", p, got, err, want)
		}
		if acks, naks := q.Counts(p); acks != int(want/3) || naks != 0 {
			t.Errorf("partition %d: %d acks, %d naks", p, acks, naks)
		}
		if _, err := src.Fetch(p, 0, make([]engines.Record, 1)); !errors.Is(err, engines.ErrOffsetOutOfRange) {
			t.Errorf("a replay of partition %d: %v, want ErrOffsetOutOfRange", p, err)
		}
		if n, err := src.Fetch(p, want, make([]engines.Record, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("partition %d at its end: %d, %v", p, n, err)
		}
	}
}

func TestReceiveForwardRefusesOtherKinds(t *testing.T) {
	if _, err := engines.ReceiveForward(engines.Input{Kind: engines.KindSocket}, 0); !errors.Is(err, engines.ErrSourceKind) {
		t.Fatalf("a socket: %v, want ErrSourceKind", err)
	}
}
