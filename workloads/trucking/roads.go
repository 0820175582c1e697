package trucking

import (
	"slices"
	"strconv"
)

// Keys of the outputs start with these.
const (
	SpeedingPrefix   = "speeding:"
	DeviationPrefix  = "deviation:"
	ViolationsPrefix = "violations:"
)

// Roads is the static dataset every pipeline joins events with: the speed
// limit of every road segment, and the segments of every planned route. It
// is read-only once built, so safe for concurrent use.
type Roads struct {
	limits map[string]int64
	routes map[string]map[string]struct{}
}

// SpeedLimit returns a segment's speed limit in km/h.
func (r *Roads) SpeedLimit(segment string) (int64, bool) {
	l, ok := r.limits[segment]
	return l, ok
}

// Planned reports whether segment is on route.
func (r *Roads) Planned(route, segment string) bool {
	_, ok := r.routes[route][segment]
	return ok
}

// Routes returns the ids of the planned routes, sorted.
func (r *Roads) Routes() []string {
	ids := make([]string, 0, len(r.routes))
	for id := range r.routes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Check judges an event against the tables: speeding is a speed above the
// segment's limit (a segment with no known limit has none to break), a
// deviation a segment not on the event's route.
func (r *Roads) Check(e Event) (speeding, deviation bool) {
	if l, ok := r.limits[e.Segment]; ok && e.Speed > l {
		speeding = true
	}
	return speeding, !r.Planned(e.Route, e.Segment)
}

// SpeedingKey returns the key of an event's speeding alert, unique per
// event.
func SpeedingKey(e Event) string { return SpeedingPrefix + e.Truck + ":" + e.ID }

// DeviationKey returns the key of an event's deviation alert, unique per
// event.
func DeviationKey(e Event) string { return DeviationPrefix + e.Truck + ":" + e.ID }

// ID returns the event id of record g of the stream.
func ID(g int64) string { return "e" + strconv.FormatInt(g, 10) }
