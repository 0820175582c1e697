package resultfile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ManifestFile is the name of a bench directory's manifest.
const ManifestFile = "bench.json"

// BenchSchemaVersion is the version of the manifest format.
const BenchSchemaVersion = 1

// Cell statuses in a manifest.
const (
	StatusPending  = "pending"  // not measured yet: the bench stopped before it
	StatusRunning  = "running"  // being measured, or the bench stopped during it
	StatusDone     = "done"     // every repetition measured
	StatusMissing  = "missing"  // this checkout cannot run it (engine or workload not in it yet)
	StatusFailed   = "failed"   // it cannot be measured: bad settings, a failing engine
	StatusSkipped  = "skipped"  // not selected by this bench's filters
	StatusCanceled = "canceled" // the bench was interrupted during it
)

// Manifest describes a bench directory: the suite, every cell's status and
// every run's result file. It is rewritten atomically after every run, so a
// stopped bench leaves a manifest that says what is done and what is not.
type Manifest struct {
	BenchSchema int    `json:"bench_schema"`
	Suite       string `json:"suite"`
	SuiteFile   string `json:"suite_file"`
	// SuiteSource is the suite's YAML, so the bench can be read and resumed
	// without the file it came from.
	SuiteSource string       `json:"suite_source"`
	Description string       `json:"description,omitempty"`
	Repeat      int          `json:"repeat"`
	Command     []string     `json:"command"`
	StartedAt   time.Time    `json:"started_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Finished    bool         `json:"finished"`
	Environment Environment  `json:"environment"`
	Cells       []CellRecord `json:"cells"`
}

// CellRecord is one cell of a bench and what was measured of it.
type CellRecord struct {
	Cell
	// ResolvedGuarantee is the guarantee the cell ran with: the suite's, or
	// the engine's own when the suite gives none.
	ResolvedGuarantee string `json:"resolved_guarantee,omitempty"`
	Status            string `json:"status"`
	Reason            string `json:"reason,omitempty"`
	// Reproduce is the command that measures this cell again.
	Reproduce   []string     `json:"reproduce"`
	Repetitions []Repetition `json:"repetitions,omitempty"`
}

// Repetition is one measurement of a cell: a search, then (on the first
// repetition) runs at fractions of the sustainable rate.
type Repetition struct {
	Index  int            `json:"index"`
	Done   bool           `json:"done"`
	Search SearchOutcome  `json:"search"`
	Loads  []ProbeOutcome `json:"loads,omitempty"`
}

// Sustainable returns the sustainable rate of each finished repetition.
func (c *CellRecord) Sustainable() []float64 {
	var out []float64
	for _, r := range c.Repetitions {
		if r.Done {
			out = append(out, r.Search.Sustainable)
		}
	}
	return out
}

// Files returns every result file the cell's runs wrote.
func (c *CellRecord) Files() []string {
	var out []string
	for _, r := range c.Repetitions {
		for _, p := range append(slices.Clone(r.Search.Probes), r.Loads...) {
			if p.File != "" {
				out = append(out, p.File)
			}
		}
	}
	return out
}

// ReadManifest reads a bench directory's manifest. A manifest that is not
// JSON, is truncated or has another version is refused with an error naming
// the file.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// DecodeManifest decodes and checks a manifest.
func DecodeManifest(data []byte) (*Manifest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadResult, describeJSONError(data, err))
	}
	raw, ok := top["bench_schema"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"bench_schema\" key: not a streambench bench manifest", ErrBadResult)
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil || v != BenchSchemaVersion {
		return nil, fmt.Errorf("%w: bench manifest version %s, this streambench reads version %d", ErrBadResult, raw, BenchSchemaVersion)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadResult, describeJSONError(data, err))
	}
	ids := map[string]bool{}
	for i, c := range m.Cells {
		switch {
		case c.ID == "" || c.Engine == "" || c.Workload == "":
			return nil, fmt.Errorf("%w: cell %d has no id, engine or workload", ErrBadResult, i)
		case ids[c.ID]:
			return nil, fmt.Errorf("%w: cell %s listed twice", ErrBadResult, c.ID)
		}
		ids[c.ID] = true
		for _, f := range c.Files() {
			if f != filepath.Base(f) || !strings.HasSuffix(f, ".json") {
				return nil, fmt.Errorf("%w: cell %s names result file %q outside the bench directory", ErrBadResult, c.ID, f)
			}
		}
		switch c.Status {
		case StatusPending, StatusRunning, StatusDone, StatusMissing, StatusFailed, StatusSkipped, StatusCanceled:
		default:
			return nil, fmt.Errorf("%w: cell %s has unknown status %q", ErrBadResult, c.ID, c.Status)
		}
	}
	return &m, nil
}
