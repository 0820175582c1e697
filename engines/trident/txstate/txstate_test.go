package txstate_test

import (
	"path/filepath"
	"testing"

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
