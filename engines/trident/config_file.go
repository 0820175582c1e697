package trident

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streambench/streambench/engines/core"
)

// ReadConfigFile reads a storm.yaml-style file that may hold Trident's keys
// beside engines/core's: Trident's are checked here, the others by
// engines/core, and an unknown key is an error naming it.
func ReadConfigFile(path string) (core.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read trident config: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %s: not a YAML mapping of config keys (key: value lines)", core.ErrInvalidConfig, path)
		}
		return nil, fmt.Errorf("%w: %s: not a YAML mapping of config keys: %s", core.ErrInvalidConfig, path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	conf := core.Config{}
	for k, v := range raw {
		conf[k] = v
	}
	if _, rest, err := splitConfig(conf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	} else if err := rest.Validate(path); err != nil {
		return nil, err
	}
	return conf, nil
}
