package txstate

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bolt is a TransactionalState in a bbolt file: every write is one synced
// transaction, so the metadata survives a process kill. Keys sort by
// (spout, partition, txid), which makes PreviousPartitionMeta one cursor
// seek.
type Bolt struct {
	db *bolt.DB
}

var _ TransactionalState = (*Bolt)(nil)

var (
	bucketCoord = []byte("coordinator")
	bucketMeta  = []byte("partition-meta")
	keyCommit   = []byte("last-committed")
)

// OpenBolt opens (or creates) the metadata file at path.
func OpenBolt(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open transactional state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketCoord); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init transactional state %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// Close closes the file.
func (b *Bolt) Close() error { return b.db.Close() }

// LastCommitted implements TransactionalState.
func (b *Bolt) LastCommitted() (int64, error) {
	var txid int64
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCoord).Get(keyCommit)
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: last committed txid has %d bytes", ErrCorrupt, len(v))
		}
		txid = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return txid, err
}

// SetLastCommitted implements TransactionalState.
func (b *Bolt) SetLastCommitted(txid int64) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCoord).Put(keyCommit, binary.BigEndian.AppendUint64(nil, uint64(txid)))
	})
}

// prefix is spout, a zero byte, and the partition; the txid follows, big
// endian, so byte order is txid order within a partition.
func prefix(spout string, partition int) []byte {
	p := append([]byte(spout), 0)
	return binary.BigEndian.AppendUint32(p, uint32(partition))
}

func metaKey(spout string, partition int, txid int64) []byte {
	return binary.BigEndian.AppendUint64(prefix(spout, partition), uint64(txid))
}

// PartitionMeta implements TransactionalState.
func (b *Bolt) PartitionMeta(spout string, partition int, txid int64) ([]byte, bool, error) {
	var out []byte
	var ok bool
	err := b.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaKey(spout, partition, txid)); v != nil {
			out, ok = bytes.Clone(v), true
		}
		return nil
	})
	return out, ok, err
}

// PreviousPartitionMeta implements TransactionalState.
func (b *Bolt) PreviousPartitionMeta(spout string, partition int, txid int64) (int64, []byte, bool, error) {
	var prev int64
	var out []byte
	var ok bool
	pre := prefix(spout, partition)
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		k, v := c.Seek(metaKey(spout, partition, txid))
		// Seek lands on the first key >= txid's (or past the end); the
		// one before it is the highest below txid, if it is ours.
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, pre) || len(k) != len(pre)+8 {
			return nil
		}
		prev = int64(binary.BigEndian.Uint64(k[len(pre):]))
		out, ok = bytes.Clone(v), true
		return nil
	})
	return prev, out, ok, err
}

// SetPartitionMeta implements TransactionalState.
func (b *Bolt) SetPartitionMeta(spout string, partition int, txid int64, meta []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaKey(spout, partition, txid), bytes.Clone(meta))
	})
}

// CleanupBefore implements TransactionalState.
func (b *Bolt) CleanupBefore(spout string, txid int64) error {
	sp := append([]byte(spout), 0)
	return b.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		var stale [][]byte
		var lastOfPart []byte // newest key below txid seen for the current partition
		flush := func() {
			if lastOfPart != nil {
				stale = stale[:len(stale)-1] // keep the newest one
			}
		}
		var curPart []byte
		for k, _ := c.Seek(sp); k != nil && bytes.HasPrefix(k, sp) && len(k) == len(sp)+12; k, _ = c.Next() {
			part := k[len(sp) : len(sp)+4]
			if !bytes.Equal(part, curPart) {
				flush()
				curPart, lastOfPart = bytes.Clone(part), nil
			}
			if int64(binary.BigEndian.Uint64(k[len(sp)+4:])) < txid {
				stale = append(stale, bytes.Clone(k))
				lastOfPart = stale[len(stale)-1]
			}
		}
		flush()
		for _, k := range stale {
			if err := c.Bucket().Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
