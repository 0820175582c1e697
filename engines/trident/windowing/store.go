package windowing

import (
	"errors"
)

// KeySeparator separates the parts of a key, as Storm's
// WindowsStore.KEY_SEPARATOR.
const KeySeparator = "|"

// ErrEmptyKey is returned for an entry with no key.
var ErrEmptyKey = errors.New("windows store: empty key")

// Entry is a key and its value, for PutAll.
type Entry struct {
	Key   string
	Value []byte
}

// WindowsStore keeps a window operation's entities (its tuples, its fired
// windows) for one task, as Storm's WindowsStore. A task owns its store:
// the window operation calls it from one goroutine, so an implementation
// need not be safe for concurrent use, though those here are. Values
// passed in and returned are the caller's: a store copies what it keeps.
type WindowsStore interface {
	// Get returns the value of key, and false when there is none.
	Get(key string) ([]byte, bool, error)
	// PutAll sets every entry. A store that can (bbolt) writes them in one
	// transaction; the window operation needs each entry written whole or
	// not at all, not the set.
	PutAll(entries []Entry) error
	// RemoveAll removes keys; a missing key is not an error.
	RemoveAll(keys []string) error
	// Keys returns the keys that start with prefix, sorted.
	Keys(prefix string) ([]string, error)
	// Shutdown releases what the store holds for the task; it does not
	// delete the entries. The store is not used after it.
	Shutdown() error
}

// WindowsStoreFactory makes a task's WindowsStore when the window
// operation is prepared, as Storm's WindowsStoreFactory. conf is the
// topology's configuration. A factory is shared by the tasks of a window,
// so Create must be safe for concurrent use.
type WindowsStoreFactory interface {
	Create(conf map[string]any) (WindowsStore, error)
}

func checkKeys(entries []Entry) error {
	for _, e := range entries {
		if e.Key == "" {
			return ErrEmptyKey
		}
	}
	return nil
}
