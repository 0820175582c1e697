package hashtags

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/draw"
)

// Workload describes hashtags to the harness.
var Workload = workloads.Workload{
	Name:        "hashtags",
	Description: "tweets with Zipf hashtags: drop spam users (a static join), count tags per window, rank the top 10",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "hashtags", Default: "10000", Description: "hashtag vocabulary, in [1, 1000000]"},
	{Name: "zipf", Default: "1.2", Description: "Zipf exponent of hashtag frequencies, in (1, 5]"},
	{Name: "users", Default: "100000", Description: "users, in [1, 1000000]"},
	{Name: "user-zipf", Default: "1.1", Description: "Zipf exponent of tweets per user, in (1, 5]"},
	{Name: "spam-users", Default: "0.05", Description: "fraction of users on the spam list, in (0, 1]"},
	{Name: "tags-per-tweet", Default: "3", Description: "most hashtags in a tweet (each has 1 to this many), in [1, 10]"},
	{Name: "window", Default: "10s", Description: "event-time window, in [1ms, 1h]"},
}

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"microbatch": microbatchPipeline,
	"trident":    tridentPipeline,
}

// Salts separate the hashes of one record's decisions.
const (
	saltBody = 0x626f6479 // "body"
	saltTags = 0x74616773 // "tags"
	saltTag  = 0x23746167 // "#tag", plus the tag's place in the tweet
	rngSalt  = 0x7477656574730000
	bodies   = 4096
)

// Instance is a configured hashtags workload.
type Instance struct {
	cfg      workloads.Config
	events   workloads.EventClock
	params   map[string]string
	window   time.Duration
	nUsers   int
	userA    int // user rank k is user<(userA*k + userB) mod nUsers>
	userB    int
	spam     []bool // by user rank
	spamSet  map[string]struct{}
	tags     []string // "#tag" by rank, most frequent first
	bodies   []string
	userZipf *draw.Zipf
	tagZipf  *draw.Zipf
	maxTags  int
	meanSize float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the users, the spam list, the hashtags and the tweet bodies from
// cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("hashtags", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	nTags, err := ps.Int("hashtags", 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	s, err := ps.Float("zipf", 1, 5)
	if err != nil {
		return nil, err
	}
	nUsers, err := ps.Int("users", 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	us, err := ps.Float("user-zipf", 1, 5)
	if err != nil {
		return nil, err
	}
	spamFraction, err := ps.Float("spam-users", 0, 1)
	if err != nil {
		return nil, err
	}
	maxTags, err := ps.Int("tags-per-tweet", 1, 10)
	if err != nil {
		return nil, err
	}
	window, err := ps.Duration("window", time.Millisecond, time.Hour)
	if err != nil {
		return nil, err
	}
	if cfg.Partitions < 1 || cfg.EventRate <= 0 {
		return nil, fmt.Errorf("hashtags: partitions %d and event rate %g must be positive", cfg.Partitions, cfg.EventRate)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, rngSalt))
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values(), window: window, maxTags: maxTags,
		userZipf: draw.NewZipf(nUsers, us), tagZipf: draw.NewZipf(nTags, s), spamSet: map[string]struct{}{}}

	// User ids are the ranks shuffled by an affine permutation, so the most
	// active user is not user0 and no id repeats. They are computed when a
	// tweet is written, not looked up in a table of names, so that the
	// generator, which is in every engine's read path, does not chase a
	// pointer into a large table per record.
	in.nUsers = nUsers
	in.userA = 1 + rng.IntN(max(1, nUsers-1))
	for gcd(in.userA, nUsers) != 1 {
		in.userA = 1 + rng.IntN(max(1, nUsers-1))
	}
	in.userB = rng.IntN(nUsers)
	in.spam = make([]bool, nUsers)
	for k := range in.spam {
		if rng.Float64() < spamFraction {
			in.spam[k] = true
			in.spamSet[in.userName(k)] = struct{}{}
		}
	}
	in.tags = draw.Words(rng, nTags, 3, 12)
	for k := range in.tags {
		in.tags[k] = "#" + in.tags[k]
	}
	vocab := draw.Words(rng, 2000, 1, 9)
	in.bodies = make([]string, bodies)
	var text []byte
	for k := range in.bodies {
		text = text[:0]
		for w := range 3 + rng.IntN(10) {
			if w > 0 {
				text = append(text, ' ')
			}
			text = append(text, vocab[rng.IntN(len(vocab))]...)
		}
		in.bodies[k] = string(text)
	}
	var total int
	for g := range int64(1024) {
		total += len(in.text(in.tweet(g)))
	}
	in.meanSize = float64(total) / 1024
	return in, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// tweet is what the generator decides for record g of the stream.
type tweet struct {
	user  int
	body  int
	ntags int
	tags  [10]int32
}

func (in *Instance) tweet(g int64) tweet {
	seed := in.cfg.Seed
	t := tweet{
		user:  in.userZipf.Pick(workloads.Mix(seed, g)),
		body:  draw.Uniform(workloads.Mix(seed^saltBody, g), bodies),
		ntags: 1 + draw.Uniform(workloads.Mix(seed^saltTags, g), in.maxTags),
	}
	for i := range t.ntags {
		t.tags[i] = int32(in.tagZipf.Pick(workloads.Mix(seed^(saltTag+uint64(i)), g)))
	}
	return t
}

// userID returns the id of the user of rank k.
func (in *Instance) userID(k int) int { return (in.userA*k + in.userB) % in.nUsers }

// userName returns the name the user of rank k tweets as.
func (in *Instance) userName(k int) string { return "user" + strconv.Itoa(in.userID(k)) }

// text writes a tweet as the record carries it.
func (in *Instance) text(t tweet) string {
	body := in.bodies[t.body]
	n := len("user") + 7 + 1 + len(body)
	for _, k := range t.tags[:t.ntags] {
		n += 1 + len(in.tags[k])
	}
	b := make([]byte, 0, n)
	b = append(b, "user"...)
	b = strconv.AppendInt(b, int64(in.userID(t.user)), 10)
	b = append(b, ' ')
	b = append(b, body...)
	for _, k := range t.tags[:t.ntags] {
		b = append(b, ' ')
		b = append(b, in.tags[k]...)
	}
	return string(b)
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	r.Value = in.text(in.tweet(g))
	r.EventTime = in.events.At(g)
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanSize }

// Params implements workloads.Instance.
func (in *Instance) Params() map[string]string { return in.params }

// SpamList returns the static spam list, sorted: the dataset the deck's
// Spark example joins tweets with.
func (in *Instance) SpamList() []string {
	list := make([]string, 0, len(in.spamSet))
	for u := range in.spamSet {
		list = append(list, u)
	}
	slices.Sort(list)
	return list
}

// IsSpam reports whether user is on the spam list.
func (in *Instance) IsSpam(user string) bool {
	_, ok := in.spamSet[user]
	return ok
}

// Window returns the start of the event-time window holding t.
func (in *Instance) Window(t int64) int64 { return workloads.WindowStart(t, in.window) }

// Expect implements workloads.Instance: the count of every hashtag per
// window among the tweets of users not on the spam list, and each window's
// ten largest counts, from the generator's decisions.
func (in *Instance) Expect(published []int64) workloads.Expected {
	counts := map[int64]map[int32]int64{} // window -> tag rank -> count
	for p, n := range published {
		for o := range n {
			g := workloads.GlobalIndex(int32(p), o, in.cfg.Partitions)
			t := in.tweet(g)
			if in.spam[t.user] {
				continue
			}
			w := in.Window(in.events.At(g))
			if counts[w] == nil {
				counts[w] = map[int32]int64{}
			}
			for _, k := range t.tags[:t.ntags] {
				counts[w][k]++
			}
		}
	}
	want := workloads.Expected{Counts: map[workloads.Key]int64{}, Exact: map[workloads.Key]int64{}, Unit: "hashtags"}
	for w, tags := range counts {
		top := make([]int64, 0, len(tags))
		for k, c := range tags {
			want.Counts[workloads.Key{Key: in.tags[k], Window: w}] = c
			top = append(top, c)
		}
		slices.SortFunc(top, func(a, b int64) int { return cmp.Compare(b, a) })
		for i, c := range top[:min(TopN, len(top))] {
			want.Exact[workloads.Key{Key: RankKey(i), Window: w}] = c
		}
	}
	return want
}

// Engines implements workloads.Instance.
func (in *Instance) Engines() []string { return pipelines.Names() }

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	return pipelines.Build("hashtags", in, engine, opts)
}
