package windowing_test

import (
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/windowing"
	"github.com/streambench/streambench/engines/trident/windowing/windowingtest"
)

func TestInMemory(t *testing.T) {
	windowingtest.Run(t, func(*testing.T) windowing.WindowsStoreFactory { return windowing.InMemoryWindowsStoreFactory{} })
}

func openBolt(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestBolt(t *testing.T) {
	windowingtest.Run(t, func(t *testing.T) windowing.WindowsStoreFactory {
		return windowing.NewBoltWindowsStoreFactory(openBolt(t, filepath.Join(t.TempDir(), "w.db")), "windows")
	})
}

func TestKV(t *testing.T) {
	kv := enginetest.NewMemKV()
	windowingtest.Run(t, func(t *testing.T) windowing.WindowsStoreFactory {
		// One coordination store for all: each sub-test under its own prefix.
		return &windowing.KVWindowsStoreFactory{KV: kv, Prefix: "run/" + t.Name() + "/"}
	})
}

// TestBoltSurvivesReopen writes, closes the file, opens it again.
func TestBoltSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := windowing.NewBoltWindowsStoreFactory(db, "windows").Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutAll([]windowing.Entry{{Key: "k", Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = windowing.NewBoltWindowsStoreFactory(openBolt(t, path), "windows").Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Get("k"); err != nil || !ok || string(v) != "v" {
		t.Errorf("after reopen Get = %q, %v, %v", v, ok, err)
	}
}

func TestFactoriesRefuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    windowing.WindowsStoreFactory
		want string
	}{
		{"bolt without a file", windowing.NewBoltWindowsStoreFactory(nil, "w"), "no bbolt file"},
		{"bolt without a bucket", windowing.NewBoltWindowsStoreFactory(openBolt(t, filepath.Join(t.TempDir(), "w.db")), ""), "no bucket name"},
		{"kv without a store", &windowing.KVWindowsStoreFactory{Prefix: "p/"}, "no coordination store"},
		{"kv without a prefix", &windowing.KVWindowsStoreFactory{KV: enginetest.NewMemKV()}, "no key prefix"},
	} {
		if _, err := tc.f.Create(nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
