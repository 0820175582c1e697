package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strings"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/streambench/streambench/engines"
)

// KV is a JetStream key-value bucket as an engines.KV: the run's
// coordination store (ZooKeeper's role), where Trident keeps its
// transaction metadata. A bucket keeps one value per key (history 1) on
// the server's store, so it outlives the processes that write it.
type KV struct {
	bucket string
	kv     js.KeyValue
}

var _ engines.KV = (*KV)(nil)

// OpenKV creates the bucket, or opens it when it exists, on the
// connection's server.
func OpenKV(ctx context.Context, c *Conn, bucket string) (*KV, error) {
	storage, err := c.store.storage()
	if err != nil {
		return nil, err
	}
	kv, err := c.js.CreateOrUpdateKeyValue(ctx, js.KeyValueConfig{Bucket: bucket, History: 1, Storage: storage,
		Description: "streambench coordination store"})
	if err != nil {
		return nil, fmt.Errorf("key-value bucket %q: %w", bucket, err)
	}
	return &KV{bucket: bucket, kv: kv}, nil
}

// DeleteKV removes a bucket and everything in it.
func (c *Conn) DeleteKV(ctx context.Context, bucket string) error {
	if err := c.js.DeleteKeyValue(ctx, bucket); err != nil && !errors.Is(err, js.ErrBucketNotFound) {
		return fmt.Errorf("delete key-value bucket %q: %w", bucket, err)
	}
	return nil
}

// Bucket returns the bucket's name.
func (k *KV) Bucket() string { return k.bucket }

// Get implements engines.KV.
func (k *KV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	e, err := k.kv.Get(ctx, key)
	if errors.Is(err, js.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("bucket %q: get %q: %w", k.bucket, key, err)
	}
	return e.Value(), true, nil
}

// Put implements engines.KV.
func (k *KV) Put(ctx context.Context, key string, value []byte) error {
	if _, err := k.kv.Put(ctx, key, value); err != nil {
		return fmt.Errorf("bucket %q: put %q: %w", k.bucket, key, err)
	}
	return nil
}

// Delete implements engines.KV: the key is purged, so the bucket keeps
// no tombstones for it.
func (k *KV) Delete(ctx context.Context, key string) error {
	if err := k.kv.Purge(ctx, key); err != nil && !errors.Is(err, js.ErrKeyNotFound) {
		return fmt.Errorf("bucket %q: delete %q: %w", k.bucket, key, err)
	}
	return nil
}

// Keys implements engines.KV. It lists the whole bucket and filters by
// prefix: filtered listings need a newer server than Debian's 2.9.
func (k *KV) Keys(ctx context.Context, prefix string) ([]string, error) {
	lister, err := k.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("bucket %q: list keys: %w", k.bucket, err)
	}
	defer lister.Stop()
	var out []string
	for key := range lister.Keys() {
		if strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	return out, nil
}
