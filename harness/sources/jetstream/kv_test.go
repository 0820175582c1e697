package jetstream

import (
	"context"
	"slices"
	"testing"

	"github.com/streambench/streambench/engines/trident/txstate"
	"github.com/streambench/streambench/engines/trident/txstate/txstatetest"
)

func TestKV(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, MemoryStore)
	ctx := testContext(t)
	kv, err := OpenKV(ctx, c, streamName("kv"))
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := kv.Keys(ctx, ""); err != nil || len(keys) != 0 {
		t.Fatalf("empty bucket lists %v, %v", keys, err)
	}
	if _, ok, err := kv.Get(ctx, "a.b"); ok || err != nil {
		t.Fatalf("missing key: ok %v, %v", ok, err)
	}
	for _, k := range []string{"a.b", "a.c", "b.a"} {
		if err := kv.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Put(ctx, "a.b", []byte("again")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := kv.Get(ctx, "a.b"); !ok || err != nil || string(v) != "again" {
		t.Fatalf("Get(a.b) = %q, %v, %v", v, ok, err)
	}
	if err := kv.Delete(ctx, "a.c"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "never"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	keys, err := kv.Keys(ctx, "a.")
	if slices.Sort(keys); err != nil || !slices.Equal(keys, []string{"a.b"}) {
		t.Fatalf("Keys(a.) = %v, %v", keys, err)
	}
	if err := c.DeleteKV(ctx, kv.Bucket()); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteKV(ctx, kv.Bucket()); err != nil {
		t.Fatalf("deleting a deleted bucket: %v", err)
	}
}

// TestTransactionalStateInKV runs Trident's conformance suite for
// transaction metadata against a store kept in a JetStream bucket, and
// reopens it from the server as a restarted topology would.
func TestTransactionalStateInKV(t *testing.T) {
	checkGoroutines(t)
	_, c := startServer(t, FileStore)
	txstatetest.Run(t, func(t *testing.T) txstate.TransactionalState {
		kv, err := OpenKV(testContext(t), c, streamName("txstate"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := txstate.OpenStore(context.Background(), kv, "topo")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	bucket := streamName("txstate")
	kv, err := OpenKV(testContext(t), c, bucket)
	if err != nil {
		t.Fatal(err)
	}
	s, err := txstate.OpenStore(context.Background(), kv, "topo")
	if err != nil {
		t.Fatal(err)
	}
	s.SetPartitionMeta("spout", 1, 7, []byte("offsets 100-200"))
	s.SetLastCommitted(6)
	kv2, err := OpenKV(testContext(t), c, bucket)
	if err != nil {
		t.Fatal(err)
	}
	again, err := txstate.OpenStore(context.Background(), kv2, "topo")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.LastCommitted(); got != 6 {
		t.Errorf("reopened LastCommitted = %d, want 6", got)
	}
	if m, ok, _ := again.PartitionMeta("spout", 1, 7); !ok || string(m) != "offsets 100-200" {
		t.Errorf("reopened meta = %q, %v", m, ok)
	}
}
