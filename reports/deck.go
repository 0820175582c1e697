package reports

// DeckClaim is one row of the reference deck's Performance table: a
// system's throughput in records per second per node, as the deck states
// it, and the streambench engine that reproduces its model.
type DeckClaim struct {
	System  string
	PerNode float64
	// Engine is the streambench engine of the system's model, "" when
	// streambench has none.
	Engine string
	Note   string
}

// DeckClaims is the deck's Performance table.
var DeckClaims = []DeckClaim{
	{System: "Storm", PerNode: 10_000, Engine: "core", Note: "one-at-a-time tuples with the XOR acker"},
	{System: "Spark Streaming", PerNode: 400_000, Engine: "microbatch", Note: "discretized streams of micro-batches"},
	{System: "S4", PerNode: 7_000, Note: "actor-style processing elements: no engine here reproduces S4"},
	{System: "commercial", PerNode: 100_000, Note: "the deck's unnamed commercial systems: no engine here"},
}

// DeckQuestion is a comparison the deck asks about: how much faster one
// engine is than another, and what the deck's own figures say.
type DeckQuestion struct {
	Question string
	// Faster and Slower are the engines compared; Claimed is the ratio of
	// the deck's figures.
	Faster, Slower string
	Claimed        float64
}

// DeckQuestions are the ratios the deck asks about.
var DeckQuestions = []DeckQuestion{
	{Question: "Is Spark Streaming 40x faster than Storm?", Faster: "microbatch", Slower: "core", Claimed: 40},
}

// DeckCap is a ceiling the deck puts on a system: "Storm capped at 10k
// records/s/node?". The report answers it with the measured per-node rate of
// every cell of the system's engine.
type DeckCap struct {
	Question string
	Engine   string
	PerNode  float64
}

// DeckCaps are the ceilings the deck asks about.
var DeckCaps = []DeckCap{
	{Question: "Is Storm capped at 10k records/s per node?", Engine: "core", PerNode: 10_000},
}

// deckSystem returns the deck's claim for an engine, if it has one.
func deckSystem(engine string) (DeckClaim, bool) {
	for _, c := range DeckClaims {
		if c.Engine != "" && c.Engine == engine {
			return c, true
		}
	}
	return DeckClaim{}, false
}
