package network

import (
	"strconv"
	"strings"
)

// CDR is a call or data record as a pipeline reads it.
type CDR struct {
	Tower      string
	Subscriber string
	Kind       string // voice, sms or data
	Bytes      int64
	Duration   int64 // seconds
}

// Parse reads a CDR's CSV line: tower, subscriber, kind, bytes, duration.
// Tower and subscriber must be non-empty, the kind voice, sms or data, bytes
// and duration non-negative integers; ok is false otherwise. The strings are
// substrings of s: nothing is allocated. Every engine's pipeline parses with
// it.
func Parse(s string) (c CDR, ok bool) {
	var f [5]string
	for i := range 4 {
		j := strings.IndexByte(s, ',')
		if j < 0 {
			return CDR{}, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	if strings.IndexByte(s, ',') >= 0 {
		return CDR{}, false
	}
	f[4] = s
	if f[0] == "" || f[1] == "" || (f[2] != "voice" && f[2] != "sms" && f[2] != "data") {
		return CDR{}, false
	}
	bytes, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil || bytes < 0 {
		return CDR{}, false
	}
	dur, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || dur < 0 {
		return CDR{}, false
	}
	return CDR{Tower: f[0], Subscriber: f[1], Kind: f[2], Bytes: bytes, Duration: dur}, true
}
