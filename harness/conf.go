package harness

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines"
)

// EngineFlag is a command-line spelling of an engine setting: a flag such
// as --batch-interval that sets spark.streaming.batchDuration. Engines
// declare them in their Spec (engines.Spec.Flags); a suite writes them with
// underscores (batch_interval).
type EngineFlag struct {
	Name string
	// Keys maps each engine that has the flag to the key it sets.
	Keys map[string]string
}

// EngineFlags returns every engine's flags, sorted by name.
func EngineFlags() []EngineFlag {
	byName := map[string]map[string]string{}
	for _, s := range engines.Specs() {
		for flag, key := range s.Flags {
			if byName[flag] == nil {
				byName[flag] = map[string]string{}
			}
			byName[flag][s.Name] = key
		}
	}
	out := make([]EngineFlag, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, EngineFlag{Name: name, Keys: byName[name]})
	}
	return out
}

// Usage describes the flag for --help.
func (f EngineFlag) Usage() string {
	var parts []string
	for _, e := range slices.Sorted(maps.Keys(f.Keys)) {
		parts = append(parts, fmt.Sprintf("%s: %s", e, f.Keys[e]))
	}
	doc := ""
	for e, k := range f.Keys {
		if s, err := engines.Lookup(e); err == nil {
			for _, key := range s.Keys {
				if key.Name == k {
					doc = key.Doc + "; "
				}
			}
		}
	}
	return doc + "sets " + strings.Join(parts, ", ")
}

// KeyFor returns the key the flag sets on engine, or an error saying the
// engine does not use it.
func (f EngineFlag) KeyFor(engine string) (string, error) {
	if k, ok := f.Keys[engine]; ok {
		return k, nil
	}
	var users []string
	for _, e := range slices.Sorted(maps.Keys(f.Keys)) {
		users = append(users, fmt.Sprintf("%s of engine %s", f.Keys[e], e))
	}
	return "", fmt.Errorf("sets %s; engine %s does not use it (its settings: streambench list --engine %s)", strings.Join(users, " or "), engine, engine)
}

// LookupEngineFlag finds an engine flag by name.
func LookupEngineFlag(name string) (EngineFlag, bool) {
	for _, f := range EngineFlags() {
		if f.Name == name {
			return f, true
		}
	}
	return EngineFlag{}, false
}

// ReadEngineConfigFile reads a file of engine settings in the engine's own
// format (storm.yaml for core and trident) into a Conf.
func ReadEngineConfigFile(engine, path string) (engines.Conf, error) {
	spec, err := engines.Lookup(engine)
	if err != nil {
		return nil, err
	}
	if spec.ReadConfigFile == nil {
		var with []string
		for _, s := range engines.Specs() {
			if s.ReadConfigFile != nil {
				with = append(with, s.Name)
			}
		}
		return nil, fmt.Errorf("engine %s reads no configuration file (those that do: %s); give its settings with --conf key=value", engine, strings.Join(with, ", "))
	}
	if err := checkInputFile(path); err != nil {
		return nil, err
	}
	conf, err := spec.ReadConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("%v (its settings: streambench list --engine %s)", err, engine)
	}
	return conf, nil
}

// CheckEngineConf checks conf with the engine's own configuration code for
// a run at guarantee g. A key at fault is named as where(key) describes it
// (the flag or suite line it came from).
func CheckEngineConf(engine string, g engines.Guarantee, conf engines.Conf, where func(key string) string) error {
	spec, err := engines.Lookup(engine)
	if err != nil {
		return err
	}
	if err := spec.CheckGuarantee(g); err != nil {
		return err
	}
	err = spec.CheckConf(conf, g)
	var ce *engines.ConfError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %v", where(ce.Key), ce.Err)
	}
	return err
}
