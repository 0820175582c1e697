package ads

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func newTest(t testing.TB, seed uint64, partitions int, params map[string]string) *Instance {
	t.Helper()
	in, err := New(workloadtest.Config(seed, partitions, params))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestDeterminism(t *testing.T) {
	workloadtest.CheckDeterminism(t, func(seed uint64) workloads.Instance { return newTest(t, seed, 3, nil) }, 3)
}

// TestEventsAreYahooJSON: every record is a JSON object with the Yahoo
// benchmark's fields, and Parse reads what encoding/json reads.
func TestEventsAreYahooJSON(t *testing.T) {
	in := newTest(t, 1, 2, nil)
	types := map[string]int{}
	for o := range int64(300) {
		r := engines.Record{Partition: int32(o % 2), Offset: o}
		in.Fill(&r)
		var m map[string]string
		if err := json.Unmarshal([]byte(r.Value), &m); err != nil {
			t.Fatalf("record %d: %v: %s", o, err, r.Value)
		}
		for _, k := range []string{"user_id", "page_id", "ad_id", "ad_type", "event_type", "event_time", "ip_address"} {
			if m[k] == "" {
				t.Fatalf("record %d lacks %s: %s", o, k, r.Value)
			}
		}
		e, ok := Parse(r.Value)
		if !ok || e.AdID != m["ad_id"] || e.EventType != m["event_type"] || fmt.Sprint(e.TimeMs) != m["event_time"] || e.TimeMs*1e6 != r.EventTime {
			t.Fatalf("Parse = %+v, %v; JSON has %v", e, ok, m)
		}
		if _, ok := in.Campaign(e.AdID); !ok {
			t.Fatalf("ad %s has no campaign", e.AdID)
		}
		types[e.EventType]++
	}
	if types["view"] < 70 || types["click"] < 70 || types["purchase"] < 70 {
		t.Errorf("event types %v: want about a third each", types)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, s := range []string{``, `{}`, `{"ad_id":"a","event_type":"view"}`, `{"ad_id":"a","event_type":"view","event_time":"x"}`,
		`{"ad_id":"a\"b","event_type":"view","event_time":"1"}`, `{"ad_id":"a`} {
		if e, ok := Parse(s); ok {
			t.Errorf("Parse(%q) = %+v", s, e)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := newTest(f, 1, 1, nil)
	r := engines.Record{}
	in.Fill(&r)
	f.Add(r.Value)
	f.Add(`{"ad_id":"x","event_type":"view","event_time":"12"}`)
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := Parse(s)
		if !ok {
			return
		}
		var m map[string]string
		if json.Unmarshal([]byte(s), &m) == nil && m["ad_id"] != "" && m["ad_id"] != e.AdID {
			t.Fatalf("Parse read ad_id %q, JSON %q", e.AdID, m["ad_id"])
		}
	})
}

// TestOracleHandMade: the oracle agrees with counting the JSON records
// themselves.
func TestOracleHandMade(t *testing.T) {
	in := newTest(t, 5, 2, map[string]string{"window": "100ms", "campaigns": "3"})
	want := map[workloads.Key]int64{}
	for p := range 2 {
		for o := range int64(400) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			var m map[string]string
			json.Unmarshal([]byte(r.Value), &m)
			if m["event_type"] != "view" {
				continue
			}
			var ms int64
			fmt.Sscan(m["event_time"], &ms)
			c, _ := in.Campaign(m["ad_id"])
			want[workloads.Key{Key: c, Window: ms * 1e6 / 1e8 * 1e8}]++
		}
	}
	got := in.Expect([]int64{400, 400})
	if len(got.Counts) != len(want) || len(want) < 10 {
		t.Fatalf("oracle has %d results, hand count %d", len(got.Counts), len(want))
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%v: oracle %d, hand count %d", k, got.Counts[k], v)
		}
	}
}

func TestBadParams(t *testing.T) {
	for _, params := range []map[string]string{{"window": "0s"}, {"window": "10"}, {"campaigns": "0"}, {"ads": "5"}} {
		if _, err := New(workloadtest.Config(1, 1, params)); err == nil {
			t.Errorf("%v accepted", params)
		}
	}
}
