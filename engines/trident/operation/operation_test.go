package operation_test

import (
	"testing"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

type counter struct{ n int }

func (c *counter) Execute(tuple.Tuple, operation.TridentCollector) { c.n++ }
func (c *counter) Clone() any                                      { return &counter{} }

type stateless struct{}

func (stateless) IsKeep(tuple.Tuple) bool { return true }

func TestInstance(t *testing.T) {
	proto := &counter{n: 7}
	a := operation.Instance[operation.Function](proto)
	b := operation.Instance[operation.Function](proto)
	if a == operation.Function(proto) || a == b {
		t.Fatal("a Cloner shared its instance between partitions")
	}
	if a.(*counter).n != 0 {
		t.Errorf("clone starts with n=%d, want 0", a.(*counter).n)
	}
	if f := operation.Instance[operation.Filter](stateless{}); f != operation.Filter(stateless{}) {
		t.Error("a stateless operation was copied")
	}
}

func TestFuncAdapters(t *testing.T) {
	tu := tuple.Of(tuple.NewFields("x"), int64(2))
	var got []tuple.Values
	c := collectorFunc(func(v tuple.Values) { got = append(got, v) })
	operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) { c.Emit(tuple.Values{t.GetLong(0) * 2}) }).Execute(tu, c)
	if len(got) != 1 || got[0][0] != int64(4) {
		t.Errorf("FunctionFunc emitted %v", got)
	}
	if !operation.FilterFunc(func(t tuple.Tuple) bool { return t.GetLong(0) > 1 }).IsKeep(tu) {
		t.Error("FilterFunc dropped the tuple")
	}
	if v := operation.MapFunc(func(t tuple.Tuple) tuple.Values { return tuple.Values{"m"} }).Execute(tu); v[0] != "m" {
		t.Errorf("MapFunc = %v", v)
	}
	if v := operation.FlatMapFunc(func(t tuple.Tuple) []tuple.Values { return []tuple.Values{{1}, {2}} }).Execute(tu); len(v) != 2 {
		t.Errorf("FlatMapFunc = %v", v)
	}
	seen := false
	operation.ConsumerFunc(func(tuple.Tuple) { seen = true }).Accept(tu)
	if !seen {
		t.Error("ConsumerFunc not called")
	}
}

type collectorFunc func(tuple.Values)

func (f collectorFunc) Emit(v tuple.Values) { f(v) }
func (f collectorFunc) ReportError(error)   {}
