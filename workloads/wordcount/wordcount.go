package wordcount

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

// Workload describes word count to the harness.
var Workload = workloads.Workload{
	Name:        "wordcount",
	Description: "running count per word over Zipf-distributed sentences (Storm's and Spark's teaching example)",
	Params:      params,
	New:         func(cfg workloads.Config) (workloads.Instance, error) { return New(cfg) },
}

var params = []workloads.Param{
	{Name: "vocabulary", Default: "10000", Description: "distinct words, in [10, 1000000]"},
	{Name: "zipf", Default: "1.1", Description: "Zipf exponent of word frequencies, in (1, 5]"},
	{Name: "words-per-sentence", Default: "10", Description: "mean sentence length in words, in [1, 100]"},
	{Name: "sentences", Default: "65536", Description: "distinct sentences the stream draws from, in [1, 4194304]"},
	{Name: "split", Default: splitGo, Description: "core only: the split bolt, go or python (a multi-lang ShellBolt running python3)"},
}

// pipeline builds word count for one engine.
// pipelines holds word count written once per engine API.
var _ workloads.Contracted = (*Instance)(nil)

var pipelines = workloads.Pipelines[*Instance]{
	"baseline":   baselinePipeline,
	"core":       corePipeline,
	"trident":    tridentPipeline,
	"microbatch": microbatchPipeline,
}

// Instance is a configured word count: its sentence table and the parameters
// it was drawn with.
type Instance struct {
	cfg       workloads.Config
	events    workloads.EventClock
	params    map[string]string
	sentences []string  // the table records are drawn from
	words     [][]int32 // word ids of each sentence
	vocab     []string  // word id -> word, most frequent first
	meanBytes float64
}

var _ workloads.Instance = (*Instance)(nil)

// New draws the vocabulary and the sentence table from cfg.Seed.
func New(cfg workloads.Config) (*Instance, error) {
	ps, err := workloads.ResolveParams("wordcount", params, cfg.Params)
	if err != nil {
		return nil, err
	}
	vocabSize, err := ps.Int("vocabulary", 10, 1_000_000)
	if err != nil {
		return nil, err
	}
	s, err := ps.Float("zipf", 1, 5)
	if err != nil {
		return nil, err
	}
	meanLen, err := ps.Int("words-per-sentence", 1, 100)
	if err != nil {
		return nil, err
	}
	tableSize, err := ps.Int("sentences", 1, 1<<22)
	if err != nil {
		return nil, err
	}
	switch split := ps.Values()["split"]; split {
	case splitGo:
	case splitPython:
		if err := checkPython(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("wordcount: split %q is neither %s nor %s", split, splitGo, splitPython)
	}
	if cfg.Partitions < 1 {
		return nil, fmt.Errorf("wordcount: partitions must be at least 1, got %d", cfg.Partitions)
	}
	if cfg.EventRate <= 0 {
		return nil, fmt.Errorf("wordcount: event rate must be positive, got %g", cfg.EventRate)
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x776f7264636f756e)) // "wordcoun"
	in := &Instance{cfg: cfg, events: cfg.EventClock(), params: ps.Values()}
	in.vocab = drawVocabulary(rng, vocabSize)
	zipf := newZipf(rng, s, vocabSize)
	in.sentences = make([]string, tableSize)
	in.words = make([][]int32, tableSize)
	var total int
	buf := make([]byte, 0, 256)
	for i := range in.sentences {
		n := sentenceLength(rng, float64(meanLen))
		ids := make([]int32, n)
		buf = buf[:0]
		for j := range ids {
			ids[j] = int32(zipf.next())
			if j > 0 {
				buf = append(buf, ' ')
			}
			buf = append(buf, in.vocab[ids[j]]...)
		}
		in.words[i] = ids
		in.sentences[i] = string(buf)
		total += len(buf)
	}
	in.meanBytes = float64(total) / float64(tableSize)
	return in, nil
}

// drawVocabulary returns n distinct lowercase words in rank order. Frequent
// ranks get short words and rare ones long words, as in natural language
// ("the", "of" ... "thermodynamics"), which puts the mean word of running
// text near English's four to five letters.
func drawVocabulary(rng *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	words := make([]string, 0, n)
	b := make([]byte, 0, 32)
	for rank := 0; len(words) < n; rank++ {
		l := int(math.Round(2 + 0.7*math.Log(float64(rank+1)) + rng.NormFloat64()))
		l = max(1, min(l, 14))
		for {
			b = b[:0]
			for range l {
				b = append(b, byte('a'+rng.IntN(26)))
			}
			if !seen[string(b)] {
				break
			}
			l++ // short words run out; a longer one is always free
		}
		seen[string(b)] = true
		words = append(words, string(b))
	}
	return words
}

// sentenceLength draws a log-normal sentence length with the given mean.
func sentenceLength(rng *rand.Rand, mean float64) int {
	const sigma = 0.5
	mu := math.Log(mean) - sigma*sigma/2
	n := int(math.Round(math.Exp(mu + sigma*rng.NormFloat64())))
	return max(1, min(n, 4*int(mean)+4))
}

// zipf draws ranks in [0, n) with P(k) proportional to 1/(k+1)^s, by
// inverting the cumulative distribution with a binary search.
type zipf struct {
	rng *rand.Rand
	cdf []float64
}

func newZipf(rng *rand.Rand, s float64, n int) *zipf {
	cdf := make([]float64, n)
	var sum float64
	for k := range n {
		sum += 1 / math.Pow(float64(k+1), s)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	return &zipf{rng: rng, cdf: cdf}
}

func (z *zipf) next() int {
	return min(sort.SearchFloat64s(z.cdf, z.rng.Float64()), len(z.cdf)-1)
}

// sentenceOf returns the table index of record g of the stream: a hash of
// (seed, g), so records are independent of each other and of the order they
// are read in.
func (in *Instance) sentenceOf(g int64) int {
	return int(workloads.Mix(in.cfg.Seed, g) % uint64(len(in.sentences)))
}

// Fill implements workloads.Instance.
func (in *Instance) Fill(r *engines.Record) {
	g := workloads.GlobalIndex(r.Partition, r.Offset, in.cfg.Partitions)
	r.Value = in.sentences[in.sentenceOf(g)]
	r.EventTime = in.events.At(g)
}

// RecordBytes implements workloads.Instance.
func (in *Instance) RecordBytes() float64 { return in.meanBytes }

// Params implements workloads.Instance. split is recorded only when it is
// python: with its default, a run is the word count recorded before the
// parameter existed, and its results compare with theirs.
func (in *Instance) Params() map[string]string {
	if in.params["split"] != splitGo {
		return in.params
	}
	ps := maps.Clone(in.params)
	delete(ps, "split")
	return ps
}

// Expect implements workloads.Instance: the final count of every word in the
// published records, counted from the sentence table.
func (in *Instance) Expect(published []int64) workloads.Expected {
	uses := make([]int64, len(in.sentences))
	for p, n := range published {
		for o := range n {
			uses[in.sentenceOf(workloads.GlobalIndex(int32(p), o, in.cfg.Partitions))]++
		}
	}
	counts := make([]int64, len(in.vocab))
	for i, u := range uses {
		if u == 0 {
			continue
		}
		for _, id := range in.words[i] {
			counts[id] += u
		}
	}
	want := make(map[workloads.Key]int64)
	for id, c := range counts {
		if c > 0 {
			want[workloads.Key{Key: in.vocab[id]}] = c
		}
	}
	return workloads.Expected{Counts: want, Unit: "word occurrences"}
}

// Engines implements workloads.Instance. A Python split bolt is a Storm
// multi-lang component, so with split=python only core has a pipeline.
func (in *Instance) Engines() []string {
	if in.params["split"] == splitPython {
		return []string{"core"}
	}
	return pipelines.Names()
}

// Contract implements workloads.Contracted: a word's running count, whose
// updates may be merged as long as each names the oldest record it covers.
func (in *Instance) Contract() workloads.Contract {
	return workloads.Contract{Occurrences: func(word, sentence string) int64 { return int64(Occurrences(word, sentence)) }}
}

// Pipeline implements workloads.Instance.
func (in *Instance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	if in.params["split"] == splitPython && engine != "core" {
		return nil, fmt.Errorf("wordcount: split=python runs only on engine core (a Storm multi-lang bolt); %s would not use it: %w", engine, workloads.ErrUnsupportedEngine)
	}
	return pipelines.Build("wordcount", in, engine, opts)
}

// SplitWords appends the space-separated words of s to dst and returns it.
// Every pipeline splits with it, so every engine does the same work. The
// words are substrings of s: nothing is allocated once dst has room.
func SplitWords(dst []string, s string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// Occurrences returns how many times word occurs in the sentence s: the
// units of word's running count one record holds. The verifier uses it to
// check that a merged update names the oldest record it covers.
func Occurrences(word, s string) int {
	n := 0
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 && s[start:i] == word {
				n++
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return n
}
