package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes network to the harness.
var Workload = workloads.Workload{
	Name:        "network",
	Description: "call and data records per cell tower: load per window, and an allocate decision when it reaches the tower's capacity",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "towers", Default: "1000", Description: "cell towers, in [1, 100000]"},
	{Name: "zipf", Default: "1.1", Description: "Zipf exponent of the towers' loads, in (1, 5]"},
	{Name: "subscribers", Default: "100000", Description: "subscribers, in [1, 1000000]"},
	{Name: "window", Default: "1s", Description: "event-time window, in [1ms, 1h]"},
}

// AllocatePrefix starts the key of an allocate decision.
const AllocatePrefix = "allocate:"

// Kinds of record, and how often each comes, in percent.
var (
	Kinds     = []string{"voice", "sms", "data"}
	kindShare = []int{30, 20, 50}
)

var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Salts separate the hashes of one record's decisions.
const (
	saltSubscriber = 0x73756273 // "subs"
	saltKind       = 0x6b696e64 // "kind"
	saltSize       = 0x73697a65 // "size"
	rngSalt        = 0x63656c6c746f7772
)

// Instance is a configured network workload.
type Instance struct {
	cfg          workloads.Config
	events       workloads.EventClock
	params       map[string]string
	window       time.Duration
	towers       []string // tower ids by load rank, busiest first
	capacities   []int64  // by rank
	capacity     map[string]int64
	subscribers  int
	msinA, msinB uint64 // subscriber i's MSIN is 1e8 + (a*i + b) mod 9e8
	zipf         *draw.Zipf
	meanSize     float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the towers, their capacities and the subscribers from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("network", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	nTowers, err := ps.Int("towers", 1, 100_000)
	if err != nil {
		return nil, err
	}
	s, err := ps.Float("zipf", 1, 5)
	if err != nil {
		return nil, err
	}
	nSubs, err := ps.Int("subscribers", 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("network: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window,
		zipf: draw.NewZipf(nTowers, s), capacity: make(map[string]int64, nTowers)}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	perWindow := cfg.EventRate * window.Seconds()
	for len(in.towers) < nTowers {
		// MCC-MNC-LAC-CI, the global id of a GSM cell.
		id := fmt.Sprintf("310-260-%05d-%05d", 10000+rng.IntN(90000), 10000+rng.IntN(90000))
		if _, dup := in.capacity[id]; dup {
			continue
		}
		k := len(in.towers)
		expected := perWindow * in.zipf.P(k)
		c := int64(max(1, math.Round(expected*(0.8+0.45*rng.Float64()))))
		in.towers = append(in.towers, id)
		in.capacities = append(in.capacities, c)
		in.capacity[id] = c
	}
	// Subscriber numbers (IMSIs: country, network, then a 9-digit MSIN)
	// are an affine permutation of the subscriber's index, computed when
	// written rather than looked up in a table, so that a record does not
	// chase a pointer into a large table: the generator is in every
	// engine's read path.
	in.subscribers = nSubs
	for in.msinA = 1 + rng.Uint64N(msinSpace-1); gcd(in.msinA, msinSpace) != 1; in.msinA++ {
	}
	in.msinB = rng.Uint64N(msinSpace)
	var total int
	for g := range int64(1024) {
		total += len(in.text(in.cdr(g)))
	}
	in.meanSize = float64(total) / 1024
	return in, nil
}

// cdr is what the generator decides for record g of the stream.
type cdr struct {
	tower, subscriber, kind int
	bytes, duration         int64
}

func (in *Instance) cdr(g int64) cdr {
	seed := in.cfg.Seed
	c := cdr{tower: in.zipf.Pick(workloads.Mix(seed, g)),
		subscriber: draw.Uniform(workloads.Mix(seed^saltSubscriber, g), in.subscribers)}
	h := workloads.Mix(seed^saltKind, g)
	pct := draw.Uniform(h, 100)
	for c.kind = 0; pct >= kindShare[c.kind]; c.kind++ {
		pct -= kindShare[c.kind]
	}
	u := draw.Float(workloads.Mix(seed^saltSize, g))
	switch Kinds[c.kind] {
	case "voice":
		c.duration = 5 + int64(u*595)
	case "sms":
		c.bytes = 140
	case "data":
		c.bytes = int64(1024 * math.Exp(u*ln10000)) // 1 KiB to 10 MiB, log-uniform
		c.duration = 1 + int64(u*299)
	}
	return c
}

// Subscriber numbers: the IMSI's country and network codes, and the space
// of 9-digit MSINs.
const (
	imsiPrefix = "310260"
	msinSpace  = 900_000_000
	ln10000    = 9.210340371976184
)

// msin returns the 9-digit subscriber number of subscriber i.
func (in *Instance) msin(i int) uint64 { return 100_000_000 + (in.msinA*uint64(i)+in.msinB)%msinSpace }

// subscriber returns the IMSI of subscriber i.
func (in *Instance) subscriber(i int) string {
	return imsiPrefix + strconv.FormatUint(in.msin(i), 10)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// text writes a CDR as the record carries it.
func (in *Instance) text(c cdr) string {
	b := make([]byte, 0, 64)
	b = append(b, in.towers[c.tower]...)
	b = append(b, ',')
	b = append(b, imsiPrefix...)
	b = strconv.AppendUint(b, in.msin(c.subscriber), 10)
	b = append(b, ',')
	b = append(b, Kinds[c.kind]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, c.bytes, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, c.duration, 10)
	return string(b)
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	r.Value = in.text(in.cdr(g))
	r.EventTime = in.events.At(g)
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanSize }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Capacity returns a tower's capacity per window, in records: the static
// table every pipeline looks towers up in.
func (in *Instance) Capacity(tower string) (int64, bool) {
	c, ok := in.capacity[tower]
	return c, ok
}

// Crosses reports whether a load going from before to after records reached
// capacity: true for exactly one of a window's updates, however large its
// steps (a micro-batch adds many records at once).
func Crosses(capacity, before, after int64) bool { return before < capacity && after >= capacity }

// Window returns the start of the event-time window holding t.
func (in *Instance) Window(t int64) int64 { return workloads.WindowStart(t, in.window) }

// Expect implements workloads.Instance: the load of every tower per window,
// and an allocate decision for each window whose load reached the tower's
// capacity, from the generator's decisions.
func (in *Instance) Expect(published []int64) workloads.Expected {
	type towerWindow struct {
		tower  int
		window int64
	}
	loads := map[towerWindow]int64{}
	for p, n := range published {
		for o := range n {
			g := workloads.GlobalIndex(int32(p), o, in.cfg.Partitions)
			loads[towerWindow{in.cdr(g).tower, in.Window(in.events.At(g))}]++
		}
	}
	want := make(map[workloads.Key]int64, len(loads))
	for tw, load := range loads {
		want[workloads.Key{Key: in.towers[tw.tower], Window: tw.window}] = load
		if load >= in.capacities[tw.tower] {
			want[workloads.Key{Key: AllocatePrefix + in.towers[tw.tower], Window: tw.window}] = 1
		}
	}
	return workloads.Expected{Counts: want, Unit: "records and allocations"}
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Contract implements workloads.Contracted: an allocate decision is an
// event, one output per (tower, window) that crosses, never merged; the load
// per tower per window is a windowed count, whose updates may be merged.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{IsEvent: func(k workloads.Key) bool { return strings.HasPrefix(k.Key, AllocatePrefix) }}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("network", in, engine, opts)
}
