package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/streambench/streambench/cluster/coord"
)

// Environment variables through which an agent (or the local launcher)
// hands a child process what must not appear on its command line.
const (
	// EnvToken carries the cluster's token; it is never put on argv,
	// where every user of the host could read it.
	EnvToken = "STREAMBENCH_CLUSTER_TOKEN"
	// EnvLifeline names the descriptor of the read end of a pipe whose
	// write end the parent holds: when the parent dies, the pipe reads
	// end-of-file and the child stops, so no process outlives its agent.
	EnvLifeline = "STREAMBENCH_CLUSTER_LIFELINE"
	// EnvListener names the descriptor of the slot's listening socket an
	// agent passes to a worker (3), so no other process can take the port
	// between the agent's bind and the worker's start.
	EnvListener = "STREAMBENCH_CLUSTER_LISTENER"
	// EnvCPUs lists the cores a worker pins itself to, as "0,1".
	EnvCPUs = "STREAMBENCH_CLUSTER_CPUS"
)

// ErrNoToken is returned (wrapped) when no cluster token was given.
var ErrNoToken = errors.New("no cluster token")

// Common are the settings every role shares.
type Common struct {
	// NATSURL is the nats-server (with JetStream) holding the cluster's
	// coordination buckets.
	NATSURL string
	// Cluster names the cluster, and so its buckets; "streambench" when
	// empty.
	Cluster string
	// Token is the cluster's shared secret: workers present it to each
	// other when they connect (transport.Config.Token).
	Token string
	// Timing is the control plane's intervals and timeouts.
	Timing coord.Timing
	// Logger receives the role's decisions; nil means slog.Default().
	Logger *slog.Logger
	// Lifeline, when set, is the read end of a pipe held open by the
	// process that started this one; the role stops when it closes.
	Lifeline *os.File
}

func (c *Common) check() error {
	if c.NATSURL == "" {
		return errors.New("no NATS URL: pass --nats-url nats://HOST:4222, a nats-server started with -js")
	}
	if c.Cluster == "" {
		c.Cluster = "streambench"
	}
	if err := coord.CheckName("cluster", c.Cluster); err != nil {
		return err
	}
	if c.Token == "" {
		return fmt.Errorf("%w: pass --token-file FILE or set %s, the same on every host", ErrNoToken, EnvToken)
	}
	if c.Timing.Profile == "" {
		c.Timing = coord.DefaultTiming()
	}
	if err := c.Timing.Validate(); err != nil {
		return err
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

func (c *Common) dial(ctx context.Context, role string) (*coord.Store, error) {
	return coord.Dial(ctx, c.NATSURL, "streambench-"+role, coord.Options{Cluster: c.Cluster, Timing: c.Timing, Logger: c.Logger})
}

// lifeline returns a context that ends when the parent closes the
// lifeline pipe (or dies), or with ctx.
func (c *Common) lifeline(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	if c.Lifeline == nil {
		return ctx, func() { cancel(nil) }
	}
	f := c.Lifeline
	go func() {
		_, _ = io.Copy(io.Discard, f)
		cancel(errors.New("the parent process is gone (lifeline closed)"))
	}()
	return ctx, func() {
		cancel(nil)
		// Closing our end ends the reader above.
		f.Close()
	}
}

// CommonFlags are the command-line spellings of Common, shared by the
// `cluster master`, `cluster agent` and `cluster worker` commands.
type CommonFlags struct {
	NATSURL    string
	Cluster    string
	Token      string
	TokenFile  string
	Timing     string
	TimingSets []string
}

// Register adds the flags to fs; withToken adds --token and --token-file
// (a worker takes its token from the environment only).
func (f *CommonFlags) Register(fs *pflag.FlagSet, withToken bool) {
	fs.StringVar(&f.NATSURL, "nats-url", "", "nats-server with JetStream that holds the cluster's state, e.g. nats://10.0.0.1:4222 (required)")
	fs.StringVar(&f.Cluster, "cluster", "streambench", "cluster name: the prefix of its key-value buckets")
	if withToken {
		fs.StringVar(&f.Token, "token", "", "cluster token, the same on every host (prefer --token-file or "+EnvToken+": argv is visible to every user)")
		fs.StringVar(&f.TokenFile, "token-file", "", "file holding the cluster token")
	}
	fs.StringVar(&f.Timing, "timing", "default", "timing profile: default (Storm's) or fast (divided by 10, for tests)")
	fs.StringArrayVar(&f.TimingSets, "timing-set", nil, "override one Storm timing setting, KEY=SECONDS (repeatable), e.g. nimbus.monitor.freq.secs=5")
}

// Resolve turns the flags into Common; getenv reads the environment.
func (f *CommonFlags) Resolve(getenv func(string) string) (Common, error) {
	c := Common{NATSURL: f.NATSURL, Cluster: f.Cluster}
	if c.NATSURL == "" {
		return c, errors.New("--nats-url is required: the URL of a nats-server started with -js (there is no embedded server in cluster roles)")
	}
	if err := coord.CheckName("cluster", c.Cluster); err != nil {
		return c, fmt.Errorf("--cluster: %w", err)
	}
	tok, err := ResolveToken(f.Token, f.TokenFile, getenv)
	if err != nil {
		return c, err
	}
	c.Token = tok
	t, err := coord.TimingProfile(f.Timing)
	if err != nil {
		return c, fmt.Errorf("--timing: %w", err)
	}
	for _, kv := range f.TimingSets {
		k, v, ok := strings.Cut(kv, "=")
		secs, perr := strconv.ParseFloat(v, 64)
		if !ok || perr != nil {
			return c, fmt.Errorf("--timing-set %q: want KEY=SECONDS, e.g. nimbus.monitor.freq.secs=5", kv)
		}
		if err := t.Set(k, secs); err != nil {
			return c, fmt.Errorf("--timing-set: %w", err)
		}
	}
	if err := t.Validate(); err != nil {
		return c, fmt.Errorf("--timing-set: %w", err)
	}
	c.Timing = t
	lf, err := LifelineFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Lifeline = lf
	return c, nil
}

// ResolveToken picks the token from the flag, else the file, else the
// environment, and refuses an empty one.
func ResolveToken(flag, file string, getenv func(string) string) (string, error) {
	tok := flag
	if tok == "" && file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok = strings.TrimSpace(string(data))
		if tok == "" {
			return "", fmt.Errorf("%w: --token-file %s is empty", ErrNoToken, file)
		}
	}
	if tok == "" {
		tok = getenv(EnvToken)
	}
	if strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("%w: pass --token-file FILE or set %s (the same on every host of the cluster)", ErrNoToken, EnvToken)
	}
	return tok, nil
}

// LifelineFromEnv opens the lifeline descriptor EnvLifeline names, if any.
func LifelineFromEnv(getenv func(string) string) (*os.File, error) {
	v := getenv(EnvLifeline)
	if v == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: want a descriptor number of 3 or more (set by the process that starts this one)", EnvLifeline, v)
	}
	// Not handed on to the processes this one starts: each gets its own.
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "lifeline"), nil
}

// ParseCPUs parses a core list such as "0-3,6".
func ParseCPUs(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b >= coord.MaxCores {
			return nil, fmt.Errorf("core list %q: bad part %q (want numbers and ranges such as 0-3,6)", s, part)
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// FormatCPUs is ParseCPUs' inverse, without ranges.
func FormatCPUs(cpus []int) string {
	parts := make([]string, len(cpus))
	for i, c := range cpus {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}
