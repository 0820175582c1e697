package txstate

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
)

// Store is a TransactionalState kept in a coordination store (an
// engines.KV: a JetStream key-value bucket in a run), so that a topology
// restarted in another process resumes from the transactions its
// predecessor committed, as Storm's does from ZooKeeper. Each key has one
// writer: the topology's coordinator writes the committed txid, and the
// emitter task that owns a partition writes that partition's metadata. So
// Store reads its own copy, loaded when it is opened, and writes every
// change through to the store before it returns; the workers of a
// distributed topology each open their own Store over the same KV, and
// each finds the keys it writes current in its copy.
type Store struct {
	kv     engines.KV
	prefix string
	mem    *Memory
	// timeout bounds each write to the store.
	timeout time.Duration
}

var _ TransactionalState = (*Store)(nil)

// Key layout under the prefix: "<prefix>.committed" holds the last
// committed txid, "<prefix>.meta.<spout hex>.<partition>.<txid>" a
// partition's metadata. The spout's name is hex-encoded: a key allows few
// characters.
const (
	keyCommitted = "committed"
	keyMeta      = "meta"
)

// OpenStore loads the topology's metadata under prefix (letters, digits,
// - and _) from kv.
func OpenStore(ctx context.Context, kv engines.KV, prefix string) (*Store, error) {
	if prefix == "" || strings.ContainsFunc(prefix, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return nil, fmt.Errorf("transactional state: prefix %q: want letters, digits, - and _", prefix)
	}
	s := &Store{kv: kv, prefix: prefix, mem: NewMemory(), timeout: 30 * time.Second}
	keys, err := kv.Keys(ctx, prefix+".")
	if err != nil {
		return nil, fmt.Errorf("transactional state %s: list: %w", prefix, err)
	}
	for _, k := range keys {
		v, ok, err := kv.Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("transactional state %s: read %s: %w", prefix, k, err)
		}
		if !ok {
			continue // deleted since the listing
		}
		rest := strings.TrimPrefix(k, prefix+".")
		if rest == keyCommitted {
			txid, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || txid < 0 {
				return nil, fmt.Errorf("%w: %s holds %q, not a txid", ErrCorrupt, k, v)
			}
			s.mem.committed = txid
			continue
		}
		spout, partition, txid, err := parseMetaKey(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: key %s: %v", ErrCorrupt, k, err)
		}
		_ = s.mem.SetPartitionMeta(spout, partition, txid, v)
	}
	return s, nil
}

func parseMetaKey(rest string) (spout string, partition int, txid int64, err error) {
	f := strings.Split(rest, ".")
	if len(f) != 4 || f[0] != keyMeta {
		return "", 0, 0, fmt.Errorf("not %s.<spout>.<partition>.<txid>", keyMeta)
	}
	name, err := hex.DecodeString(f[1])
	if err != nil {
		return "", 0, 0, fmt.Errorf("spout name: %v", err)
	}
	p, err := strconv.Atoi(f[2])
	if err != nil || p < 0 {
		return "", 0, 0, fmt.Errorf("partition %q", f[2])
	}
	txid, err = strconv.ParseInt(f[3], 10, 64)
	if err != nil || txid < 0 {
		return "", 0, 0, fmt.Errorf("txid %q", f[3])
	}
	return string(name), p, txid, nil
}

func (s *Store) metaKey(spout string, partition int, txid int64) string {
	return fmt.Sprintf("%s.%s.%s.%d.%d", s.prefix, keyMeta, hex.EncodeToString([]byte(spout)), partition, txid)
}

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// LastCommitted implements TransactionalState.
func (s *Store) LastCommitted() (int64, error) { return s.mem.LastCommitted() }

// SetLastCommitted implements TransactionalState.
func (s *Store) SetLastCommitted(txid int64) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.kv.Put(ctx, s.prefix+"."+keyCommitted, strconv.AppendInt(nil, txid, 10)); err != nil {
		return fmt.Errorf("transactional state %s: commit txid %d: %w", s.prefix, txid, err)
	}
	return s.mem.SetLastCommitted(txid)
}

// PartitionMeta implements TransactionalState.
func (s *Store) PartitionMeta(spout string, partition int, txid int64) ([]byte, bool, error) {
	return s.mem.PartitionMeta(spout, partition, txid)
}

// PreviousPartitionMeta implements TransactionalState.
func (s *Store) PreviousPartitionMeta(spout string, partition int, txid int64) (int64, []byte, bool, error) {
	return s.mem.PreviousPartitionMeta(spout, partition, txid)
}

// SetPartitionMeta implements TransactionalState.
func (s *Store) SetPartitionMeta(spout string, partition int, txid int64, meta []byte) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.kv.Put(ctx, s.metaKey(spout, partition, txid), meta); err != nil {
		return fmt.Errorf("transactional state %s: metadata of %s partition %d txid %d: %w", s.prefix, spout, partition, txid, err)
	}
	return s.mem.SetPartitionMeta(spout, partition, txid, meta)
}

// CleanupBefore implements TransactionalState. In a worker it may also
// delete keys of partitions another worker writes (those it loaded when it
// was opened), but only ones older than the newest of them it knows, which
// that worker no longer needs either.
func (s *Store) CleanupBefore(spout string, txid int64) error {
	s.mem.mu.Lock()
	var stale []string
	for k, byTx := range s.mem.metas {
		if k.spout != spout {
			continue
		}
		keep, found := int64(0), false
		for t := range byTx {
			if t < txid && (!found || t > keep) {
				keep, found = t, true
			}
		}
		for t := range byTx {
			if t < txid && t != keep {
				stale = append(stale, s.metaKey(spout, k.partition, t))
			}
		}
	}
	s.mem.mu.Unlock()
	ctx, cancel := s.ctx()
	defer cancel()
	for _, k := range stale {
		if err := s.kv.Delete(ctx, k); err != nil {
			return fmt.Errorf("transactional state %s: clean up %s: %w", s.prefix, k, err)
		}
	}
	return s.mem.CleanupBefore(spout, txid)
}
