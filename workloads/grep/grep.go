package grep

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes grep to the harness.
var Workload = workloads.Workload{
	Name:        "grep",
	Description: "100-byte lines of random words: output those holding a pattern, and the matches per window (the D-Streams paper's Grep)",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "pattern", Default: "needle", Description: "the fixed string searched for: 1 to 64 printable ASCII bytes, not only spaces"},
	{Name: "match-rate", Default: "0.01", Description: "fraction of records holding the pattern, in (0, 1]"},
	{Name: "record-bytes", Default: "100", Description: "bytes per record, in [max(16, pattern length), 65536]"},
	{Name: "lines", Default: "4096", Description: "distinct lines without the pattern, in [1, 1048576]"},
	{Name: "matching-lines", Default: "256", Description: "distinct lines holding the pattern, in [1, 65536]"},
	{Name: "window", Default: "10s", Description: "event-time window of the match count, in [1ms, 1h]"},
}

// MatchesKey is the key of the per-window match count.
const MatchesKey = "matches"

var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Salts separate the hashes of one record's decisions.
const (
	saltLine = 0x6c696e65 // "line"
	rngSalt  = 0x6772657072656370
)

// Instance is a configured grep workload.
type Instance struct {
	cfg      workloads.Config
	events   workloads.EventClock
	params   map[string]string
	window   time.Duration
	matcher  Matcher
	match    draw.Chance
	lines    []string // lines without the pattern
	matching []string // lines holding it
	size     int
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the two line tables from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("grep", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	pattern := ps.Values()["pattern"]
	if !validPattern(pattern) {
		return nil, fmt.Errorf("workload grep: parameter pattern=%q must be 1 to 64 printable ASCII bytes, not only spaces", pattern)
	}
	rate, err := ps.Float("match-rate", 0, 1)
	if err != nil {
		return nil, err
	}
	size, err := ps.Int("record-bytes", max(16, len(pattern)), 1<<16)
	if err != nil {
		return nil, err
	}
	nLines, err := ps.Int("lines", 1, 1<<20)
	if err != nil {
		return nil, err
	}
	nMatching, err := ps.Int("matching-lines", 1, 1<<16)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("grep: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window,
		matcher: NewMatcher(pattern), match: draw.NewChance(rate), size: size}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	vocab := draw.Words(rng, 1000, 2, 9)
	b := make([]byte, 0, size)
	// Lines without the pattern: random text, redrawn while it holds the
	// pattern by chance. A pattern that random text holds most of the time
	// ("e") cannot be planted at a known rate; say so rather than loop:
	// give up once fewer than one draw in 64 has been free of it.
	for tries := 0; len(in.lines) < nLines; tries++ {
		if tries > 64*(len(in.lines)+16) {
			return nil, fmt.Errorf("workload grep: parameter pattern=%q occurs by chance in most random lines of %d bytes; choose a longer or rarer pattern", pattern, size)
		}
		b = draw.Text(b[:0], rng, vocab, size)
		if !strings.Contains(string(b), pattern) {
			in.lines = append(in.lines, string(b))
		}
	}
	// Lines holding it: random text with the pattern written over it at a
	// random place (it may run into the words around it, which grep -F
	// does not mind).
	for range nMatching {
		b = draw.Text(b[:0], rng, vocab, size)
		at := rng.IntN(size - len(pattern) + 1)
		copy(b[at:], pattern)
		in.matching = append(in.matching, string(b))
	}
	return in, nil
}

func validPattern(p string) bool {
	if len(p) < 1 || len(p) > 64 || strings.Trim(p, " ") == "" {
		return false
	}
	for i := range len(p) {
		if p[i] < ' ' || p[i] > '~' {
			return false
		}
	}
	return true
}

// line returns the line record g of the stream carries, and whether the
// generator planted the pattern in it.
func (in *Instance) line(g int64) (string, bool) {
	pick := workloads.Mix(in.cfg.Seed^saltLine, g)
	if in.match.Hit(workloads.Mix(in.cfg.Seed, g)) {
		return in.matching[draw.Uniform(pick, len(in.matching))], true
	}
	return in.lines[draw.Uniform(pick, len(in.lines))], false
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	r.Value, _ = in.line(g)
	r.EventTime = in.events.At(g)
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return float64(in.size) }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Matcher returns the matcher every pipeline searches with.
func (in *Instance) Matcher() Matcher { return in.matcher }

// Window returns the start of the event-time window holding t.
func (in *Instance) Window(t int64) int64 { return workloads.WindowStart(t, in.window) }

// Expect implements workloads.Instance: how often each matching line was
// published, and the matches per window, from the generator's decisions.
func (in *Instance) Expect(published []int64) workloads.Expected {
	want := make(map[workloads.Key]int64)
	for p, n := range published {
		for o := range n {
			g := workloads.GlobalIndex(int32(p), o, in.cfg.Partitions)
			line, planted := in.line(g)
			if !planted {
				continue
			}
			want[workloads.Key{Key: line}]++
			want[workloads.Key{Key: MatchesKey, Window: in.Window(in.events.At(g))}]++
		}
	}
	return workloads.Expected{Counts: want, Unit: "matches"}
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Contract implements workloads.Contracted: a matching line is an event,
// one output per line, never merged; the matches per window are a windowed
// count, whose updates may be merged.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{IsEvent: func(k workloads.Key) bool { return k.Key != MatchesKey }}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("grep", in, engine, opts)
}

// MatchEvent returns the event a matching record becomes: keyed by the line,
// so the sink counts each distinct line.
func MatchEvent(r *engines.Record) engines.Output {
	return engines.Output{Key: r.Value, Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
}
