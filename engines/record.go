package engines

// Record is one input record as a source delivers it. Records are addressed
// by (Partition, Offset), like messages in a Kafka topic: offsets are dense
// per partition and start at 0, so a replaying consumer can fetch a record
// again by its address.
type Record struct {
	// Partition and Offset identify the record in its source.
	Partition int32
	Offset    int64
	// EventTime is when the event happened, in nanoseconds since the Unix
	// epoch. Windowed workloads window on it.
	EventTime int64
	// Intended is when the harness's driver planned to publish the record,
	// in nanoseconds since the Unix epoch. Latency is measured from here.
	Intended int64
	// Value is the payload as text, the way a message broker would carry it;
	// pipelines parse it as a user of the engine would.
	Value string
}

// Output is one result written by a pipeline to its Sink: an update of the
// value held for (Key, Window), or an event when the workload's oracle
// expects events. Every output names the input record it reflects, so the
// harness can trace it and time it.
type Output struct {
	// Key and Window name the result. Window is the event-time window's
	// start in nanoseconds since the Unix epoch, or 0 for unwindowed results.
	Key    string
	Window int64
	// Value is the result's new value, such as a running count.
	Value int64
	// Partition, Offset and Intended are copied from the oldest input record
	// the output reflects. For an output that folds several records (a
	// micro-batch aggregate), latency is then the age of the oldest of them.
	// For a windowed output, Intended is the wall-clock end of the window.
	Partition int32
	Offset    int64
	Intended  int64
}
