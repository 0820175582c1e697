package fraud

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes fraud to the harness.
var Workload = workloads.Workload{
	Name:        "fraud",
	Description: "card transactions checked per card against amount, velocity and travel rules; one alert per flagged transaction",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "cards", Default: "10000", Description: "cards, in [partitions, 1000000]"},
	{Name: "events-per-second", Default: "1000", Description: "transactions per second of event time, whatever the offered rate, in (0, 10000000]"},
	{Name: "amount-factor", Default: "5", Description: "amount rule: flag more than this times the card's mean amount, in [2, 100]"},
	{Name: "min-history", Default: "5", Description: "amount rule: previous transactions a card needs first, in [1, 1000]"},
	{Name: "velocity-count", Default: "5", Description: "velocity rule: flag the n-th transaction within velocity-window, in [2, 100]"},
	{Name: "velocity-window", Default: "2s", Description: "velocity rule: event-time span, in [1ms, 24h]"},
	{Name: "travel-window", Default: "1h", Description: "travel rule: flag another country within this of the previous transaction, in [1s, 720h]"},
	{Name: "amount-rate", Default: "0.002", Description: "fraction of transactions with a planted amount spike, in (0, 1]"},
	{Name: "velocity-rate", Default: "0.002", Description: "fraction of transactions that start a planted burst, in (0, 1]"},
	{Name: "country-rate", Default: "0.002", Description: "fraction of transactions planted abroad, in (0, 1]"},
}

var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Countries transactions happen in.
var Countries = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "CA",
	"MX", "BR", "AR", "JP", "KR", "CN", "IN", "AU", "ZA", "NG"}

// Salts separate the hashes of one record's decisions.
const (
	saltCard     = 0x63617264 // "card"
	saltBurst    = 0x62757273 // "burs"
	saltSpike    = 0x7370696b // "spik"
	saltAmount   = 0x616d6f75 // "amou"
	saltAbroad   = 0x61627264 // "abrd"
	saltMerchant = 0x6d657263 // "merc"
	saltCountry  = 0x636e7472 // "cntr"
	rngSalt      = 0x6672617564000000
	merchants    = 5000
)

// Instance is a configured fraud workload.
type Instance struct {
	cfg       workloads.Config
	clock     workloads.EventClock // fraud's own event clock
	params    map[string]string
	rules     Rules
	numbers   []string // card numbers by card index
	home      []int    // home country by card
	base      []int64  // usual amount in cents by card
	merchants []string
	spike     draw.Chance
	burst     draw.Chance
	abroad    draw.Chance
	meanSize  float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the cards and merchants from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("fraud", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 {
		return nil, fmt.Errorf("fraud: partitions must be at least 1, got %d", cfg.Partitions)
	}
	cards, err := ps.Int("cards", cfg.Partitions, 1_000_000)
	if err != nil {
		return nil, fmt.Errorf("%w (every partition holds its own cards)", err)
	}
	eps, err := ps.Float("events-per-second", 0, 1e7)
	if err != nil {
		return nil, err
	}
	var r Rules
	factor, err := ps.Int("amount-factor", 2, 100)
	if err != nil {
		return nil, err
	}
	minHistory, err := ps.Int("min-history", 1, 1000)
	if err != nil {
		return nil, err
	}
	if r.VelocityCount, err = ps.Int("velocity-count", 2, 100); err != nil {
		return nil, err
	}
	vw, err := ps.Duration("velocity-window", time.Millisecond, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	tw, err := ps.Duration("travel-window", time.Second, 720*time.Hour)
	if err != nil {
		return nil, err
	}
	r.AmountFactor, r.MinHistory = int64(factor), int64(minHistory)
	r.VelocityWindowMs, r.TravelWindowMs = vw.Milliseconds(), tw.Milliseconds()
	rates := make([]float64, 3)
	for i, name := range []string{"amount-rate", "velocity-rate", "country-rate"} {
		if rates[i], err = ps.Float(name, 0, 1); err != nil {
			return nil, err
		}
	}
	// A planted burst is velocity-count consecutive records of one
	// partition: it must fit in the velocity window to be caught.
	span := time.Duration(float64(r.VelocityCount-1) * float64(cfg.Partitions) / eps * 1e9)
	if span+time.Millisecond > vw {
		return nil, fmt.Errorf("fraud: a planted burst of velocity-count=%d spans %v of event time at %d partitions and events-per-second=%g, more than velocity-window=%v; raise velocity-window or events-per-second",
			r.VelocityCount, span, cfg.Partitions, eps, vw)
	}

	in := &Instance{cfg: cfg, params: ps.Values(), rules: r,
		clock: workloads.Config{EventStart: cfg.EventStart, EventRate: eps}.EventClock(),
		spike: draw.NewChance(rates[0]), burst: draw.NewChance(rates[1]), abroad: draw.NewChance(rates[2])}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	seen := make(map[string]bool, cards)
	b := make([]byte, 16)
	for len(in.numbers) < cards {
		b[0] = '4' // a Visa-like number
		for i := 1; i < 16; i++ {
			b[i] = byte('0' + rng.IntN(10))
		}
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		in.numbers = append(in.numbers, string(b))
		in.home = append(in.home, rng.IntN(len(Countries)))
		// Usual amounts are log-normal around $40, from $1 to $5,000.
		usual := math.Exp(math.Log(4000) + 0.8*rng.NormFloat64())
		in.base = append(in.base, int64(max(100, min(500000, usual))))
	}
	in.merchants = make([]string, merchants)
	for i := range in.merchants {
		in.merchants[i] = "m" + strconv.Itoa(100000+rng.IntN(900000))
	}
	var total int
	for o := range int64(1024) {
		total += len(in.text(in.txn(int32(o)%int32(cfg.Partitions), o/int64(cfg.Partitions))))
	}
	in.meanSize = float64(total) / 1024
	return in, nil
}

// Rules returns the rules every pipeline checks.
func (in *Instance) Rules() Rules { return in.rules }

// txn is what the generator decides for the record at (p, o).
type txn struct {
	g        int64
	card     int
	amount   int64
	country  int
	merchant int
	timeMs   int64
	// The patterns planted in it.
	spike, burst, abroad bool
}

// pick returns the card record (p, o) draws among partition p's cards: p,
// p+P, p+2P, ...
func (in *Instance) pick(p int32, o int64) int {
	P := in.cfg.Partitions
	cards := (len(in.numbers) - int(p) + P - 1) / P
	h := workloads.Mix(in.cfg.Seed^saltCard, workloads.GlobalIndex(p, o, P))
	return int(p) + P*draw.Uniform(h, cards)
}

// cardOf returns the card of record (p, o), and whether a planted burst
// gave it: the records o..o+velocity-count-1 after a burst starts at o go to
// the card o drew. Among overlapping bursts the earliest wins, so a burst is
// never cut short by a later one. It costs velocity-count hashes.
func (in *Instance) cardOf(p int32, o int64) (int, bool) {
	for d := int64(in.rules.VelocityCount - 1); d >= 0; d-- {
		s := o - d
		if s >= 0 && in.burst.Hit(workloads.Mix(in.cfg.Seed^saltBurst, workloads.GlobalIndex(p, s, in.cfg.Partitions))) {
			return in.pick(p, s), true
		}
	}
	return in.pick(p, o), false
}

func (in *Instance) txn(p int32, o int64) txn {
	seed := in.cfg.Seed
	g := workloads.GlobalIndex(p, o, in.cfg.Partitions)
	t := txn{g: g, timeMs: in.clock.At(g) / 1e6, merchant: draw.Uniform(workloads.Mix(seed^saltMerchant, g), merchants)}
	t.card, t.burst = in.cardOf(p, o)
	base := in.base[t.card]
	u := draw.Float(workloads.Mix(seed^saltAmount, g))
	if t.spike = in.spike.Hit(workloads.Mix(seed^saltSpike, g)); t.spike {
		t.amount = int64(float64(base*in.rules.AmountFactor) * (2 + u))
	} else {
		t.amount = max(1, int64(float64(base)*(0.5+u)))
	}
	t.country = in.home[t.card]
	if in.abroad.Hit(workloads.Mix(seed^saltAbroad, g)) {
		t.abroad = true
		far := draw.Uniform(workloads.Mix(seed^saltCountry, g), len(Countries)-1)
		t.country = (t.country + 1 + far) % len(Countries)
	}
	return t
}

// ID returns the txn id of record g of the stream.
func ID(g int64) string { return "tx" + strconv.FormatInt(g, 10) }

// text writes a transaction as the record carries it.
func (in *Instance) text(t txn) string {
	b := make([]byte, 0, 64)
	b = append(b, "tx"...)
	b = strconv.AppendInt(b, t.g, 10)
	b = append(b, ',')
	b = append(b, in.numbers[t.card]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, t.amount, 10)
	b = append(b, ',')
	b = append(b, Countries[t.country]...)
	b = append(b, ',')
	b = append(b, in.merchants[t.merchant]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, t.timeMs, 10)
	return string(b)
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	t := in.txn(r.Partition, r.Offset)
	r.Value = in.text(t)
	r.EventTime = t.timeMs * 1e6
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanSize }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Contract implements workloads.Contracted: every output is an alert event,
// one per flagged transaction; nothing may be merged.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{IsEvent: workloads.AllEvents}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("fraud", in, engine, opts)
}

// AlertOutput returns the event a flagged transaction becomes: keyed by its
// txn id, one per transaction whatever rules it broke.
func AlertOutput(t Txn, r *engines.Record) engines.Output {
	return engines.Output{Key: t.ID, Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
}
