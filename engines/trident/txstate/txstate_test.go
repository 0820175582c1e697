package txstate_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines/enginetest"

	"github.com/streambench/streambench/engines/trident/txstate"
	"github.com/streambench/streambench/engines/trident/txstate/txstatetest"
)

func TestMemory(t *testing.T) {
	txstatetest.Run(t, func(*testing.T) txstate.TransactionalState { return txstate.NewMemory() })
}

func TestBolt(t *testing.T) {
	txstatetest.Run(t, func(t *testing.T) txstate.TransactionalState {
		b, err := txstate.OpenBolt(filepath.Join(t.TempDir(), "tx.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

func TestBoltSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tx.db")
	b, err := txstate.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	b.SetLastCommitted(41)
	b.SetPartitionMeta("sp", 3, 42, []byte("m"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = txstate.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := b.LastCommitted(); got != 41 {
		t.Errorf("LastCommitted after reopen = %d, want 41", got)
	}
	if m, ok, _ := b.PartitionMeta("sp", 3, 42); !ok || string(m) != "m" {
		t.Errorf("meta after reopen = %q, %v", m, ok)
	}
}

func TestOpenBoltBadPath(t *testing.T) {
	if _, err := txstate.OpenBolt(filepath.Join(t.TempDir(), "missing", "dir", "tx.db")); err == nil {
		t.Error("OpenBolt in a missing directory succeeded")
	}
}

func TestStore(t *testing.T) {
	txstatetest.Run(t, func(t *testing.T) txstate.TransactionalState {
		s, err := txstate.OpenStore(context.Background(), enginetest.NewMemKV(), "topo")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestStoreSurvivesReopen: a store opened again on the same KV, as a
// restarted topology's is, sees what the first wrote, and nothing its
// cleanup removed; another topology's prefix is its own.
func TestStoreSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	kv := enginetest.NewMemKV()
	s, err := txstate.OpenStore(ctx, kv, "topo")
	if err != nil {
		t.Fatal(err)
	}
	for txid := int64(1); txid <= 5; txid++ {
		if err := s.SetPartitionMeta("spout.with odd:name", 2, txid, []byte{byte(txid)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetLastCommitted(4); err != nil {
		t.Fatal(err)
	}
	if err := s.CleanupBefore("spout.with odd:name", 4); err != nil {
		t.Fatal(err)
	}
	other, err := txstate.OpenStore(ctx, kv, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SetLastCommitted(99); err != nil {
		t.Fatal(err)
	}

	again, err := txstate.OpenStore(ctx, kv, "topo")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.LastCommitted(); got != 4 {
		t.Errorf("LastCommitted after reopen = %d, want 4", got)
	}
	for txid, want := range map[int64]bool{1: false, 2: false, 3: true, 4: true, 5: true} {
		m, ok, err := again.PartitionMeta("spout.with odd:name", 2, txid)
		if err != nil || ok != want || (ok && m[0] != byte(txid)) {
			t.Errorf("txid %d after reopen: %v %v %v, want present %v", txid, m, ok, err, want)
		}
	}
	if prev, m, ok, _ := again.PreviousPartitionMeta("spout.with odd:name", 2, 5); !ok || prev != 4 || m[0] != 4 {
		t.Errorf("PreviousPartitionMeta(5) = %d %v %v", prev, m, ok)
	}
}

func TestOpenStoreRefuses(t *testing.T) {
	ctx := context.Background()
	kv := enginetest.NewMemKV()
	kv.Put(ctx, "topo.committed", []byte("x"))
	kv.Put(ctx, "bad.meta.zz.0.1", []byte("m"))
	for _, tc := range []struct{ prefix, want string }{
		{"", "want letters"},
		{"a.b", "want letters"},
		{"topo", "not a txid"},
		{"bad", "spout name"},
	} {
		if _, err := txstate.OpenStore(ctx, kv, tc.prefix); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenStore(%q) = %v, want an error with %q", tc.prefix, err, tc.want)
		}
	}
}
