package engines

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Options is how a pipeline is asked for: the delivery guarantee, the
// parallelism in the engine's own terms (executors per bolt, partitions of
// a shuffle, workers of a loop), and the engine's settings in its own
// vocabulary. An engine's adapter maps them onto the engine's machinery.
type Options struct {
	Parallelism int
	Guarantee   Guarantee
	// Conf holds settings by the original system's key names
	// (topology.max.spout.pending, spark.streaming.blockInterval), as text,
	// the way a user writes them on a command line or in a suite.
	Conf Conf
}

// Conf is an engine's settings as the user gave them: key to value text.
// The engine's own configuration code parses and checks them (Spec.Check),
// so a bad value is refused naming the key before anything runs.
type Conf map[string]string

// Clone returns a copy of c (nil stays nil).
func (c Conf) Clone() Conf { return maps.Clone(c) }

// Keys returns c's keys, sorted.
func (c Conf) Keys() []string { return slices.Sorted(maps.Keys(c)) }

// ConfError is a setting an engine refuses: the key and why. Callers that
// know where the key came from (a suite's line, a flag) add that.
type ConfError struct {
	Key string
	Err error
}

func (e *ConfError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }

// Unwrap returns the reason.
func (e *ConfError) Unwrap() error { return e.Err }

// ErrUnknownKey is wrapped by a ConfError for a key the engine does not know.
var ErrUnknownKey = errors.New("unknown setting")

// UnknownKey returns the ConfError for a key not among known, suggesting
// the closest known key when one is near.
func UnknownKey(engine, key string, known []string) *ConfError {
	known = slices.Sorted(slices.Values(known))
	msg := fmt.Sprintf("engine %s has no such setting", engine)
	if best := Closest(key, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	msg += fmt.Sprintf(" (see 'streambench list --engine %s')", engine)
	return &ConfError{Key: key, Err: fmt.Errorf("%w: %s", ErrUnknownKey, msg)}
}

// Offer is a guarantee an engine gives and how its settings give it.
type Offer struct {
	Guarantee Guarantee
	// How names the machinery, in the original's terms ("ackers and a
	// replaying spout").
	How string
	// Conf holds the settings that choose this way of giving the
	// guarantee, when the engine has several (Trident's transactional and
	// opaque state); nil for the engine's only way.
	Conf Conf
}

// Key is one setting an engine knows.
type Key struct {
	Name string
	// Default is the value the engine uses when the key is not set, as
	// text ("" when unset means "none", as Storm's null).
	Default string
	Doc     string
}

// Spec is what an engine declares about itself, in one place: its name,
// the guarantees it offers and how each maps to its settings, and the
// settings it knows. The harness lists engines, refuses guarantees and
// checks settings from Specs alone, so a new setting is a change in the
// engine and nowhere else.
type Spec struct {
	Name        string
	Description string
	// Offers lists the guarantees the engine gives, its default first.
	Offers []Offer
	// WayOut says, for a guarantee the engine does not offer, where to get
	// it ("for exactly-once use --engine trident").
	WayOut map[Guarantee]string
	// Keys lists the settings the engine knows, sorted by name.
	Keys []Key
	// Check parses and checks conf for a pipeline at guarantee g with the
	// engine's own configuration code, the same the engine's adapter runs.
	// A setting at fault is a *ConfError. Nil means the engine takes no
	// settings, and any key is refused.
	Check func(conf Conf, g Guarantee) error
	// ReadConfigFile, when set, reads a file of settings in the original's
	// format (Storm's storm.yaml) into a Conf.
	ReadConfigFile func(path string) (Conf, error)
	// Flags are the command-line spellings of some keys, flag name to key
	// ("batch-interval" for spark.streaming.batchDuration); a suite spells
	// them with underscores (batch_interval).
	Flags map[string]string
	// Connectors lists the kinds of source other than the log the engine
	// reads, and the guarantees it gives over each (see CheckSource).
	Connectors []Connector
}

// DefaultGuarantee returns the guarantee a run gets when it asks for none.
func (s *Spec) DefaultGuarantee() Guarantee { return s.Offers[0].Guarantee }

// Offer returns how the engine gives g, and whether it does.
func (s *Spec) Offer(g Guarantee) (Offer, bool) {
	for _, o := range s.Offers {
		if o.Guarantee == g {
			return o, true
		}
	}
	return Offer{}, false
}

// ErrGuaranteeNotOffered is wrapped by the error for a guarantee an engine
// does not give.
var ErrGuaranteeNotOffered = errors.New("guarantee not offered")

// CheckGuarantee returns nil if the engine offers g, and otherwise an error
// listing what it offers and where g can be had.
func (s *Spec) CheckGuarantee(g Guarantee) error {
	if _, ok := s.Offer(g); ok {
		return nil
	}
	var offers []string
	hows := map[Guarantee][]string{}
	for _, o := range s.Offers {
		hows[o.Guarantee] = append(hows[o.Guarantee], o.How)
	}
	for _, o := range s.Offers {
		if h, ok := hows[o.Guarantee]; ok {
			offers = append(offers, fmt.Sprintf("%s (%s)", o.Guarantee, strings.Join(h, ", or ")))
			delete(hows, o.Guarantee)
		}
	}
	msg := fmt.Sprintf("%s offers %s, not %s", s.Name, strings.Join(offers, " and "), g)
	if w := s.WayOut[g]; w != "" {
		msg += "; " + w
	}
	return &guaranteeError{msg}
}

// guaranteeError is CheckGuarantee's error; it is ErrGuaranteeNotOffered.
type guaranteeError struct{ msg string }

func (e *guaranteeError) Error() string { return e.msg }
func (e *guaranteeError) Unwrap() error { return ErrGuaranteeNotOffered }

// CheckOptions checks everything about opts the engine's Spec can: the
// parallelism, the guarantee and the settings.
func (s *Spec) CheckOptions(opts Options) error {
	if opts.Parallelism < 1 {
		return fmt.Errorf("parallelism must be at least 1, got %d", opts.Parallelism)
	}
	if err := s.CheckGuarantee(opts.Guarantee); err != nil {
		return err
	}
	return s.CheckConf(opts.Conf, opts.Guarantee)
}

// CheckConf checks conf with the engine's configuration code.
func (s *Spec) CheckConf(conf Conf, g Guarantee) error {
	if s.Check == nil {
		for _, k := range conf.Keys() {
			return &ConfError{Key: k, Err: fmt.Errorf("%w: engine %s takes no settings", ErrUnknownKey, s.Name)}
		}
		return nil
	}
	return s.Check(conf, g)
}

// KeyNames returns the names of the engine's settings.
func (s *Spec) KeyNames() []string {
	names := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		names[i] = k.Name
	}
	return names
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*Spec{}
)

// Register makes an engine known by its Spec's name; each engine package
// registers itself when it is imported, as database/sql drivers do.
// Registering a name twice, or a Spec that offers no guarantee, is a
// programming error and panics.
func Register(s *Spec) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[s.Name]; dup {
		panic("engines: Register called twice for " + s.Name)
	}
	if len(s.Offers) == 0 {
		panic("engines: " + s.Name + " offers no guarantee")
	}
	registry[s.Name] = s
}

// Specs returns every registered engine, sorted by name.
func Specs() []*Spec {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]*Spec, 0, len(registry))
	for _, name := range slices.Sorted(maps.Keys(registry)) {
		out = append(out, registry[name])
	}
	return out
}

// ErrUnknownEngine is wrapped by Lookup's error.
var ErrUnknownEngine = errors.New("unknown engine")

// Lookup returns the registered engine named name, or an error listing the
// known ones and the closest to name.
func Lookup(name string) (*Spec, error) {
	registryMu.RLock()
	s, ok := registry[name]
	known := slices.Sorted(maps.Keys(registry))
	registryMu.RUnlock()
	if ok {
		return s, nil
	}
	msg := fmt.Sprintf("%q (known: %s)", name, strings.Join(known, ", "))
	if best := Closest(name, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return nil, fmt.Errorf("%w %s", ErrUnknownEngine, msg)
}

// Closest returns the known name nearest to name by edit distance, or "" if
// none is near enough to be a likely typo.
func Closest(name string, known []string) string {
	best, bestD := "", len(name)/2+2
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
