// Package network is the deck's telecom scenario: "analyze network traffic
// in real time to allocate cell towers dynamically". Traffic records are
// counted per cell tower per window, and a tower whose load in a window
// reaches its capacity gets an allocate decision (more spectrum, a
// neighbour's help) at the moment it does.
//
// Records are call and data records (CDRs) as CSV lines, about 50 bytes:
//
//	tower,subscriber,kind,bytes,duration in seconds
//	310-260-20431-51203,310260482913377,data,48213,12
//
// The tower is drawn from a Zipf law over the towers (a few downtown towers
// carry most traffic), the subscriber uniformly, the kind as 30% voice, 20%
// sms and 50% data, with plausible sizes and durations. A record's event
// time is its timestamp (Record.EventTime, as a Kafka record carries one
// beside its value).
//
// Outputs, per tower per event-time window:
//
//   - the load, keyed (tower, window start): one update per record;
//   - an allocate event keyed ("allocate:"+tower, window start), emitted
//     exactly once, when the window's load first reaches the tower's
//     capacity.
//
// Capacities are a static table (Capacity), set from each tower's expected
// load per window (its Zipf share of the configured event rate times the
// window) times a factor drawn from [0.8, 1.25): about four tower-windows in
// ten of the busy towers cross, and quiet towers, whose capacity is one
// record, cross with their first. The load only grows, so whichever order
// an engine counts a tower's records in, the allocate decision is taken
// once, by the update that crosses (Crosses), and the oracle, which counts
// from the generator's decisions, knows which windows cross.
//
// Every pipeline parses with Parse and decides with Crosses, so every engine
// does the same work. One pipeline per engine:
//
//	baseline    one loop: parse, count per (tower, window), allocate on
//	            crossing; with P workers, readers parse and hand records to
//	            the counter that owns the tower
//	core        spout -> parse bolt (shuffle) -> load bolt (fields on
//	            tower) holding the capacity table, emitting allocate
//	trident     each(Parse) -> groupBy(tower, window) ->
//	            persistentAggregate(Count) -> newValuesStream ->
//	            stateQuery(capacities) -> each(allocate when crossed)
//	microbatch  map(Parse) -> map(((tower, window), 1)) -> reduceByKey(sum)
//	            -> mapWithState(running load, remembering the previous
//	            one) -> transform(leftOuterJoin with the capacity RDD) ->
//	            flatMap(allocate when crossed)
//
// The output contract: an allocate decision is one event per (tower, window) that crosses its capacity (Event
// set, Value 1), never merged. The load per tower per window is a windowed count, whose updates may be merged;
// it is timed by its final output. (The workloads package says what each kind of output allows.)
package network
