package resultfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/streambench/streambench/engines"
)

// SchemaVersion is the version of the result file format this streambench
// writes and reads. Keys documented in the README keep their meaning within
// a version; a change of meaning is a new version.
const SchemaVersion = 1

// ErrBadResult is wrapped by every error about a result file's content.
var ErrBadResult = errors.New("bad result file")

// Result is one run, as written to a result file.
type Result struct {
	Schema      int         `json:"schema"`
	Command     []string    `json:"command"`
	StartedAt   time.Time   `json:"started_at"`
	Environment Environment `json:"environment"`

	Engine         string            `json:"engine"`
	EngineSettings engines.Settings  `json:"engine_settings"`
	Workload       string            `json:"workload"`
	WorkloadParams map[string]string `json:"workload_params"`
	RecordBytes    float64           `json:"record_bytes"`
	Seed           uint64            `json:"seed"`
	Guarantee      engines.Guarantee `json:"guarantee"`
	Source         string            `json:"source"`
	// SourceSettings says how the source was set up and where it ran (a
	// broker's URL, whether the harness started it, its store).
	SourceSettings map[string]any `json:"source_settings,omitempty"`
	Partitions     int            `json:"partitions"`
	Parallelism    int            `json:"parallelism"`

	Rate RateFigures `json:"rate"`
	// Records is how many records were published; RecordsMeasured how many
	// of them the engine read in the measured window (after the warm-up).
	Records         int64 `json:"records"`
	RecordsMeasured int64 `json:"records_measured"`
	// DurationS is the measured window in seconds: from the end of the
	// warm-up to the engine's last output. WarmupS is the warm-up discarded,
	// rounded up to whole seconds, 0 when the run was shorter than it.
	DurationS  float64 `json:"duration_s"`
	WarmupS    float64 `json:"warmup_s"`
	WarmupNote string  `json:"warmup_note,omitempty"`

	Throughput Throughput     `json:"throughput"`
	Latency    LatencySummary `json:"latency_us"`
	// CPU is the CPU time the whole process spent from the engine's start to
	// its end (getrusage before and after), harness included: the cost of a
	// record in core time, which a busy host's stolen cycles do not inflate
	// as they do wall time. Absent in results written before streambench
	// recorded it, and where the platform has no getrusage.
	CPU *CPUFigures `json:"cpu,omitempty"`
	// SendDelay is how late the driver published records against its plan
	// (always 0 when the rate is "max"); SendsDropped counts records a
	// lossy source refused (the in-process source never refuses: it makes
	// the driver wait, which shows as send delay and latency).
	SendDelay    LatencySummary  `json:"send_delay_us"`
	SendsDropped int64           `json:"sends_dropped"`
	Timeline     []TimelinePoint `json:"timeline"`
	Verification Verification    `json:"verification"`
	// EngineMetrics are the engine's own counters (Storm's component
	// metrics, Spark's batch delays), stored as the engine reported them.
	EngineMetrics json.RawMessage `json:"engine_metrics,omitempty"`
	// Cluster describes a run on a cluster of processes: its nodes and
	// what each did (absent in local mode).
	Cluster *ClusterFigures `json:"cluster,omitempty"`
	// Recovery has one entry per fault the harness injected (a run's
	// --fault schedule), in the order they fired: when, what it hit, and
	// how the run came back (see RecoveryFigures). Absent in runs without
	// faults.
	Recovery []RecoveryFigures `json:"recovery,omitempty"`
	// HistogramLog names the .hlog file beside this one: per-second latency
	// histograms, tagged "latency", in HdrHistogram's log format.
	HistogramLog string `json:"histogram_log"`
	// HistogramLogSHA256 is the SHA-256 of the .hlog as written, so a log
	// cut short or changed is refused rather than reported from (absent in
	// results written before streambench recorded it).
	HistogramLogSHA256 string `json:"histogram_log_sha256,omitempty"`
	// Interrupted marks a run stopped before its end (Ctrl-C): its figures
	// cover what ran, and its verification only what was published.
	Interrupted bool `json:"interrupted,omitempty"`
	// Error says why the run failed, when it did.
	Error string `json:"error,omitempty"`
}

// ClusterFigures are the figures of a cluster run: the control plane's
// timing profile, the topology's worker processes, and each node's share.
type ClusterFigures struct {
	// Joined names the running cluster the run was submitted to; empty
	// when the run started its own processes on this machine.
	Joined  string `json:"joined,omitempty"`
	Timing  string `json:"timing"`
	Workers int    `json:"workers"`
	// Restarts counts the times a worker started again during the run (a
	// killed process relaunched by its agent, a worker moved or
	// restarted on a new assignment); its earlier lives' records,
	// outputs and CPU time stay in its node's figures.
	Restarts int           `json:"restarts,omitempty"`
	Nodes    []NodeFigures `json:"nodes"`
}

// NodeFigures are one node's part of a cluster run, from its workers'
// last reports: the CPU time of its worker processes, the records its
// spouts read, the outputs it sent, and its share of the run's throughput
// (the run's records per second times the node's share of the records
// read).
type NodeFigures struct {
	Node             string  `json:"node"`
	Cores            []int   `json:"cores,omitempty"`
	Workers          int     `json:"workers"`
	CPUSeconds       float64 `json:"cpu_seconds"`
	RecordsRead      int64   `json:"records_read"`
	Outputs          int64   `json:"outputs"`
	RecordsPerSecond float64 `json:"records_per_second"`
}

// CPUFigures is a run's process CPU time.
type CPUFigures struct {
	// UserS and SystemS are seconds of user and system CPU time.
	UserS   float64 `json:"user_s"`
	SystemS float64 `json:"system_s"`
	// NsPerRecord is (user + system) CPU time per published record, in
	// nanoseconds.
	NsPerRecord float64 `json:"ns_per_record"`
}

// RateFigures is the offered load asked for and achieved.
type RateFigures struct {
	// Asked is the planned rate in records per second; 0 with Max set
	// means "as fast as the engine takes them".
	Asked    float64 `json:"asked"`
	Max      bool    `json:"max"`
	Achieved float64 `json:"achieved"`
}

// Throughput is what the engine sustained in the measured window.
type Throughput struct {
	RecordsPerSecond        float64 `json:"records_per_second"`
	RecordsPerSecondPerNode float64 `json:"records_per_second_per_node"`
	RecordsPerSecondPerCore float64 `json:"records_per_second_per_core"`
	OutputsPerSecond        float64 `json:"outputs_per_second"`
	BytesPerSecond          float64 `json:"bytes_per_second"`
}

// TimelinePoint is one second of a run.
type TimelinePoint struct {
	// Second counts from the run's start; the point covers [Second, Second+1).
	Second int `json:"second"`
	// Warmup marks seconds excluded from the run's figures.
	Warmup bool `json:"warmup,omitempty"`
	// RecordsIn were published by the driver, RecordsRead fetched by the
	// engine (first fetches only), Outputs written to the sink.
	RecordsIn   int64 `json:"records_in"`
	RecordsRead int64 `json:"records_read"`
	Outputs     int64 `json:"outputs"`
	// Latency percentiles of the outputs written in this second, in µs.
	LatencyP50 int64 `json:"latency_p50_us"`
	LatencyP99 int64 `json:"latency_p99_us"`
	LatencyMax int64 `json:"latency_max_us"`
	// HeapBytes is the process's heap in use at the end of the second
	// (live and unswept objects), RSSBytes its resident set: a long run
	// shows here whether its memory holds.
	HeapBytes int64 `json:"heap_bytes,omitempty"`
	RSSBytes  int64 `json:"rss_bytes,omitempty"`
}

// requiredKeys are the result keys other tools rely on.
var requiredKeys = []string{"schema", "engine", "workload", "guarantee", "seed", "environment",
	"throughput", "latency_us", "verification"}

// ReadResult reads and checks a result file. A file that is not JSON, is
// truncated, lacks a required key or has another schema version is refused
// with an error naming the file and the problem.
func ReadResult(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := DecodeResult(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// DecodeResult decodes and checks a result.
func DecodeResult(data []byte) (*Result, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadResult, describeJSONError(data, err))
	}
	raw, ok := top["schema"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"schema\" key: not a streambench result", ErrBadResult)
	}
	var schema int
	if err := json.Unmarshal(raw, &schema); err != nil {
		return nil, fmt.Errorf("%w: \"schema\" is %s, want a number", ErrBadResult, raw)
	}
	if schema != SchemaVersion {
		return nil, fmt.Errorf("%w: schema version %d, this streambench reads version %d", ErrBadResult, schema, SchemaVersion)
	}
	for _, k := range requiredKeys {
		if _, ok := top[k]; !ok {
			return nil, fmt.Errorf("%w: missing key %q", ErrBadResult, k)
		}
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadResult, describeJSONError(data, err))
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResult, err)
	}
	return &r, nil
}

// check refuses values no run can produce.
func (r *Result) check() error {
	switch {
	case r.Engine == "":
		return errors.New("empty engine")
	case r.Workload == "":
		return errors.New("empty workload")
	case r.Guarantee < engines.AtMostOnce || r.Guarantee > engines.ExactlyOnce:
		return errors.New("no guarantee")
	case r.Verification.Guarantee != r.Guarantee:
		return fmt.Errorf("verification judged against %q, but the run's guarantee is %s", r.Verification.Guarantee, r.Guarantee)
	case r.Throughput.RecordsPerSecond < 0 || r.Throughput.RecordsPerSecondPerNode < 0 || r.Throughput.RecordsPerSecondPerCore < 0:
		return errors.New("negative throughput")
	case r.Verification.Lost < 0 || r.Verification.Duplicated < 0 || r.Verification.Wrong < 0:
		return errors.New("negative verification counts")
	case r.Latency.P50 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max:
		return errors.New("latency percentiles out of order")
	case r.Environment.Nodes < 0:
		return errors.New("negative node count")
	}
	return nil
}

// describeJSONError names where a JSON document went wrong.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syn) && syn.Offset >= int64(len(data))):
		return fmt.Sprintf("truncated: the JSON ends early at byte %d", len(data))
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Sprintf("key %q holds a %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	return err.Error()
}
