package resultfile

import (
	"strings"
	"time"
)

// Cell is one (engine, workload) configuration to measure: the unit a bench
// runs, resumes and reports.
type Cell struct {
	// ID names the cell, unique in its suite: "<name>/<workload>", where
	// name defaults to "<engine>-<guarantee>".
	ID       string `json:"id"`
	Engine   string `json:"engine"`
	Workload string `json:"workload"`
	CellSettings
}

// CellSettings is everything a cell's runs are configured with. Each key of
// a suite's defaults and cells sets one field; the YAML key is in the tag.
type CellSettings struct {
	// Guarantee is the delivery guarantee (empty: the engine's own).
	Guarantee   string            `yaml:"guarantee" json:"guarantee,omitempty"`
	Seed        uint64            `yaml:"seed" json:"seed"`
	Partitions  int               `yaml:"partitions" json:"partitions"`
	Parallelism int               `yaml:"parallelism" json:"parallelism"`
	Params      map[string]string `yaml:"params" json:"params,omitempty"`
	// EngineConf holds the engine's settings in its own vocabulary
	// (topology.max.spout.pending, spark.streaming.batchDuration): the
	// suite's engine_conf, its spellings (batch_interval, ...) and the keys
	// of ConfigFile, merged and checked by the engine when the suite is read.
	EngineConf map[string]string `yaml:"engine_conf" json:"engine_conf,omitempty"`
	// Source is where the runs read records: generator (when empty) or
	// jetstream, on a JetStream server embedded in each run.
	Source string `yaml:"source" json:"source,omitempty"`
	// NATSClass is the kind of source JetStream plays: log (when empty),
	// queue or feed.
	NATSClass string `yaml:"nats_class" json:"nats_class,omitempty"`
	// Nodes runs the cell on a cluster of that many nodes on this machine
	// (0: local mode); CoresPerNode pins each node to that many cores;
	// Timing is the cluster's heartbeat and timeout profile.
	Nodes        int    `yaml:"nodes" json:"nodes,omitempty"`
	CoresPerNode int    `yaml:"cores_per_node" json:"cores_per_node,omitempty"`
	Timing       string `yaml:"timing" json:"timing,omitempty"`
	// Faults is the fault schedule of each of the cell's measured runs
	// (not its max-rate calibration), in the grammar of `streambench run
	// --fault` ("kill worker 1 at 10s"); each run's result then holds the
	// recovery figures of every firing.
	Faults []string `yaml:"faults" json:"faults,omitempty"`
	// ConfigFile is the storm.yaml-style file the settings were read from
	// (core, trident), recorded as given.
	ConfigFile string `yaml:"config_file" json:"config_file,omitempty"`

	// Rate, when set, is a fixed rate in records/s: each repetition is one
	// run at it, probe long, and no search (a fault cell, whose recovery
	// and verdict are what it measures).
	Rate float64 `yaml:"rate" json:"rate,omitempty"`

	// The sustainable-rate search: see harness.SearchConfig and Criteria.
	LatencyBound Duration `yaml:"latency_bound" json:"latency_bound"`
	Probe        Duration `yaml:"probe" json:"probe"`
	Warmup       Duration `yaml:"warmup" json:"warmup"`
	Calibrate    Duration `yaml:"calibrate" json:"calibrate"`
	Start        float64  `yaml:"start" json:"start,omitempty"`
	Step         float64  `yaml:"step" json:"step,omitempty"`
	Precision    float64  `yaml:"precision" json:"precision"`
	MaxProbes    int      `yaml:"max_probes" json:"max_probes"`
	LagSlope     float64  `yaml:"lag_slope" json:"lag_slope"`
	LatencySlope float64  `yaml:"latency_slope" json:"latency_slope"`
	SendRate     float64  `yaml:"send_rate" json:"send_rate"`
	Backlog      Duration `yaml:"backlog" json:"backlog"`
	DrainTimeout Duration `yaml:"drain_timeout" json:"drain_timeout"`
	// Loads are the fractions of the sustainable rate each cell also runs
	// at for its latency-vs-load curve (Storm's ThroughputVsLatency).
	Loads []float64 `yaml:"loads" json:"loads"`
	// LoadProbe is how long each load run publishes, when not Probe: a
	// soak runs its loads for half an hour after a search of short probes.
	LoadProbe Duration `yaml:"load_probe" json:"load_probe,omitempty"`
}

// Duration is a time.Duration that reads and writes as "1s", "500ms".
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Criteria returns the cell's sustainability criteria.
func (c *Cell) Criteria() Criteria {
	return Criteria{LagSlope: c.LagSlope, SendRate: c.SendRate, LatencyBound: c.LatencyBound, LatencySlope: c.LatencySlope}
}

// Slug is the cell's ID as a file-name prefix.
func (c *Cell) Slug() string {
	name, workload, _ := strings.Cut(c.ID, "/")
	return workload + "." + name
}
