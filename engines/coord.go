package engines

import "context"

// KV is a coordination store shared by an engine's processes: the role
// ZooKeeper plays for Storm (Trident's transaction metadata, assignments,
// heartbeats). Keys are made of letters, digits and - _ = . / (a dot
// separates levels); values are small. Implementations are safe for
// concurrent use, and every write is durable when it returns, as far as
// the store is durable at all.
type KV interface {
	// Get returns the value of key, and false when there is none.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Put sets key to value.
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Keys returns the keys that start with prefix, in no order.
	Keys(ctx context.Context, prefix string) ([]string, error)
}
