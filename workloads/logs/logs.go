package logs

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes logs to the harness.
var Workload = workloads.Workload{
	Name:        "logs",
	Description: "application log lines: errors and lines per service per window, and an anomaly flag against the service's moving baseline",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "services", Default: "50", Description: "services logging, in [1, 10000]"},
	{Name: "zipf", Default: "1.1", Description: "Zipf exponent of the services' volumes, in (1, 5]"},
	{Name: "window", Default: "10s", Description: "event-time window, in [1ms, 1h]"},
	{Name: "factor", Default: "3", Description: "flag a window whose error rate exceeds this times the baseline's, in (1, 100], to 3 decimals"},
	{Name: "baseline-windows", Default: "5", Description: "earlier windows (with lines) of the baseline, in [1, 100]"},
	{Name: "incident-rate", Default: "0.05", Description: "fraction of (service, window) with a planted incident, in (0, 1]"},
	{Name: "incident-factor", Default: "10", Description: "how many times an incident multiplies the error rate, in (1, 1000]"},
}

// Keys of the outputs start with these, followed by the service.
const (
	LinesPrefix   = "lines:"
	ErrorsPrefix  = "errors:"
	AnomalyPrefix = "anomaly:"
)

// Levels other than ERROR, with their share of the other lines, in percent.
var (
	levels     = []string{"DEBUG", "INFO", "WARN"}
	levelShare = []int{10, 75, 15}
)

// messages per level, ERROR last.
var messages = [][]string{
	{"cache lookup key=session:4411 hit", "entering handler /api/v2/items", "pool stats idle=12 busy=4", "retrying dns lookup"},
	{"request served in 12 ms", "GET /api/v2/items 200", "POST /api/v2/orders 201", "user signed in", "config reloaded", "health check ok"},
	{"slow query took 812 ms", "retrying after 429 from upstream", "disk usage at 81%", "deprecated header X-Api-Version"},
	{"connection reset by peer", "timeout after 30000 ms calling inventory", "upstream returned 503", "database deadlock detected",
		"nil pointer dereference in handler", "failed to commit offset"},
}

// serviceNames are the first names given to services; more get a number.
var serviceNames = []string{"checkout", "payments", "inventory", "search", "auth", "cart", "shipping", "catalog",
	"reviews", "recommendations", "gateway", "billing", "notifications", "profile", "orders", "pricing"}

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Salts separate the hashes of one record's decisions.
const (
	saltError    = 0x6572726f72 // "error"
	saltLevel    = 0x6c6576656c // "level"
	saltMessage  = 0x6d657373   // "mess"
	saltIncident = 0x696e6369   // "inci"
	rngSalt      = 0x6c6f67736c6f6773
)

// Instance is a configured logs workload.
type Instance struct {
	cfg       workloads.Config
	events    workloads.EventClock
	params    map[string]string
	window    time.Duration
	detector  Detector
	services  []string
	errorRate []draw.Chance // by service: ordinary and during an incident
	incidentE []draw.Chance
	incident  draw.Chance
	zipf      *draw.Zipf
	meanSize  float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the services and their error rates from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("logs", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	n, err := ps.Int("services", 1, 10_000)
	if err != nil {
		return nil, err
	}
	s, err := ps.Float("zipf", 1, 5)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	factor, err := ps.Float("factor", 1, 100)
	if err != nil {
		return nil, err
	}
	baseline, err := ps.Int("baseline-windows", 1, 100)
	if err != nil {
		return nil, err
	}
	incidents, err := ps.Float("incident-rate", 0, 1)
	if err != nil {
		return nil, err
	}
	multiplier, err := ps.Float("incident-factor", 1, 1000)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("logs: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window, zipf: draw.NewZipf(n, s),
		detector: Detector{FactorMilli: int64(math.Round(factor * 1000)), Windows: baseline}, incident: draw.NewChance(incidents)}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	for i := range n {
		name := serviceNames[i%len(serviceNames)]
		if i >= len(serviceNames) {
			name += "-" + strconv.Itoa(i/len(serviceNames))
		}
		in.services = append(in.services, name)
		// Ordinary error rates are log-uniform from 0.2% to 5%.
		p := 0.002 * math.Pow(25, rng.Float64())
		in.errorRate = append(in.errorRate, draw.NewChance(p))
		in.incidentE = append(in.incidentE, draw.NewChance(min(1, p*multiplier)))
	}
	// Services are ranked by volume in a drawn order, so the busiest is not
	// always checkout.
	rng.Shuffle(n, func(i, j int) {
		in.services[i], in.services[j] = in.services[j], in.services[i]
		in.errorRate[i], in.errorRate[j] = in.errorRate[j], in.errorRate[i]
		in.incidentE[i], in.incidentE[j] = in.incidentE[j], in.incidentE[i]
	})
	var total int
	for g := range int64(1024) {
		total += len(in.text(in.line(g)))
	}
	in.meanSize = float64(total) / 1024
	return in, nil
}

// Detector returns the anomaly detector every pipeline runs.
func (in *Instance) Detector() Detector { return in.detector }

// line is what the generator decides for record g of the stream.
type line struct {
	timeMs   int64
	service  int
	level    int // into levels, or len(levels) for ERROR
	message  int
	incident bool
}

func (in *Instance) line(g int64) line {
	seed := in.cfg.Seed
	l := line{timeMs: in.events.At(g) / 1e6, service: in.zipf.Pick(workloads.Mix(seed, g))}
	l.incident = in.incidentAt(l.service, in.Window(l.timeMs*1e6))
	chance := in.errorRate[l.service]
	if l.incident {
		chance = in.incidentE[l.service]
	}
	if chance.Hit(workloads.Mix(seed^saltError, g)) {
		l.level = len(levels)
	} else {
		pct := draw.Uniform(workloads.Mix(seed^saltLevel, g), 100)
		for l.level = 0; pct >= levelShare[l.level]; l.level++ {
			pct -= levelShare[l.level]
		}
	}
	l.message = draw.Uniform(workloads.Mix(seed^saltMessage, g), len(messages[l.level]))
	return l
}

// incidentAt reports whether the generator planted an incident in a
// service's window: a hash of (seed, service, window), so that every line of
// the window agrees.
func (in *Instance) incidentAt(service int, window int64) bool {
	idx := window / int64(in.window)
	return in.incident.Hit(workloads.Mix(in.cfg.Seed^saltIncident^uint64(service)*0x9e3779b97f4a7c15, idx))
}

func (in *Instance) levelName(level int) string {
	if level == len(levels) {
		return "ERROR"
	}
	return levels[level]
}

// text writes a log line as the record carries it.
func (in *Instance) text(l line) string {
	b := make([]byte, 0, 96)
	b = appendTimestamp(b, l.timeMs)
	b = append(b, ' ')
	b = append(b, in.levelName(l.level)...)
	b = append(b, ' ')
	b = append(b, in.services[l.service]...)
	b = append(b, ' ')
	b = append(b, messages[l.level][l.message]...)
	return string(b)
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	l := in.line(workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions))
	r.Value = in.text(l)
	r.EventTime = l.timeMs * 1e6
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanSize }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Window returns the start of the event-time window holding t.
func (in *Instance) Window(t int64) int64 { return workloads.WindowStart(t, in.window) }

// Expect implements workloads.Instance: lines and errors per service per
// window, counted from the generator's decisions, and every window's
// anomaly flag, judged over the final counts with exact rational arithmetic
// (math/big), a check on the pipelines' 128-bit integer comparison.
func (in *Instance) Expect(published []int64) workloads.Expected {
	type counts struct{ lines, errors int64 }
	services := make([]map[int64]*counts, len(in.services))
	for p, n := range published {
		for o := range n {
			l := in.line(workloads.GlobalIndex(int32(p), o, in.cfg.Partitions))
			w := in.Window(l.timeMs * 1e6)
			if services[l.service] == nil {
				services[l.service] = map[int64]*counts{}
			}
			c := services[l.service][w]
			if c == nil {
				c = &counts{}
				services[l.service][w] = c
			}
			c.lines++
			if l.level == len(levels) {
				c.errors++
			}
		}
	}
	want := workloads.Expected{Counts: map[workloads.Key]int64{}, Exact: map[workloads.Key]int64{}, Unit: "lines and errors"}
	factor := big.NewRat(in.detector.FactorMilli, 1000)
	for s, windows := range services {
		name := in.services[s]
		starts := make([]int64, 0, len(windows))
		for w, c := range windows {
			starts = append(starts, w)
			want.Counts[workloads.Key{Key: LinesPrefix + name, Window: w}] = c.lines
			if c.errors > 0 {
				want.Counts[workloads.Key{Key: ErrorsPrefix + name, Window: w}] = c.errors
			}
		}
		slices.Sort(starts)
		for i, w := range starts {
			flag := int64(0)
			if i > 0 {
				var errs, lines int64
				for _, b := range starts[max(0, i-in.detector.Windows):i] {
					errs += windows[b].errors
					lines += windows[b].lines
				}
				rate := big.NewRat(windows[w].errors, windows[w].lines)
				limit := new(big.Rat).Mul(factor, big.NewRat(errs, lines))
				if rate.Cmp(limit) > 0 {
					flag = 1
				}
			}
			want.Exact[workloads.Key{Key: AnomalyPrefix + name, Window: w}] = flag
		}
	}
	return want
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("logs", in, engine, opts)
}
