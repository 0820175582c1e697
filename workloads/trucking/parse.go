package trucking

import (
	"strconv"
	"strings"
)

// Event is a truck position event as a pipeline reads it.
type Event struct {
	ID      string
	Truck   string
	Driver  string
	Route   string
	Segment string
	Speed   int64 // km/h
	TimeMs  int64 // event time, milliseconds since the Unix epoch
}

// Parse reads an event's CSV line: event id, truck, driver, route, segment,
// speed in km/h, event time in milliseconds. The five ids must be
// non-empty, the speed an integer in [0, 1000] and the time an integer; ok
// is false otherwise. The strings are substrings of s: nothing is
// allocated. Every engine's pipeline parses with it.
func Parse(s string) (e Event, ok bool) {
	var f [7]string
	for i := range 6 {
		j := strings.IndexByte(s, ',')
		if j < 0 {
			return Event{}, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	if strings.IndexByte(s, ',') >= 0 {
		return Event{}, false
	}
	f[6] = s
	for _, id := range f[:5] {
		if id == "" {
			return Event{}, false
		}
	}
	speed, err := strconv.ParseInt(f[5], 10, 64)
	if err != nil || speed < 0 || speed > 1000 {
		return Event{}, false
	}
	ms, err := strconv.ParseInt(f[6], 10, 64)
	if err != nil {
		return Event{}, false
	}
	return Event{ID: f[0], Truck: f[1], Driver: f[2], Route: f[3], Segment: f[4], Speed: speed, TimeMs: ms}, true
}
