package ads

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

// Workload describes ads to the harness.
var Workload = workloads.Workload{
	Name:        "ads",
	Description: "the Yahoo Streaming Benchmark: ad views joined to campaigns, counted per campaign per 10 s window",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "campaigns", Default: "100", Description: "campaigns, in [1, 100000]"},
	{Name: "ads-per-campaign", Default: "10", Description: "ads of each campaign, in [1, 1000]"},
	{Name: "window", Default: "10s", Description: "event-time window, in [1ms, 1h]"},
	{Name: "users", Default: "10000", Description: "distinct user and page ids, in [1, 1000000]"},
}

// The event types and ad types of the Yahoo benchmark.
var (
	EventTypes = []string{"view", "click", "purchase"}
	AdTypes    = []string{"banner", "modal", "sponsored-search", "mail", "mobile"}
)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Instance is a configured ads workload.
type Instance struct {
	cfg    workloads.Config
	events workloads.EventClock
	params map[string]string
	window time.Duration
	ads    []string          // ad ids; ad i belongs to campaign i / adsPerCampaign
	camps  []string          // campaign ids
	join   map[string]string // ad id -> campaign id: the static table
	users  []string
	pages  []string
	perAd  int
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the campaign table and the id pools from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("ads", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	nc, err := ps.Int("campaigns", 1, 100_000)
	if err != nil {
		return nil, err
	}
	perAd, err := ps.Int("ads-per-campaign", 1, 1000)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	nu, err := ps.Int("users", 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("ads: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7961686f6f616473)) // "yahooads"
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window, perAd: perAd,
		camps: uuids(rng, nc), ads: uuids(rng, nc*perAd), users: uuids(rng, nu), pages: uuids(rng, nu)}
	in.join = make(map[string]string, len(in.ads))
	for i, ad := range in.ads {
		in.join[ad] = in.camps[i/perAd]
	}
	return in, nil
}

// uuids draws n random version-4 UUIDs.
func uuids(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		a, b := rng.Uint64(), rng.Uint64()
		a = a&^0xf000 | 0x4000     // version 4
		b = b&^(0xc<<60) | 0x8<<60 // variant 10
		s := fmt.Sprintf("%016x%016x", a, b)
		out[i] = s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
	}
	return out
}

// event is what the generator decides for record g of the stream.
type event struct {
	user, page, ad, adType, eventType int
	timeMs                            int64
}

func (in *Instance) event(g int64) event {
	h := workloads.Mix(in.cfg.Seed, g)
	h2 := workloads.Mix(in.cfg.Seed^0x5bd1e995, g)
	return event{
		ad:        int(h % uint64(len(in.ads))),
		eventType: int((h >> 32) % 3),
		adType:    int((h >> 40) % 5),
		user:      int(h2 % uint64(len(in.users))),
		page:      int((h2 >> 32) % uint64(len(in.pages))),
		timeMs:    in.events.At(g) / 1e6,
	}
}

// Fill implements workloads.Instance: the event as the Yahoo benchmark's
// generator writes it.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	e := in.event(g)
	b := make([]byte, 0, 208)
	b = append(b, `{"user_id":"`...)
	b = append(b, in.users[e.user]...)
	b = append(b, `","page_id":"`...)
	b = append(b, in.pages[e.page]...)
	b = append(b, `","ad_id":"`...)
	b = append(b, in.ads[e.ad]...)
	b = append(b, `","ad_type":"`...)
	b = append(b, AdTypes[e.adType]...)
	b = append(b, `","event_type":"`...)
	b = append(b, EventTypes[e.eventType]...)
	b = append(b, `","event_time":"`...)
	b = strconv.AppendInt(b, e.timeMs, 10)
	b = append(b, `","ip_address":"1.2.3.4"}`...)
	r.Value = string(b)
	r.EventTime = e.timeMs * 1e6
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return 189 }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Campaign returns the campaign of an ad: the static join.
func (in *Instance) Campaign(adID string) (string, bool) {
	c, ok := in.join[adID]
	return c, ok
}

// Window returns the start of the event-time window holding a time in
// milliseconds, in nanoseconds as outputs carry it.
func (in *Instance) Window(timeMs int64) int64 {
	return workloads.WindowStart(timeMs*1e6, in.window)
}

// Expect implements workloads.Instance: views per campaign per window,
// counted from the generator's decisions.
func (in *Instance) Expect(published []int64) workloads.Expected {
	want := make(map[workloads.Key]int64)
	for p, n := range published {
		for o := range n {
			e := in.event(workloads.GlobalIndex(int32(p), o, in.cfg.Partitions))
			if e.eventType != 0 {
				continue
			}
			want[workloads.Key{Key: in.camps[e.ad/in.perAd], Window: in.Window(e.timeMs)}]++
		}
	}
	return workloads.Expected{Counts: want, Unit: "views"}
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("ads", in, engine, opts)
}

// Event is the projection of an ad event the job needs.
type Event struct {
	AdID      string
	EventType string
	TimeMs    int64
}

// Parse extracts ad_id, event_type and event_time from an event's JSON. It
// reads the flat objects the generator writes (string values, no escapes)
// without allocating, and reports false for anything else.
func Parse(s string) (Event, bool) {
	var e Event
	var ok bool
	if e.AdID, ok = field(s, `"ad_id":"`); !ok {
		return e, false
	}
	if e.EventType, ok = field(s, `"event_type":"`); !ok {
		return e, false
	}
	t, ok := field(s, `"event_time":"`)
	if !ok {
		return e, false
	}
	ms, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return e, false
	}
	e.TimeMs = ms
	return e, true
}

// field returns the string value that follows key, up to its closing quote.
func field(s, key string) (string, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	rest := s[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 || strings.IndexByte(rest[:j], '\\') >= 0 {
		return "", false
	}
	return rest[:j], true
}
