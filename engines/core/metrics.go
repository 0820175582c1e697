package core

import (
	"sync/atomic"
	"time"
)

// taskStats counts what a task did, with Storm's meanings. The plain fields
// belong to the executor's goroutine; publish copies them into the atomics
// that metrics readers load, once per batch rather than once per tuple.
type taskStats struct {
	emitted     []int64 // per stream index: tuples emitted (__emit-count)
	transferred int64   // tuples sent to tasks: emitted x targets (__transfer-count)
	acked       int64   // bolts: inputs acked; spouts: trees completed (__ack-count)
	failed      int64   // bolts: inputs failed; spouts: trees failed or timed out (__fail-count)
	executed    int64   // inputs executed (__execute-count)

	execLatNs, execLatN int64 // sampled execute latency (__execute-latency)
	procLatNs, procLatN int64 // sampled time from execute to ack (__process-latency)
	compLatNs, compLatN int64 // spout emit to tree completion (__complete-latency)
	sampleCtr           uint64

	skippedMaxSpoutNs     int64 // __skipped-max-spout-ms
	skippedBackpressureNs int64 // __skipped-backpressure-ms

	pub publishedStats
}

type publishedStats struct {
	emitted                          []atomic.Int64
	transferred, acked, failed, exec atomic.Int64
	execLatNs, execLatN              atomic.Int64
	procLatNs, procLatN              atomic.Int64
	compLatNs, compLatN              atomic.Int64
	skippedMaxSpoutNs, skippedBPNs   atomic.Int64
}

func newTaskStats(streams int) taskStats {
	return taskStats{emitted: make([]int64, streams), pub: publishedStats{emitted: make([]atomic.Int64, streams)}}
}

func (s *taskStats) publish() {
	for i, v := range s.emitted {
		s.pub.emitted[i].Store(v)
	}
	s.pub.transferred.Store(s.transferred)
	s.pub.acked.Store(s.acked)
	s.pub.failed.Store(s.failed)
	s.pub.exec.Store(s.executed)
	s.pub.execLatNs.Store(s.execLatNs)
	s.pub.execLatN.Store(s.execLatN)
	s.pub.procLatNs.Store(s.procLatNs)
	s.pub.procLatN.Store(s.procLatN)
	s.pub.compLatNs.Store(s.compLatNs)
	s.pub.compLatN.Store(s.compLatN)
	s.pub.skippedMaxSpoutNs.Store(s.skippedMaxSpoutNs)
	s.pub.skippedBPNs.Store(s.skippedBackpressureNs)
}

// TaskMetrics are one task's metrics. Latencies are means in milliseconds
// over a sample of tuples (topology.stats.sample.rate); counts are exact.
type TaskMetrics struct {
	Task    int              `json:"task"`
	Emitted map[string]int64 `json:"emitted"`
	// Transferred counts tuples sent to tasks: a tuple emitted to a stream
	// with two subscribers counts once in Emitted and twice here.
	Transferred int64 `json:"transferred"`
	// Acked and Failed count, for a bolt, the inputs it acked and failed;
	// for a spout, its tuple trees that completed and that failed or
	// timed out.
	Acked    int64 `json:"acked"`
	Failed   int64 `json:"failed"`
	Executed int64 `json:"executed,omitempty"`
	// ExecuteLatencyMs is the time Execute took; ProcessLatencyMs the time
	// from the start of Execute to the tuple's ack; CompleteLatencyMs (a
	// spout's) the time from emit to the completion of the tuple tree.
	ExecuteLatencyMs  float64 `json:"execute_latency_ms,omitempty"`
	ProcessLatencyMs  float64 `json:"process_latency_ms,omitempty"`
	CompleteLatencyMs float64 `json:"complete_latency_ms,omitempty"`
	// Capacity is the fraction of the time the task spent executing:
	// executed x execute latency / elapsed time. Near 1 the task is the
	// bottleneck and needs more executors.
	Capacity              float64 `json:"capacity,omitempty"`
	SkippedMaxSpoutMs     int64   `json:"skipped_max_spout_ms,omitempty"`
	SkippedBackpressureMs int64   `json:"skipped_backpressure_ms,omitempty"`
	// Pending is a spout task's tuples in flight.
	Pending int64 `json:"pending,omitempty"`
	// Builtin holds the same figures under Storm's built-in metric names
	// (see BuiltinMetrics), so that dashboards and scripts written for
	// Storm read them as they are.
	Builtin map[string]float64 `json:"builtin,omitempty"`
}

// Storm's built-in metric names, as its executors register them.
const (
	MetricAckCount              = "__ack-count"
	MetricFailCount             = "__fail-count"
	MetricEmitCount             = "__emit-count"
	MetricTransferCount         = "__transfer-count"
	MetricExecuteCount          = "__execute-count"
	MetricCompleteLatency       = "__complete-latency"
	MetricExecuteLatency        = "__execute-latency"
	MetricProcessLatency        = "__process-latency"
	MetricSkippedMaxSpoutMs     = "__skipped-max-spout-ms"
	MetricSkippedBackpressureMs = "__skipped-backpressure-ms"
	MetricReceivePopulation     = "__receive.population"
	MetricReceiveCapacity       = "__receive.capacity"
	MetricReceivePctFull        = "__receive.pct_full"
	MetricCapacity              = "capacity"
)

// builtin fills m.Builtin from m's fields. Counts are Storm's totals (its
// per-stream counts summed), latencies means in milliseconds, capacity
// Storm's executed x execute latency (ms) / (1000 x window seconds).
func (m *TaskMetrics) builtin() {
	var emitted int64
	for _, n := range m.Emitted {
		emitted += n
	}
	b := map[string]float64{
		MetricAckCount:              float64(m.Acked),
		MetricFailCount:             float64(m.Failed),
		MetricEmitCount:             float64(emitted),
		MetricTransferCount:         float64(m.Transferred),
		MetricExecuteCount:          float64(m.Executed),
		MetricCompleteLatency:       m.CompleteLatencyMs,
		MetricExecuteLatency:        m.ExecuteLatencyMs,
		MetricProcessLatency:        m.ProcessLatencyMs,
		MetricSkippedMaxSpoutMs:     float64(m.SkippedMaxSpoutMs),
		MetricSkippedBackpressureMs: float64(m.SkippedBackpressureMs),
		MetricCapacity:              m.Capacity,
	}
	if m.Builtin != nil {
		for k, v := range m.Builtin {
			b[k] = v
		}
	}
	m.Builtin = b
}

// ReceiveQueue is the state of a component's receive queues (Storm's
// __receive metric): tuples waiting, room, and how full, over the
// component's executors in this process. Queues hold batches, so the
// figures are batches times topology.producer.batch.size.
type ReceiveQueue struct {
	Population int64   `json:"population"`
	Capacity   int64   `json:"capacity"`
	PctFull    float64 `json:"pct_full"`
}

// ComponentMetrics are a component's metrics: the sums of its tasks' counts
// and the means of their latencies weighted by their samples.
type ComponentMetrics struct {
	Component string `json:"component"`
	Type      string `json:"type"` // spout, bolt or acker
	Executors int    `json:"executors"`
	// Receive is the component's receive queues when metrics were read.
	Receive ReceiveQueue `json:"receive"`
	TaskMetrics
	Tasks []TaskMetrics `json:"tasks"`
}

// TopologyMetrics are the metrics of a running topology.
type TopologyMetrics struct {
	Name       string             `json:"name"`
	Status     string             `json:"status"`
	Uptime     time.Duration      `json:"uptime_ns"`
	Workers    int                `json:"workers"`
	Components []ComponentMetrics `json:"components"`
	Errors     []ErrorInfo        `json:"errors,omitempty"`
}

// ErrorInfo is an error a task reported, with when (Storm's ErrorInfo).
type ErrorInfo struct {
	Component string    `json:"component"`
	Task      int       `json:"task"`
	Error     string    `json:"error"`
	Time      time.Time `json:"time"`
}

func ratio(ns, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(ns) / float64(n) / 1e6
}

// metrics reads a task's published counters. elapsed is the window that
// capacity is computed over.
func (t *task) metrics(elapsed time.Duration) TaskMetrics {
	p := &t.stats.pub
	m := TaskMetrics{
		Task:                  t.id,
		Emitted:               make(map[string]int64, len(t.comp.streams)),
		Transferred:           p.transferred.Load(),
		Acked:                 p.acked.Load(),
		Failed:                p.failed.Load(),
		Executed:              p.exec.Load(),
		ExecuteLatencyMs:      ratio(p.execLatNs.Load(), p.execLatN.Load()),
		ProcessLatencyMs:      ratio(p.procLatNs.Load(), p.procLatN.Load()),
		CompleteLatencyMs:     ratio(p.compLatNs.Load(), p.compLatN.Load()),
		SkippedMaxSpoutMs:     p.skippedMaxSpoutNs.Load() / 1e6,
		SkippedBackpressureMs: p.skippedBPNs.Load() / 1e6,
		Pending:               t.pendingCount.Load(),
	}
	for i, s := range t.comp.streams {
		m.Emitted[s.stream] = p.emitted[i].Load()
	}
	if elapsed > 0 {
		m.Capacity = float64(m.Executed) * m.ExecuteLatencyMs / float64(elapsed.Milliseconds()+1)
	}
	m.builtin()
	return m
}

// aggregate sums task metrics into a component's.
func aggregate(tasks []TaskMetrics, tasksStats []*task) TaskMetrics {
	var a TaskMetrics
	a.Task = -1
	a.Emitted = make(map[string]int64)
	var execNs, execN, procNs, procN, compNs, compN int64
	for i, m := range tasks {
		for k, v := range m.Emitted {
			a.Emitted[k] += v
		}
		a.Transferred += m.Transferred
		a.Acked += m.Acked
		a.Failed += m.Failed
		a.Executed += m.Executed
		a.SkippedMaxSpoutMs += m.SkippedMaxSpoutMs
		a.SkippedBackpressureMs += m.SkippedBackpressureMs
		a.Pending += m.Pending
		a.Capacity = max(a.Capacity, m.Capacity)
		p := &tasksStats[i].stats.pub
		execNs += p.execLatNs.Load()
		execN += p.execLatN.Load()
		procNs += p.procLatNs.Load()
		procN += p.procLatN.Load()
		compNs += p.compLatNs.Load()
		compN += p.compLatN.Load()
	}
	a.ExecuteLatencyMs = ratio(execNs, execN)
	a.ProcessLatencyMs = ratio(procNs, procN)
	a.CompleteLatencyMs = ratio(compNs, compN)
	a.builtin()
	return a
}

// receiveQueue reads the receive queues of cp's executors in assignment a.
func receiveQueue(a *assignment, cp *compPlan) ReceiveQueue {
	var q ReceiveQueue
	if a == nil {
		return q
	}
	for _, e := range a.executors {
		if e.comp != cp || e.queue == nil {
			continue
		}
		q.Population += int64(e.queue.Len() * cp.batchSize)
		q.Capacity += int64(e.queue.Cap() * cp.batchSize)
	}
	if q.Capacity > 0 {
		q.PctFull = float64(q.Population) / float64(q.Capacity)
	}
	return q
}
