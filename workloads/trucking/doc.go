// Package trucking is the deck's trucking scenario: "analyze real-time data
// to modify drive routes to save time and fuel costs", as Hortonworks'
// trucking demo made it famous. Position events from a fleet are joined
// with two static tables, the road segments with their speed limits and
// the planned routes, to catch speeding and route deviations as they
// happen, and to count each driver's violations per window.
//
// Records are truck position events as CSV lines, about 50 bytes:
//
//	event id,truck,driver,route,segment,speed in km/h,event time in ms
//	e81723,T00042,D48213,R0007,S000421,97,1800000081723
//
// Each truck has one driver and one planned route, a sequence of road
// segments it drives through, thirty seconds of event time on each, round
// and round. The generator plants the two violations at known rates: with
// probability deviation-rate the truck is on a segment off its route, and
// with probability speeding-rate it drives above the segment's limit;
// otherwise it drives at half to all of the limit, on its route. The event
// id makes every alert's key unique. The time in the line is the record's
// event time.
//
// Outputs:
//
//   - a speeding alert per event above its segment's limit, an event keyed
//     "speeding:"+truck+":"+event id;
//   - a deviation alert per event on a segment not on the truck's route,
//     keyed "deviation:"+truck+":"+event id;
//   - each driver's violations (alerts of either kind) per event-time
//     window, keyed ("violations:"+driver, window start).
//
// Every rule judges one event against static tables, so nothing depends on
// order. The oracle counts from the generator's decisions, without the
// tables' lookups. Every pipeline parses with Parse and judges with
// Roads.Check, so every engine does the same work. One pipeline per engine:
//
//	baseline    one loop: parse, look the segment and route up, alert,
//	            count; with P workers, readers judge and alert and hand
//	            violations to the counter that owns the driver
//	core        spout -> join bolt holding the tables (shuffle) writing
//	            alerts -> violations bolt (fields on driver)
//	trident     each(Judge: parse, check against the road tables the
//	            function holds, as a lookup table loaded in prepare) ->
//	            partitionPersist(alerts); groupBy(driver, window) ->
//	            persistentAggregate(Count)
//	microbatch  map(Parse, check against the road tables: a map-side join
//	            with small static tables, as with a broadcast variable) ->
//	            flatMap(alerts); filter(violating) ->
//	            map(((driver, window), n)) -> reduceByKey(sum) ->
//	            mapWithState(running count)
//
// The output contract: a speeding or deviation alert is one event per violating position event (Event set, Value
// 1), never merged. The violations per driver per window are a windowed count, whose updates may be merged; it
// is timed by its final output. (The workloads package says what each kind of output allows.)
package trucking
