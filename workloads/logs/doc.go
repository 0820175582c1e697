// Package logs is the deck's log-monitoring scenario: "monitor application
// logs in real time to respond to application anomalies as they happen".
// Lines from many services are counted per service per window, and a window
// whose error rate jumps above the service's recent normal is flagged.
//
// Records are log lines as services write them, about 60 bytes:
//
//	<time> <LEVEL> <service> <message>
//	2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503
//
// Services log Zipf volumes (the busiest logs most), each with its own
// ordinary error rate (0.2% to 5%, drawn from the seed); other lines are
// DEBUG, INFO or WARN. The generator plants incidents: in a fraction
// incident-rate of the (service, window) pairs, decided by a hash of
// (seed, service, window), the service's error rate is multiplied by
// incident-factor. The time in the line is the record's event time.
//
// Outputs, per service per event-time window:
//
//   - the lines, keyed ("lines:"+service, window start), and the errors,
//     keyed ("errors:"+service, window start), both counts updated per line;
//   - an anomaly flag keyed ("anomaly:"+service, window start), 1 when the
//     window's error rate exceeds factor times the service's baseline, the
//     pooled error rate (errors over lines) of its previous
//     baseline-windows windows that have lines, else 0. The first window of
//     a service has no baseline and is 0. Every (service, window) with
//     lines has a flag.
//
// The flag of a window depends on counts that keep growing, its own and
// those of the windows before it, and engines deliver the records of
// different windows in different orders. Pipelines keep it right as counts
// grow (Detector.Add): a change to window w's counts re-judges w and the
// windows whose baseline includes w, and writes each flag that changed. The
// final flags are then those of the final counts whatever the order, which
// is what the oracle judges, from counts taken from the generator's
// decisions, with exact rational arithmetic.
//
// Every pipeline parses with Parse and judges with Detector, so every engine
// does the same work. One pipeline per engine:
//
//	baseline    one loop: parse, count, re-judge; with P workers, readers
//	            parse and hand each line to the monitor that owns the service
//	core        spout -> parse bolt (shuffle) -> monitor bolt (fields on
//	            service) keeping each service's windows
//	trident     each(Parse) -> partitionBy(service) ->
//	            partitionPersist(service windows, Detector.Add) ->
//	            newValuesStream -> partitionPersist(sink, changed counts
//	            and flags)
//	microbatch  map(Parse) -> map(((service, window), (1, error))) ->
//	            reduceByKey(sum) -> map by service ->
//	            mapWithState(Detector.Add over the batch's counts),
//	            writing the counts and flags that changed
//
// The output contract: the lines and errors per service per window and the anomaly flag per (service, window)
// are windowed results. Their updates may be merged; each is timed once, by its final output, from the latest
// intended time among its window's records. (The workloads package says what each kind of output allows.)
package logs
