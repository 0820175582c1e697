// Package txstatetest is the conformance suite every txstate.TransactionalState
// implementation runs: the in-memory one, the bbolt file, and the cluster's
// coordination-store one.
package txstatetest

import (
	"bytes"
	"sync"
	"testing"

	"github.com/streambench/streambench/engines/trident/txstate"
)

// Run checks the TransactionalState that open returns; open is called once
// per sub-test and must return an empty state.
func Run(t *testing.T, open func(t *testing.T) txstate.TransactionalState) {
	t.Run("LastCommitted", func(t *testing.T) {
		s := open(t)
		if got, err := s.LastCommitted(); err != nil || got != 0 {
			t.Fatalf("empty LastCommitted = %d, %v; want 0, nil", got, err)
		}
		for _, txid := range []int64{1, 2, 70000} {
			if err := s.SetLastCommitted(txid); err != nil {
				t.Fatal(err)
			}
			if got, err := s.LastCommitted(); err != nil || got != txid {
				t.Fatalf("LastCommitted = %d, %v; want %d", got, err, txid)
			}
		}
	})
	t.Run("PartitionMeta", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.PartitionMeta("sp", 0, 1); ok || err != nil {
			t.Fatalf("empty PartitionMeta ok=%v err=%v", ok, err)
		}
		mustSet(t, s, "sp", 0, 1, "a")
		mustSet(t, s, "sp", 1, 1, "b")
		mustSet(t, s, "other", 0, 1, "c")
		mustSet(t, s, "sp", 0, 1, "a2") // replaced
		wantMeta(t, s, "sp", 0, 1, "a2")
		wantMeta(t, s, "sp", 1, 1, "b")
		wantMeta(t, s, "other", 0, 1, "c")
		if _, ok, _ := s.PartitionMeta("sp", 2, 1); ok {
			t.Error("meta of an unwritten partition")
		}
	})
	t.Run("PreviousPartitionMeta", func(t *testing.T) {
		s := open(t)
		for _, tx := range []int64{3, 5, 300} {
			mustSet(t, s, "sp", 1, tx, string(rune('a'+tx%26)))
		}
		mustSet(t, s, "sp", 0, 4, "p0")
		mustSet(t, s, "sp", 2, 1, "p2")
		mustSet(t, s, "sp2", 1, 4, "x")
		tests := []struct {
			part   int
			txid   int64
			want   int64
			wantOK bool
		}{
			{1, 3, 0, false}, {1, 4, 3, true}, {1, 5, 3, true}, {1, 6, 5, true},
			{1, 1000, 300, true}, {0, 4, 0, false}, {0, 5, 4, true}, {2, 2, 1, true}, {3, 9, 0, false},
		}
		for _, tc := range tests {
			prev, meta, ok, err := s.PreviousPartitionMeta("sp", tc.part, tc.txid)
			if err != nil || ok != tc.wantOK || prev != tc.want {
				t.Errorf("Previous(p%d, %d) = %d, ok=%v, err=%v; want %d, ok=%v", tc.part, tc.txid, prev, ok, err, tc.want, tc.wantOK)
				continue
			}
			if ok {
				exact, _, _ := s.PartitionMeta("sp", tc.part, prev)
				if !bytes.Equal(meta, exact) {
					t.Errorf("Previous(p%d, %d) meta %q, stored %q", tc.part, tc.txid, meta, exact)
				}
			}
		}
	})
	t.Run("CleanupBefore", func(t *testing.T) {
		s := open(t)
		for tx := int64(1); tx <= 6; tx++ {
			mustSet(t, s, "sp", 0, tx, "m")
		}
		mustSet(t, s, "sp", 1, 2, "only")
		mustSet(t, s, "keep", 0, 1, "k")
		if err := s.CleanupBefore("sp", 5); err != nil {
			t.Fatal(err)
		}
		for tx := int64(1); tx <= 6; tx++ {
			_, ok, _ := s.PartitionMeta("sp", 0, tx)
			if want := tx >= 4; ok != want {
				t.Errorf("after cleanup, txid %d present=%v, want %v", tx, ok, want)
			}
		}
		// The newest entry below the cut stays: the next batch builds on it.
		wantMeta(t, s, "sp", 1, 2, "only")
		wantMeta(t, s, "keep", 0, 1, "k")
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for p := range 4 {
			wg.Go(func() {
				for tx := int64(1); tx <= 20; tx++ {
					if err := s.SetPartitionMeta("sp", p, tx, []byte{byte(tx)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		for p := range 4 {
			wantMeta(t, s, "sp", p, 20, string([]byte{20}))
		}
	})
}

func mustSet(t *testing.T, s txstate.TransactionalState, spout string, p int, txid int64, meta string) {
	t.Helper()
	if err := s.SetPartitionMeta(spout, p, txid, []byte(meta)); err != nil {
		t.Fatal(err)
	}
}

func wantMeta(t *testing.T, s txstate.TransactionalState, spout string, p int, txid int64, want string) {
	t.Helper()
	got, ok, err := s.PartitionMeta(spout, p, txid)
	if err != nil || !ok || string(got) != want {
		t.Errorf("PartitionMeta(%s, %d, %d) = %q, %v, %v; want %q", spout, p, txid, got, ok, err, want)
	}
}
