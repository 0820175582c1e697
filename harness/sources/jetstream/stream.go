package jetstream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	js "github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrStreamExists is returned (wrapped) by CreateLog when the stream
	// exists with another configuration, or already holds messages.
	ErrStreamExists = errors.New("stream exists")
	// ErrNotALog is returned (wrapped) when a stream's subjects are not one
	// per partition, as CreateLog makes them.
	ErrNotALog = errors.New("stream is not a partitioned log")
)

// subject is partition p's subject: prefix.p.
func subject(prefix string, p int) string { return prefix + "." + strconv.Itoa(p) }

// partitionSubjects lists the subjects of a stream of n partitions.
func partitionSubjects(prefix string, n int) []string {
	out := make([]string, n)
	for p := range out {
		out[p] = subject(prefix, p)
	}
	return out
}

// streamLayout reads a stream's partitions from its subjects, which
// CreateLog lists one per partition, prefix.0 to prefix.N-1, so that a
// process opening the stream by name needs nothing else.
func streamLayout(cfg js.StreamConfig) (prefix string, partitions int, err error) {
	bad := func() (string, int, error) {
		return "", 0, fmt.Errorf("%w: stream %q has subjects %v, not <prefix>.0 to <prefix>.N-1: open a stream that CreateLog made",
			ErrNotALog, cfg.Name, cfg.Subjects)
	}
	if len(cfg.Subjects) == 0 {
		return bad()
	}
	seen := make([]bool, len(cfg.Subjects))
	for _, s := range cfg.Subjects {
		i := strings.LastIndexByte(s, '.')
		if i <= 0 {
			return bad()
		}
		p, err := strconv.Atoi(s[i+1:])
		if err != nil || p < 0 || p >= len(seen) || seen[p] || s[i+1:] != strconv.Itoa(p) {
			return bad()
		}
		if prefix == "" {
			prefix = s[:i]
		} else if s[:i] != prefix {
			return bad()
		}
		seen[p] = true
	}
	return prefix, len(seen), nil
}

// createStream creates the run's stream, or fails with a way out when the
// name is taken.
func createStream(ctx context.Context, c *Conn, cfg js.StreamConfig) (js.Stream, error) {
	s, err := c.js.CreateStream(ctx, cfg)
	if errors.Is(err, js.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("%w: stream %q exists on %s with another configuration: choose another stream name, or delete it (Conn.DeleteStream, `nats stream rm %s`)",
			ErrStreamExists, cfg.Name, c.url, cfg.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create stream %q on %s: %w", cfg.Name, c.url, err)
	}
	info := s.CachedInfo()
	if !slices.Equal(info.Config.Subjects, cfg.Subjects) {
		// The server treats an identical create as a no-op; guard anyway.
		return nil, fmt.Errorf("%w: stream %q exists on %s with subjects %v: choose another stream name, or delete it",
			ErrStreamExists, cfg.Name, c.url, info.Config.Subjects)
	}
	if info.State.Msgs > 0 {
		// Offsets restart at 0 with every Log, so a second run on the same
		// stream would write each offset twice.
		return nil, fmt.Errorf("%w: stream %q on %s already holds %d messages of an earlier run: choose another stream name, or delete it (Conn.DeleteStream)",
			ErrStreamExists, cfg.Name, c.url, info.State.Msgs)
	}
	return s, nil
}

// openStream looks a stream up by name and reads its layout.
func openStream(ctx context.Context, c *Conn, name string) (js.Stream, string, int, error) {
	s, err := c.js.Stream(ctx, name)
	if errors.Is(err, js.ErrStreamNotFound) {
		return nil, "", 0, fmt.Errorf("stream %q not found on %s: create it first with CreateLog, or check the name: %w", name, c.url, err)
	}
	if err != nil {
		return nil, "", 0, fmt.Errorf("open stream %q on %s: %w", name, c.url, err)
	}
	prefix, n, err := streamLayout(s.CachedInfo().Config)
	if err != nil {
		return nil, "", 0, err
	}
	return s, prefix, n, nil
}
