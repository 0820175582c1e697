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

// Output is one result written by a pipeline to its Sink. Most outputs are
// updates: the new value of the result (Key, Window), such as a running
// count, the last of which is the result's final value. An output with Event
// set is instead one occurrence of something (an alert, a matching record):
// the sink counts events per (Key, Window), so an event emitted twice is seen
// twice. Every output names the input record it reflects, so the harness can
// trace it and time it.
type Output struct {
	// Key and Window name the result. Window is the event-time window's
	// start in nanoseconds since the Unix epoch, or 0 for unwindowed results.
	Key    string
	Window int64
	// Value is the result's new value for an update, and the number of
	// occurrences (usually 1) for an event.
	Value int64
	Event bool
	// Partition, Offset and Intended are copied from the input record the
	// output reflects. For an output that folds several records (a
	// micro-batch aggregate), they are those of the oldest of them, so
	// latency is the age of the oldest record the output reflects.
	//
	// A windowed output (Window != 0) instead carries in Intended the latest
	// intended emit time among the records of its window so far: the
	// wall-clock time the window's input was complete. The harness times a
	// window once, by its final output: the time of that output minus the
	// window's Intended.
	Partition int32
	Offset    int64
	Intended  int64
}
