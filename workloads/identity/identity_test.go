package identity

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestDeterminism(t *testing.T) {
	workloadtest.CheckDeterminism(t, func(seed uint64) workloads.Instance {
		in, err := New(workloadtest.Config(seed, 3, nil))
		if err != nil {
			t.Fatal(err)
		}
		return in
	}, 3)
}

func TestRecords(t *testing.T) {
	in, err := New(workloadtest.Config(1, 2, map[string]string{"record-bytes": "37"}))
	if err != nil {
		t.Fatal(err)
	}
	r := engines.Record{Partition: 1, Offset: 5}
	in.Fill(&r)
	if len(r.Value) != 37 || strings.ContainsAny(r.Value, " \n") || in.RecordBytes() != 37 {
		t.Errorf("payload %q (%d bytes)", r.Value, len(r.Value))
	}
}

func TestOracleHandMade(t *testing.T) {
	in, _ := New(workloadtest.Config(2, 2, map[string]string{"payloads": "3"}))
	want := map[string]int64{}
	for p := range 2 {
		for o := range int64(10) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			want[r.Value]++
		}
	}
	got := in.Expect([]int64{10, 10})
	if len(got.Counts) != len(want) || got.Total() != 20 {
		t.Fatalf("oracle %v", got.Counts)
	}
	for k, v := range got.Counts {
		if want[k.Key] != v {
			t.Errorf("%q: oracle %d, hand count %d", k.Key, v, want[k.Key])
		}
	}
}

func TestBadParams(t *testing.T) {
	for _, params := range []map[string]string{{"record-bytes": "0"}, {"payloads": "x"}, {"size": "1"}} {
		if _, err := New(workloadtest.Config(1, 1, params)); err == nil {
			t.Errorf("%v accepted", params)
		}
	}
}
