package trucking

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes trucking to the harness.
var Workload = workloads.Workload{
	Name:        "trucking",
	Description: "truck position events joined with road segments and planned routes: speeding and deviation alerts, violations per driver per window",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "trucks", Default: "100", Description: "trucks, each with its driver and route, in [1, 100000]"},
	{Name: "routes", Default: "20", Description: "planned routes, in [1, 10000]"},
	{Name: "segments", Default: "500", Description: "road segments, in [32, 1000000]"},
	{Name: "speeding-rate", Default: "0.02", Description: "fraction of events above the speed limit, in (0, 1]"},
	{Name: "deviation-rate", Default: "0.01", Description: "fraction of events off the planned route, in (0, 1]"},
	{Name: "window", Default: "10s", Description: "event-time window of the violation counts, in [1ms, 1h]"},
}

// Route lengths, in segments, how long a truck drives on each, and the
// widths of the numbers in route and truck ids.
const (
	minRoute      = 8
	maxRoute      = 16
	segmentMs     = 30_000
	routeIDDigits = 4
	truckIDDigits = 5
)

// Salts separate the hashes of one record's decisions.
const (
	saltDeviation = 0x64657669 // "devi"
	saltOffRoute  = 0x6f666672 // "offr"
	saltSpeeding  = 0x73706565 // "spee"
	saltSpeed     = 0x73706564 // "sped"
	rngSalt       = 0x747275636b696e67
)

// Speed limits, in km/h, that segments are drawn from.
var speedLimits = []int64{50, 60, 70, 80, 90, 100, 110, 120}

var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// truck is a truck of the fleet.
type truck struct {
	id, driver string
	route      int
	phase      int64 // where on its route it was at time 0, in segments
}

// Instance is a configured trucking workload.
type Instance struct {
	cfg       workloads.Config
	events    workloads.EventClock
	params    map[string]string
	window    time.Duration
	roads     *Roads
	segments  []string  // segment ids
	limits    []int64   // by segment
	routeIDs  []string  // route ids
	routes    [][]int32 // segments of each route, in driving order
	onRoute   [][]int32 // the same, sorted, for lookups
	trucks    []truck
	speeding  draw.Chance
	deviation draw.Chance
	meanSize  float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the road network, the routes and the fleet from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("trucking", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	nTrucks, err := ps.Int("trucks", 1, 100_000)
	if err != nil {
		return nil, err
	}
	nRoutes, err := ps.Int("routes", 1, 10_000)
	if err != nil {
		return nil, err
	}
	nSegments, err := ps.Int("segments", 2*maxRoute, 1_000_000)
	if err != nil {
		return nil, err
	}
	speeding, err := ps.Float("speeding-rate", 0, 1)
	if err != nil {
		return nil, err
	}
	deviation, err := ps.Float("deviation-rate", 0, 1)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("trucking: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window,
		speeding: draw.NewChance(speeding), deviation: draw.NewChance(deviation),
		roads: &Roads{limits: make(map[string]int64, nSegments), routes: make(map[string]map[string]struct{}, nRoutes)}}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	first := rng.IntN(1_000_000) // segment ids are consecutive from a drawn start
	for i := range nSegments {
		id := "S" + pad((first+i)%1_000_000, 6)
		limit := speedLimits[rng.IntN(len(speedLimits))]
		in.segments = append(in.segments, id)
		in.limits = append(in.limits, limit)
		in.roads.limits[id] = limit
	}
	for r := range nRoutes {
		id := "R" + pad(r, routeIDDigits)
		n := minRoute + rng.IntN(maxRoute-minRoute+1)
		segs := make([]int32, 0, n)
		set := make(map[string]struct{}, n)
		for len(segs) < n {
			s := int32(rng.IntN(nSegments))
			if _, dup := set[in.segments[s]]; !dup {
				segs = append(segs, s)
				set[in.segments[s]] = struct{}{}
			}
		}
		in.routeIDs = append(in.routeIDs, id)
		in.routes = append(in.routes, segs)
		in.onRoute = append(in.onRoute, slices.Sorted(slices.Values(segs)))
		in.roads.routes[id] = set
	}
	drivers := rng.Perm(max(90_000, nTrucks)) // distinct driver ids
	for t := range nTrucks {
		in.trucks = append(in.trucks, truck{id: "T" + pad(t, truckIDDigits), driver: "D" + strconv.Itoa(10_000+drivers[t]),
			route: rng.IntN(nRoutes), phase: int64(rng.IntN(maxRoute))})
	}
	var total int
	for g := range int64(1024) {
		total += len(in.text(in.event(g)))
	}
	in.meanSize = float64(total) / 1024
	return in, nil
}

// pad writes v with at least n digits.
func pad(v, n int) string {
	s := strconv.Itoa(v)
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// Roads returns the static tables every pipeline joins with.
func (in *Instance) Roads() *Roads { return in.roads }

// event is what the generator decides for record g of the stream.
type event struct {
	g                   int64
	truck, segment      int
	speed, timeMs       int64
	speeding, deviating bool
}

func (in *Instance) event(g int64) event {
	seed := in.cfg.Seed
	e := event{g: g, truck: draw.Uniform(workloads.Mix(seed, g), len(in.trucks)), timeMs: in.events.At(g) / 1e6}
	t := in.trucks[e.truck]
	route := in.routes[t.route]
	e.segment = int(route[(e.timeMs/segmentMs+t.phase)%int64(len(route))])
	if in.deviation.Hit(workloads.Mix(seed^saltDeviation, g)) {
		// A segment off the route: a drawn one, or the next that is off.
		e.deviating = true
		e.segment = draw.Uniform(workloads.Mix(seed^saltOffRoute, g), len(in.segments))
		for in.planned(t.route, e.segment) {
			e.segment = (e.segment + 1) % len(in.segments)
		}
	}
	limit := in.limits[e.segment]
	h := workloads.Mix(seed^saltSpeed, g)
	if e.speeding = in.speeding.Hit(workloads.Mix(seed^saltSpeeding, g)); e.speeding {
		e.speed = limit + 1 + int64(draw.Uniform(h, int(limit*2/5))) // up to 40% over
	} else {
		e.speed = limit/2 + int64(draw.Uniform(h, int(limit/2)+1)) // half to all of the limit
	}
	return e
}

func (in *Instance) planned(route, segment int) bool {
	_, found := slices.BinarySearch(in.onRoute[route], int32(segment))
	return found
}

// text writes an event as the record carries it.
func (in *Instance) text(e event) string {
	t := in.trucks[e.truck]
	b := make([]byte, 0, 64)
	b = append(b, 'e')
	b = strconv.AppendInt(b, e.g, 10)
	b = append(b, ',')
	b = append(b, t.id...)
	b = append(b, ',')
	b = append(b, t.driver...)
	b = append(b, ',')
	b = append(b, in.routeIDs[t.route]...)
	b = append(b, ',')
	b = append(b, in.segments[e.segment]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, e.speed, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, e.timeMs, 10)
	return string(b)
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	e := in.event(workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions))
	r.Value = in.text(e)
	r.EventTime = e.timeMs * 1e6
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanSize }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Window returns the start of the event-time window holding t.
func (in *Instance) Window(t int64) int64 { return workloads.WindowStart(t, in.window) }

// Expect implements workloads.Instance: an alert per planted violation and
// the violations of each driver per window, from the generator's decisions.
func (in *Instance) Expect(published []int64) workloads.Expected {
	want := make(map[workloads.Key]int64)
	for p, n := range published {
		for o := range n {
			e := in.event(workloads.GlobalIndex(int32(p), o, in.cfg.Partitions))
			t := in.trucks[e.truck]
			violations := workloads.Key{Key: ViolationsPrefix + t.driver, Window: in.Window(e.timeMs * 1e6)}
			if e.speeding {
				want[workloads.Key{Key: SpeedingPrefix + t.id + ":" + ID(e.g)}] = 1
				want[violations]++
			}
			if e.deviating {
				want[workloads.Key{Key: DeviationPrefix + t.id + ":" + ID(e.g)}] = 1
				want[violations]++
			}
		}
	}
	return workloads.Expected{Counts: want, Unit: "violations"}
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Contract implements workloads.Contracted: a speeding or deviation alert is
// an event, one output per violating event, never merged; the violations per
// driver per window are a windowed count, whose updates may be merged.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{IsEvent: func(k workloads.Key) bool {
		return strings.HasPrefix(k.Key, SpeedingPrefix) || strings.HasPrefix(k.Key, DeviationPrefix)
	}}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("trucking", in, engine, opts)
}
