// Package ads is the Yahoo Streaming Benchmark's advertising job, the most
// cited streaming benchmark since 2015, here on every engine.
//
// Records are ad events as JSON objects, as the Yahoo benchmark produces
// them: user_id, page_id, ad_id, ad_type, event_type (view, click or
// purchase), event_time (milliseconds since the epoch, as a string) and
// ip_address, about 190 bytes each. A static table maps 100 campaigns of 10
// ads each, the role Redis plays in the original.
//
// The job: parse each event, keep the views, project to (ad_id, event_time),
// join ad -> campaign, and count views per campaign per 10 s event-time
// window. Each count is updated as views arrive (the original writes them to
// Redis as it goes), so the output is one update per view: key = campaign,
// window = the window's start, value = the running count. A window is timed
// once, by its final update, from the moment its last view was due.
//
// Every pipeline parses with Parse, so every engine does the same work.
//
//	baseline    parse, filter, look up, count in a map; with P workers,
//	            readers parse and hand views to counters by campaign
//	core        spout -> parse/filter/join bolt (shuffle) -> count bolt
//	            (fields on campaign)
//	trident     each(parse) -> filter(view) -> each(join) ->
//	            groupBy(campaign, window) -> persistentAggregate(Count)
//	microbatch  mapPartitions(parse, keep views, join with the campaign
//	            map) -> reduceByKey(sum) -> mapWithState(running count per
//	            (campaign, window))
//
// The output contract: one output is an update of a campaign's view count in a 10 s event-time window. Updates
// may be merged (one per campaign and window per batch); a windowed result is timed once, by its final output,
// from the latest intended time among its window's records. (The workloads package says what each kind of output
// allows.)
package ads
