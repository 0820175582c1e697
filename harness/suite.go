package harness

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streambench/streambench/cluster/coord"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
)

// builtinSuites are the suites streambench ships: deck (what `make bench`
// runs), quick (seconds, for tests and a first look) and broker (the
// engines on the generator and through JetStream, and the broker's ceiling).
//
//go:embed suites/*.yaml
var builtinSuites embed.FS

// ErrBadSuite is wrapped by every error about a suite file's content.
var ErrBadSuite = errors.New("bad suite")

// Suite is a benchmark plan: the cells to measure and how to measure each.
// It is read from YAML (see harness/suites/deck.yaml for a commented one).
type Suite struct {
	Name        string
	Description string
	// Repeat is how many times every cell is measured; the report's
	// confidence intervals are over these repetitions.
	Repeat int
	Cells  []resultfile.Cell
	// Source is the suite's YAML text and File where it came from (a path,
	// or "builtin:NAME"), kept in the bench manifest so a bench can be read
	// and resumed without the file.
	Source string
	File   string
	// lines holds, per cell ID, the lines of its engine, workload and
	// guarantee keys, for CheckNames.
	lines map[string]cellLines
}

// cellLines are where a cell's names were written.
type cellLines struct {
	key                         string // cells[2]
	engine, workload, guarantee int
}

// DefaultCellSettings are what a suite's cells get for the keys neither its
// defaults nor the cell set. The search settings are sized so one cell of
// a fast engine takes about a minute; the README's "Benchmarking" section
// explains each.
func DefaultCellSettings() resultfile.CellSettings {
	return resultfile.CellSettings{
		Seed:         1,
		Partitions:   4,
		Parallelism:  1,
		LatencyBound: resultfile.Duration(time.Second),
		Probe:        resultfile.Duration(4 * time.Second),
		Warmup:       resultfile.Duration(time.Second),
		Calibrate:    resultfile.Duration(2 * time.Second),
		Step:         2,
		Precision:    0.05,
		MaxProbes:    8,
		LagSlope:     0.02,
		LatencySlope: 0.05,
		SendRate:     0.97,
		Backlog:      resultfile.Duration(time.Second),
		DrainTimeout: resultfile.Duration(30 * time.Second),
		Loads:        []float64{0.25, 0.5, 0.75, 0.9},
	}
}

// SuiteError is a problem in a suite file, with where it is.
type SuiteError struct {
	File string
	Line int
	Key  string // the key's path, as cells[2].batch_interval
	Msg  string
}

func (e *SuiteError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes every SuiteError an ErrBadSuite.
func (e *SuiteError) Unwrap() error { return ErrBadSuite }

// BuiltinSuites returns the names of the suites streambench ships.
func BuiltinSuites() []string {
	entries, _ := builtinSuites.ReadDir("suites")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// LoadSuite reads a suite by built-in name (deck, quick, broker, soak) or from a file
// path. A missing or malformed suite is a *UsageError naming the problem.
func LoadSuite(nameOrPath string) (*Suite, error) {
	if !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml") {
		data, err := builtinSuites.ReadFile("suites/" + nameOrPath + ".yaml")
		if err != nil {
			msg := fmt.Sprintf("unknown suite %q (built in: %s; or give a path to a YAML file)", nameOrPath, strings.Join(BuiltinSuites(), ", "))
			if best := engines.Closest(nameOrPath, BuiltinSuites()); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			}
			return nil, &UsageError{Msg: msg}
		}
		s, err := ParseSuite("builtin:"+nameOrPath, data)
		if err == nil {
			err = s.CheckNames()
		}
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		return s, nil
	}
	data, err := readInputFile(nameOrPath)
	if err != nil {
		return nil, &UsageError{Msg: fmt.Sprintf("suite %s: %v", nameOrPath, err)}
	}
	s, err := ParseSuite(nameOrPath, data)
	if err == nil {
		err = s.CheckNames()
	}
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	return s, nil
}

// CheckNames refuses a cell whose engine or workload this checkout does not
// know, or whose engine does not offer its guarantee: a misspelt name is a
// *SuiteError at its line, not a cell a bench reports missing. (ParseSuite
// leaves names to this, so tests can plan suites of simulated engines.)
func (s *Suite) CheckNames() error {
	for _, c := range s.Cells {
		at := s.lines[c.ID]
		errf := func(line int, key, format string, a ...any) error {
			return &SuiteError{File: s.File, Line: line, Key: at.key + "." + key, Msg: fmt.Sprintf(format, a...)}
		}
		spec, err := LookupEngine(c.Engine)
		if err != nil {
			return errf(at.engine, "engine", "%v", err)
		}
		if _, err := LookupWorkload(c.Workload); err != nil {
			return errf(at.workload, "workload", "%v", err)
		}
		if c.Guarantee != "" {
			g, _ := engines.ParseGuarantee(c.Guarantee)
			if err := spec.CheckGuarantee(g); err != nil {
				return errf(at.guarantee, "guarantee", "%v", err)
			}
		}
	}
	return nil
}

// ConfigDir is the directory relative config_file paths are read from: the
// suite file's own directory ("" for a built-in suite).
func (s *Suite) ConfigDir() string {
	if strings.HasPrefix(s.File, "builtin:") {
		return ""
	}
	return filepath.Dir(s.File)
}

// ParseSuite decodes a suite strictly: an unknown key, a value of the wrong
// kind or out of range, a duplicate cell or a missing required key is a
// *SuiteError naming the file, the line and the key.
func ParseSuite(file string, data []byte) (*Suite, error) {
	p := &suiteParser{file: file, dir: (&Suite{File: file}).ConfigDir(),
		conf: map[*resultfile.CellSettings]map[string]confOrigin{}, configLine: map[*resultfile.CellSettings]int{},
		guaranteeLine: map[*resultfile.CellSettings]int{}, lines: map[string]cellLines{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, p.errf(0, "", "empty file")
	} else if err != nil {
		return nil, p.errf(0, "", "not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(extra.Line, "", "more than one YAML document; a suite is one")
	}
	if len(doc.Content) == 0 {
		return nil, p.errf(0, "", "empty file")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root.Line, "", "want a mapping with name, cells and optionally description, repeat, defaults")
	}
	s := &Suite{Repeat: 1, Source: string(data), File: file, lines: p.lines}
	defaults := DefaultCellSettings()
	var cellsNode *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, p.errf(k.Line, k.Value, "given twice")
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "name":
			s.Name, err = p.str(v, k.Value)
		case "description":
			s.Description, err = p.str(v, k.Value)
		case "repeat":
			s.Repeat, err = p.intIn(v, k.Value, 1, MaxRepeat)
		case "defaults":
			err = p.settings(v, "defaults", &defaults)
		case "cells":
			cellsNode = v
		default:
			err = p.unknown(k, "", []string{"name", "description", "repeat", "defaults", "cells"})
		}
		if err != nil {
			return nil, err
		}
	}
	if s.Name == "" {
		return nil, p.errf(root.Line, "name", "missing: every suite has a name")
	}
	if cellsNode == nil {
		return nil, p.errf(root.Line, "cells", "missing: a suite lists the cells to measure")
	}
	if cellsNode.Kind != yaml.SequenceNode || len(cellsNode.Content) == 0 {
		return nil, p.errf(cellsNode.Line, "cells", "want a non-empty list of cells")
	}
	ids := map[string]int{}
	for i, cn := range cellsNode.Content {
		cells, err := p.cell(cn, fmt.Sprintf("cells[%d]", i), &defaults)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if line, dup := ids[c.ID]; dup {
				return nil, p.errf(cn.Line, fmt.Sprintf("cells[%d]", i), "cell %s is already defined at line %d; give one of them a name", c.ID, line)
			}
			ids[c.ID] = cn.Line
			s.Cells = append(s.Cells, c)
		}
	}
	return s, nil
}

type suiteParser struct {
	file string
	dir  string // where relative config_file paths are read from
	// configLine is the line of each settings' config_file.
	configLine map[*resultfile.CellSettings]int
	// conf records, for each settings being decoded (the defaults, a
	// cell), the line and key path each engine setting came from, so that
	// a setting the engine refuses is reported where it was written.
	conf map[*resultfile.CellSettings]map[string]confOrigin
	// guaranteeLine is the line of the defaults' guarantee; lines are the
	// cells' (Suite.lines).
	guaranteeLine map[*resultfile.CellSettings]int
	lines         map[string]cellLines
}

// confOrigin is where an engine setting was written.
type confOrigin struct {
	line     int
	key      string // the suite key path, e.g. cells[2].batch_interval
	defaults bool   // set in the suite's defaults
	// spelling is the flag whose suite spelling set the key (batch-interval
	// for batch_interval), "" for engine_conf.
	spelling string
}

// setConf records an engine setting of s.
func (p *suiteParser) setConf(s *resultfile.CellSettings, key, value string, o confOrigin) {
	if s.EngineConf == nil {
		s.EngineConf = map[string]string{}
	}
	s.EngineConf[key] = value
	if p.conf[s] == nil {
		p.conf[s] = map[string]confOrigin{}
	}
	p.conf[s][key] = o
}

func (p *suiteParser) errf(line int, key, format string, a ...any) error {
	return &SuiteError{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, a...)}
}

func (p *suiteParser) unknown(k *yaml.Node, prefix string, known []string) error {
	msg := fmt.Sprintf("unknown key (known: %s)", strings.Join(known, ", "))
	if best := engines.Closest(k.Value, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return p.errf(k.Line, prefix+k.Value, "%s", msg)
}

func (p *suiteParser) scalar(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v.Line, key, "want a single value, got a %s", kindName(v))
	}
	return v.Value, nil
}

func (p *suiteParser) str(v *yaml.Node, key string) (string, error) {
	s, err := p.scalar(v, key)
	if err == nil && s == "" {
		err = p.errf(v.Line, key, "must not be empty")
	}
	return s, err
}

func (p *suiteParser) intIn(v *yaml.Node, key string, lo, hi int) (int, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, p.errf(v.Line, key, "%q must be a whole number in [%d, %d]", s, lo, hi)
	}
	return n, nil
}

func (p *suiteParser) fraction(v *yaml.Node, key string, lo, hi float64) (float64, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f <= lo || f > hi {
		return 0, p.errf(v.Line, key, "%q must be a number in (%g, %g]", s, lo, hi)
	}
	return f, nil
}

func (p *suiteParser) duration(v *yaml.Node, key string, lo, hi time.Duration, zeroOK bool) (resultfile.Duration, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, p.errf(v.Line, key, "%q is not a duration (write 1s, 500ms, 2m)", s)
	}
	if (d == 0 && zeroOK) || (d >= lo && d <= hi) {
		return resultfile.Duration(d), nil
	}
	return 0, p.errf(v.Line, key, "%v is out of range: want %v to %v", d, lo, hi)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// settingKeys are the keys of resultfile.CellSettings, in the order the README lists
// them.
var settingKeys = append(append([]string{"guarantee", "seed", "partitions", "parallelism", "params", "source", "nats_class", "nodes", "cores_per_node", "timing", "faults", "rate", "engine_conf"},
	engineFlagSpellings()...), "config_file", "latency_bound", "probe", "warmup", "calibrate", "start", "step", "precision",
	"max_probes", "lag_slope", "latency_slope", "send_rate", "backlog", "drain_timeout", "loads", "load_probe")

// engineFlagSpellings are the suite keys of the engines' flags:
// batch_interval for --batch-interval.
func engineFlagSpellings() []string {
	var out []string
	for _, f := range EngineFlags() {
		out = append(out, strings.ReplaceAll(f.Name, "-", "_"))
	}
	return out
}

// setting decodes one settings key into s; it reports false for a key that
// is not a setting.
func (p *suiteParser) setting(k, v *yaml.Node, prefix string, s *resultfile.CellSettings) (bool, error) {
	key := prefix + k.Value
	var err error
	switch k.Value {
	case "guarantee":
		p.guaranteeLine[s] = v.Line
		var g string
		if g, err = p.str(v, key); err == nil {
			if _, perr := engines.ParseGuarantee(g); perr != nil {
				err = p.errf(v.Line, key, "%v", perr)
			}
			s.Guarantee = g
		}
	case "seed":
		var str string
		if str, err = p.scalar(v, key); err == nil {
			if s.Seed, err = strconv.ParseUint(str, 10, 64); errors.Is(err, strconv.ErrRange) {
				err = p.errf(v.Line, key, "%q is too large: a seed is at most %d", str, uint64(math.MaxUint64))
			} else if err != nil {
				err = p.errf(v.Line, key, "%q must be a whole number ≥ 0", str)
			}
		}
	case "partitions":
		s.Partitions, err = p.intIn(v, key, 1, MaxPartitions)
	case "parallelism":
		s.Parallelism, err = p.intIn(v, key, 1, Machine().MaxParallelism())
	case "params":
		if v.Kind != yaml.MappingNode {
			return true, p.errf(v.Line, key, "want a mapping of workload parameter names to values")
		}
		s.Params = mapsClone(s.Params)
		for i := 0; i+1 < len(v.Content); i += 2 {
			pv, perr := p.scalar(v.Content[i+1], key+"."+v.Content[i].Value)
			if perr != nil {
				return true, perr
			}
			s.Params[v.Content[i].Value] = pv
		}
	case "source":
		var src string
		if src, err = p.str(v, key); err == nil {
			if cerr := (SourceConfig{Name: src}).check(); cerr != nil {
				err = p.errf(v.Line, key, "%v", cerr)
			}
			s.Source = src
		}
	case "nats_class":
		var class string
		if class, err = p.str(v, key); err == nil {
			if cerr := (SourceConfig{Name: "jetstream", NATSClass: class}).check(); cerr != nil {
				err = p.errf(v.Line, key, "%v", cerr)
			}
			s.NATSClass = class
		}
	case "nodes":
		s.Nodes, err = p.intIn(v, key, 0, MaxNodes)
	case "cores_per_node":
		s.CoresPerNode, err = p.intIn(v, key, 0, 1024)
	case "timing":
		var t string
		if t, err = p.str(v, key); err == nil {
			if _, terr := coord.TimingProfile(t); terr != nil {
				err = p.errf(v.Line, key, "%v", terr)
			}
			s.Timing = t
		}
	case "engine_conf":
		if v.Kind != yaml.MappingNode {
			return true, p.errf(v.Line, key, "want a mapping of the engine's settings, key: value (see 'streambench list --engine NAME')")
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			ck := v.Content[i].Value
			cv, cerr := p.scalar(v.Content[i+1], key+"."+ck)
			if cerr != nil {
				return true, cerr
			}
			p.setConf(s, ck, cv, confOrigin{line: v.Content[i].Line, key: key + "." + ck, defaults: strings.HasPrefix(key, "defaults.")})
		}
	case "config_file":
		s.ConfigFile, err = p.str(v, key)
		p.configLine[s] = k.Line
	case "latency_bound":
		s.LatencyBound, err = p.duration(v, key, time.Millisecond, time.Hour, false)
	case "probe":
		s.Probe, err = p.duration(v, key, time.Second, time.Hour, false)
	case "load_probe":
		s.LoadProbe, err = p.duration(v, key, time.Second, time.Hour, true)
	case "warmup":
		s.Warmup, err = p.duration(v, key, 0, time.Hour, true)
	case "calibrate":
		s.Calibrate, err = p.duration(v, key, time.Second, time.Hour, true)
	case "start", "rate":
		var str string
		if str, err = p.scalar(v, key); err == nil {
			dst := &s.Start
			if k.Value == "rate" {
				dst = &s.Rate
			}
			if *dst, err = parseSuiteRate(str); err != nil {
				err = p.errf(v.Line, key, "%q: %v", str, err)
			}
		}
	case "step":
		var str string
		if str, err = p.scalar(v, key); err == nil {
			if s.Step, err = strconv.ParseFloat(str, 64); err != nil || !(s.Step >= 1.05 && s.Step <= 10) {
				err = p.errf(v.Line, key, "%q must be a number in [1.05, 10]: the factor between upward probes", str)
			}
		}
	case "precision":
		s.Precision, err = p.fraction(v, key, 0, 1)
	case "max_probes":
		s.MaxProbes, err = p.intIn(v, key, 2, 100)
	case "lag_slope":
		s.LagSlope, err = p.fraction(v, key, 0, 1)
	case "latency_slope":
		var str string
		if str, err = p.scalar(v, key); err == nil {
			if s.LatencySlope, err = strconv.ParseFloat(str, 64); err != nil || !(s.LatencySlope >= 0 && s.LatencySlope <= 10) {
				err = p.errf(v.Line, key, "%q must be a number in [0, 10]: seconds of latency added per second (0 turns the rule off)", str)
			}
		}
	case "send_rate":
		s.SendRate, err = p.fraction(v, key, 0, 1)
	case "backlog":
		s.Backlog, err = p.duration(v, key, 10*time.Millisecond, time.Minute, false)
	case "drain_timeout":
		s.DrainTimeout, err = p.duration(v, key, time.Second, time.Hour, false)
	case "faults":
		if v.Kind != yaml.SequenceNode {
			return true, p.errf(v.Line, key, "want a list of faults, like [\"kill worker 0 at 10s\"]")
		}
		s.Faults = nil
		for i, fv := range v.Content {
			fk := fmt.Sprintf("%s[%d]", key, i)
			text, ferr := p.str(fv, fk)
			if ferr != nil {
				return true, ferr
			}
			if _, ferr := ParseFault(text); ferr != nil {
				return true, p.errf(fv.Line, fk, "'%s': %s", text, strings.TrimPrefix(ferr.Error(), ErrBadFault.Error()+": "))
			}
			s.Faults = append(s.Faults, text)
		}
	case "loads":
		if v.Kind != yaml.SequenceNode {
			return true, p.errf(v.Line, key, "want a list of fractions of the sustainable rate, like [0.25, 0.5, 0.75, 0.9]")
		}
		s.Loads = nil
		for i, fv := range v.Content {
			f, ferr := p.fraction(fv, fmt.Sprintf("%s[%d]", key, i), 0, 1)
			if ferr != nil {
				return true, ferr
			}
			s.Loads = append(s.Loads, f)
		}
	default:
		f, ok := LookupEngineFlag(strings.ReplaceAll(k.Value, "_", "-"))
		if !ok {
			return false, nil
		}
		var str string
		if str, err = p.scalar(v, key); err == nil {
			for _, ck := range f.Keys {
				p.setConf(s, ck, str, confOrigin{line: k.Line, key: key, defaults: strings.HasPrefix(key, "defaults."), spelling: f.Name})
			}
		}
	}
	return true, err
}

func mapsClone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// settings decodes a mapping of settings keys over s.
func (p *suiteParser) settings(n *yaml.Node, prefix string, s *resultfile.CellSettings) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n.Line, prefix, "want a mapping of settings (%s)", strings.Join(settingKeys, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return p.errf(k.Line, prefix+"."+k.Value, "given twice")
		}
		seen[k.Value] = true
		ok, err := p.setting(k, v, prefix+".", s)
		if err != nil {
			return err
		}
		if !ok {
			return p.unknown(k, prefix+".", settingKeys)
		}
	}
	return p.checkSettings(n, prefix, s, seen)
}

// checkSettings refuses combinations no run can use, and a key given in
// the same mapping as one that makes it unused.
func (p *suiteParser) checkSettings(n *yaml.Node, key string, s *resultfile.CellSettings, given map[string]bool) error {
	if given["calibrate"] && given["start"] && s.Start > 0 {
		return p.errf(n.Line, key, "calibrate is not used when a start rate is given: the search starts at start; give one of them")
	}
	if s.Warmup >= s.Probe {
		return p.errf(n.Line, key, "warmup %v leaves nothing of probe %v to measure", s.Warmup, s.Probe)
	}
	for _, text := range s.Faults {
		if f, err := ParseFault(text); err == nil && f.At > s.Probe.D() {
			return p.errf(n.Line, key, "faults: '%s' fires after the end of a probe (probe %v): every measured run publishes for probe", text, s.Probe)
		}
	}
	if s.Probe.D()-s.Warmup.D() < 2*time.Second {
		return p.errf(n.Line, key, "probe %v after warmup %v measures under 2s: the lag trend needs at least two whole seconds", s.Probe, s.Warmup)
	}
	if s.Calibrate == 0 && s.Start == 0 {
		return p.errf(n.Line, key, "calibrate is 0 and no start rate is given: the search needs one of them")
	}
	return nil
}

// engineConf turns the engine settings of a cell of engine (its
// config_file, spellings and engine_conf, the defaults' beneath the cell's
// own) into the one Conf its runs use, checked by the engine's own
// configuration code: a setting the engine refuses is an error at the line
// that set it. A setting of the suite's defaults that the engine does not
// know is for other engines and left out; one in the cell is refused. An
// engine this checkout lacks is left to Available.
func (p *suiteParser) engineConf(s *resultfile.CellSettings, engine, cellKey string) error {
	spec, err := engines.Lookup(engine)
	if err != nil {
		return nil
	}
	merged := engines.Conf{}
	configLine := p.configLine[s]
	if s.ConfigFile != "" {
		if p.dir != "" && !filepath.IsAbs(s.ConfigFile) {
			s.ConfigFile = filepath.Join(p.dir, s.ConfigFile)
		}
		conf, err := ReadEngineConfigFile(engine, s.ConfigFile)
		if err != nil {
			return p.errf(configLine, cellKey+".config_file", "%v", err)
		}
		merged = conf
	}
	knows := map[string]bool{}
	for _, k := range spec.Keys {
		knows[k.Name] = true
	}
	origins := p.conf[s]
	for _, k := range engines.Conf(s.EngineConf).Keys() {
		o := origins[k]
		if o.spelling != "" {
			f, _ := LookupEngineFlag(o.spelling)
			own, err := f.KeyFor(engine)
			switch {
			case err != nil && o.defaults:
				continue
			case err != nil:
				return p.errf(o.line, o.key, "%v", err)
			case own != k:
				continue
			}
		}
		if !knows[k] && o.defaults {
			continue
		}
		merged[k] = s.EngineConf[k]
	}
	g := spec.DefaultGuarantee()
	if s.Guarantee != "" {
		g, _ = engines.ParseGuarantee(s.Guarantee)
	}
	if err := spec.CheckGuarantee(g); err != nil {
		return nil // the bench reports the cell as failed, with the reason
	}
	if err := spec.CheckConf(merged, g); err != nil {
		var ce *engines.ConfError
		if errors.As(err, &ce) {
			if o, ok := origins[ce.Key]; ok {
				return p.errf(o.line, o.key, "%s: %v", ce.Key, ce.Err)
			}
			return p.errf(configLine, cellKey+".config_file", "%s: %v", ce.Key, ce.Err)
		}
		return p.errf(0, cellKey, "%v", err)
	}
	for _, k := range merged.Keys() {
		if err := Machine().CheckConf(engines.Conf{k: merged[k]}, s.DrainTimeout.D(), func(k string) string { return k }); err != nil {
			if o, ok := origins[k]; ok {
				return p.errf(o.line, o.key, "%v", err)
			}
			return p.errf(configLine, cellKey+".config_file", "%v", err)
		}
	}
	s.EngineConf = merged
	if len(merged) == 0 {
		s.EngineConf = nil
	}
	return nil
}

// cell decodes one entry of cells: one engine and one or more workloads.
func (p *suiteParser) cell(n *yaml.Node, key string, defaults *resultfile.CellSettings) ([]resultfile.Cell, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n.Line, key, "want a mapping with engine, workloads and settings")
	}
	s := *defaults
	s.Params = mapsClone(defaults.Params)
	s.EngineConf = mapsClone(defaults.EngineConf)
	p.conf[&s] = mapsClone(p.conf[defaults])
	p.configLine[&s] = p.configLine[defaults]
	s.Loads = slices.Clone(defaults.Loads)
	var engine, name string
	var workloadList []string
	at := cellLines{key: key, guarantee: p.guaranteeLine[defaults]}
	known := append([]string{"engine", "name", "workload", "workloads"}, settingKeys...)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kk := key + "." + k.Value
		if seen[k.Value] {
			return nil, p.errf(k.Line, kk, "given twice")
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "engine":
			engine, err = p.name(v, kk)
			at.engine = v.Line
		case "name":
			name, err = p.name(v, kk)
		case "workload":
			at.workload = v.Line
			var w string
			if w, err = p.name(v, kk); err == nil {
				workloadList = append(workloadList, w)
			}
		case "workloads":
			at.workload = v.Line
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return nil, p.errf(v.Line, kk, "want a non-empty list of workload names")
			}
			for j, wn := range v.Content {
				w, werr := p.name(wn, fmt.Sprintf("%s[%d]", kk, j))
				if werr != nil {
					return nil, werr
				}
				workloadList = append(workloadList, w)
			}
		default:
			if k.Value == "guarantee" {
				at.guarantee = v.Line
			}
			var ok bool
			ok, err = p.setting(k, v, key+".", &s)
			if err == nil && !ok {
				err = p.unknown(k, key+".", known)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if engine == "" {
		return nil, p.errf(n.Line, key+".engine", "missing: every cell names its engine")
	}
	if len(workloadList) == 0 {
		return nil, p.errf(n.Line, key+".workloads", "missing: every cell names its workload or workloads")
	}
	if err := p.engineConf(&s, engine, key); err != nil {
		return nil, err
	}
	if err := p.checkSettings(n, key, &s, seen); err != nil {
		return nil, err
	}
	if name == "" {
		name = engine
		if s.Guarantee != "" {
			name += "-" + s.Guarantee
		}
	}
	cells := make([]resultfile.Cell, 0, len(workloadList))
	for _, w := range workloadList {
		c := resultfile.Cell{ID: name + "/" + w, Engine: engine, Workload: w, CellSettings: s}
		p.lines[c.ID] = at
		c.Params = mapsClone(s.Params)
		c.Loads = slices.Clone(s.Loads)
		cells = append(cells, c)
	}
	return cells, nil
}

// name decodes an engine, workload or cell name: lowercase letters, digits,
// '-', '_' and '.', so it can be part of a file name.
func (p *suiteParser) name(v *yaml.Node, key string) (string, error) {
	s, err := p.str(v, key)
	if err != nil {
		return "", err
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", p.errf(v.Line, key, "%q: names use lowercase letters, digits, '-', '_' and '.'", s)
		}
	}
	return s, nil
}

// parseSuiteRate parses a rate in records/s with an optional k or M.
func parseSuiteRate(s string) (float64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || v < 0 || math.IsNaN(v) {
		return 0, errors.New("want records per second (20000, 250k, 1.5M), or 0 to start from the calibration")
	}
	if err := CheckRate(v*mult, true); err != nil {
		return 0, err
	}
	return v * mult, nil
}

// Select keeps the cells whose engine is in engines, workload in
// workloads and ID in ids (an empty list keeps all). A name in a filter
// that no cell of the suite has is a *UsageError, so a typo is not a bench
// of nothing.
func (s *Suite) Select(engineNames, workloadNames, ids []string) error {
	check := func(flag string, want []string, have func(resultfile.Cell) string) error {
		var all []string
		for _, c := range s.Cells {
			if !slices.Contains(all, have(c)) {
				all = append(all, have(c))
			}
		}
		for _, w := range want {
			if !slices.Contains(all, w) {
				msg := fmt.Sprintf("--%s %s: suite %s has no such cell (it has: %s)", flag, w, s.Name, strings.Join(all, ", "))
				if best := engines.Closest(w, all); best != "" {
					msg += fmt.Sprintf("; did you mean %q?", best)
				}
				return &UsageError{Msg: msg}
			}
		}
		return nil
	}
	if err := check("engines", engineNames, func(c resultfile.Cell) string { return c.Engine }); err != nil {
		return err
	}
	if err := check("workloads", workloadNames, func(c resultfile.Cell) string { return c.Workload }); err != nil {
		return err
	}
	if err := check("cells", ids, func(c resultfile.Cell) string { return c.ID }); err != nil {
		return err
	}
	keep := s.Cells[:0]
	for _, c := range s.Cells {
		if (len(engineNames) == 0 || slices.Contains(engineNames, c.Engine)) &&
			(len(workloadNames) == 0 || slices.Contains(workloadNames, c.Workload)) &&
			(len(ids) == 0 || slices.Contains(ids, c.ID)) {
			keep = append(keep, c)
		}
	}
	s.Cells = keep
	if len(s.Cells) == 0 {
		return &UsageError{Msg: fmt.Sprintf("suite %s: no cell matches the --engines, --workloads and --cells filters together", s.Name)}
	}
	return nil
}
