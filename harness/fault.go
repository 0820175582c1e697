package harness

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Fault is one entry of a run's fault schedule, written as
//
//	<action> <target> [<index>|random] at <time> [for <duration>] [every <period> [count <n>]]
//
// for example "kill worker 1 at 10s", "hang agent random at 5s for 3s",
// "kill worker 0 at 10s every 20s count 3". Times count from the run's
// start, on the harness's clock. The actions are kill (SIGKILL in a cluster
// run; in local mode the core engine's KillWorker, which stops a worker's
// executors and restarts them as Storm's supervisor restarts a dead
// worker) and hang (SIGSTOP, then SIGCONT after the "for" duration: a
// process that stops heartbeating without dying, cluster runs only). The
// targets are worker (a topology's worker, by index), agent (a node's
// agent, Storm's Supervisor, by node index) and master (Nimbus; it takes no
// index). An index left out is 0; random picks one with the run's seed, so
// a run repeated with its seed hits the same targets.
type Fault struct {
	Action FaultAction
	Target FaultTarget
	// Index is the target's index; RandomIndex when it is picked at random.
	Index int
	// At is when the fault first fires, from the run's start; For is how
	// long a hang lasts (0 for a kill).
	At, For time.Duration
	// Every repeats the fault with that period (0: once); Count is how many
	// times it fires in all (0 with Every: until the run ends).
	Every time.Duration
	Count int
}

// RandomIndex is Fault.Index for "random".
const RandomIndex = -1

// FaultAction is what a fault does to its target.
type FaultAction string

// FaultTarget is the kind of process a fault hits.
type FaultTarget string

// The fault actions and targets.
const (
	FaultKill   FaultAction = "kill"
	FaultHang   FaultAction = "hang"
	FaultWorker FaultTarget = "worker"
	FaultAgent  FaultTarget = "agent"
	FaultMaster FaultTarget = "master"
)

// MaxFaultFirings bounds how often one schedule entry may fire in a run.
const MaxFaultFirings = 1000

// ErrBadFault is wrapped by every error about a fault's text.
var ErrBadFault = errors.New("bad fault")

// String returns the fault in the grammar's canonical form: ParseFault of
// it gives the fault back.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.Action) + " " + string(f.Target))
	switch {
	case f.Target == FaultMaster:
	case f.Index == RandomIndex:
		b.WriteString(" random")
	default:
		b.WriteString(" " + strconv.Itoa(f.Index))
	}
	b.WriteString(" at " + f.At.String())
	if f.For > 0 {
		b.WriteString(" for " + f.For.String())
	}
	if f.Every > 0 {
		b.WriteString(" every " + f.Every.String())
		if f.Count > 0 {
			b.WriteString(" count " + strconv.Itoa(f.Count))
		}
	}
	return b.String()
}

// Firings returns when the fault fires within a run that publishes for
// d (d 0: a run of --records, whose length is not known, takes firings
// up to MaxFaultFirings).
func (f Fault) Firings(d time.Duration) []time.Duration {
	n := 1
	if f.Every > 0 {
		n = f.Count
		if n == 0 {
			n = MaxFaultFirings
		}
	}
	var out []time.Duration
	for i := 0; i < n; i++ {
		t := f.At + time.Duration(i)*f.Every
		if d > 0 && t > d {
			break
		}
		out = append(out, t)
	}
	return out
}

// ParseFault parses one fault of the grammar above. Its errors wrap
// ErrBadFault and name the word at fault and what was expected.
func ParseFault(s string) (Fault, error) {
	bad := func(format string, a ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("%w: %s", ErrBadFault, fmt.Sprintf(format, a...))
	}
	words := strings.Fields(s)
	if len(words) == 0 {
		return bad("empty: write <action> <target> [<index>|random] at <time>, as in \"kill worker 1 at 10s\"")
	}
	next := func() (string, bool) {
		if len(words) == 0 {
			return "", false
		}
		w := words[0]
		words = words[1:]
		return w, true
	}
	var f Fault
	w, _ := next()
	switch FaultAction(w) {
	case FaultKill, FaultHang:
		f.Action = FaultAction(w)
	default:
		return bad("unknown action %q (kill, hang)", w)
	}
	w, ok := next()
	if !ok {
		return bad("no target after %q: worker, agent or master", f.Action)
	}
	switch FaultTarget(w) {
	case FaultWorker, FaultAgent, FaultMaster:
		f.Target = FaultTarget(w)
	default:
		return bad("unknown target %q (worker, agent, master)", w)
	}
	if w, ok = next(); !ok {
		return bad("no time: add \"at <time>\", as in \"at 10s\"")
	}
	if w != "at" {
		if f.Target == FaultMaster {
			return bad("%q after master: there is one master, so it takes no index; want \"at <time>\"", w)
		}
		if w == "random" {
			f.Index = RandomIndex
		} else if n, err := strconv.Atoi(w); err == nil && n >= 0 && n < MaxNodes*64 {
			f.Index = n
		} else {
			return bad("%q is not an index: want a whole number from 0 to %d, random, or \"at <time>\"", w, MaxNodes*64-1)
		}
		if w, ok = next(); !ok || w != "at" {
			return bad("want \"at <time>\" after the target, got %q", w)
		}
	}
	dur := func(what string, positive bool) (time.Duration, error) {
		w, ok := next()
		if !ok {
			return 0, fmt.Errorf("%w: no duration after %q (write 10s, 500ms, 1m)", ErrBadFault, what)
		}
		d, err := time.ParseDuration(w)
		switch {
		case err != nil:
			return 0, fmt.Errorf("%w: %s %q is not a duration (write 10s, 500ms, 1m)", ErrBadFault, what, w)
		case d < 0 || (positive && d == 0):
			return 0, fmt.Errorf("%w: %s %v must be positive", ErrBadFault, what, d)
		case d > MaxDuration:
			return 0, fmt.Errorf("%w: %s %v is longer than the longest run (%v)", ErrBadFault, what, d, MaxDuration)
		}
		return d, nil
	}
	var err error
	if f.At, err = dur("at", false); err != nil {
		return Fault{}, err
	}
	for len(words) > 0 {
		w, _ := next()
		switch {
		case w == "for" && f.For == 0 && f.Every == 0:
			if f.For, err = dur("for", true); err != nil {
				return Fault{}, err
			}
		case w == "every" && f.Every == 0:
			if f.Every, err = dur("every", true); err != nil {
				return Fault{}, err
			}
		case w == "count" && f.Every > 0 && f.Count == 0:
			c, ok := next()
			n, cerr := strconv.Atoi(c)
			if !ok || cerr != nil || n < 1 || n > MaxFaultFirings {
				return bad("count %q: want a whole number from 1 to %d", c, MaxFaultFirings)
			}
			f.Count = n
		case w == "count":
			return bad("\"count\" belongs after \"every <period>\"")
		default:
			return bad("unexpected %q: after \"at <time>\" come \"for <duration>\" (hang), then \"every <period> [count <n>]\"", w)
		}
	}
	switch {
	case f.Action == FaultHang && f.For == 0:
		return bad("a hang needs \"for <duration>\": how long the process stays stopped")
	case f.Action == FaultKill && f.For > 0:
		return bad("\"for\" applies to hang; a kill is instant")
	case f.Every > 0 && f.For >= f.Every:
		return bad("a hang for %v every %v would overlap the next one: make the period longer than the hang", f.For, f.Every)
	}
	return f, nil
}

// ParseFaults parses a run's fault schedule, one fault per entry; an error
// quotes the entry as it was given, under the name it came from (--fault).
func ParseFaults(from string, texts []string) ([]Fault, error) {
	var out []Fault
	for _, t := range texts {
		f, err := ParseFault(t)
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("%s '%s': %s", from, t, strings.TrimPrefix(err.Error(), ErrBadFault.Error()+": "))}
		}
		out = append(out, f)
	}
	return out, nil
}
