package drpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/core"
)

// ReturnInfo says where a request's result goes: the request id and the
// server that holds it, as in Storm's return-info JSON. Port 0 names a
// server in this process by its service id.
type ReturnInfo struct {
	ID   string `json:"id"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

// DRPCSpout emits the requests a DRPC server holds for one function
// (Storm's DRPCSpout): each as a tuple ("args", "return-info") with the
// request id as message id. When the request's tuple tree fails or times
// out, Fail fails the request back to its client, as Storm's does; Ack does
// nothing, because ReturnResults has answered it.
type DRPCSpout struct {
	core.BaseRichSpout
	Function    string
	Invocations Invocations

	collector *core.SpoutOutputCollector
	host      string
	port      int
	retryAt   time.Time
	reported  time.Time
}

var _ core.Spout = (*DRPCSpout)(nil)

// NewDRPCSpout returns a spout of function's requests on inv: a
// *LocalDRPC in local mode, an *InvocationsClient for a server in another
// process.
func NewDRPCSpout(function string, inv Invocations) *DRPCSpout {
	return &DRPCSpout{Function: function, Invocations: inv}
}

// DeclareOutputFields declares ("args", "return-info").
func (s *DRPCSpout) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.Declare(core.NewFields("args", "return-info"))
}

// Open checks the spout has a server that ReturnResults can find again.
func (s *DRPCSpout) Open(_ core.Config, _ *core.TopologyContext, c *core.SpoutOutputCollector) error {
	if s.Function == "" || s.Invocations == nil {
		return errors.New("DRPCSpout needs a function and its server's Invocations (NewDRPCSpout)")
	}
	ra, ok := s.Invocations.(ReturnAddresser)
	if !ok {
		return fmt.Errorf("DRPCSpout %q: %T has no ReturnAddress, so results could not find their way back", s.Function, s.Invocations)
	}
	s.host, s.port = ra.ReturnAddress()
	s.collector = c
	return nil
}

// NextTuple fetches one request, if one waits. An unreachable server is
// reported (at most every 10 s) and asked again after 100 ms.
func (s *DRPCSpout) NextTuple() {
	now := time.Now()
	if now.Before(s.retryAt) {
		return
	}
	req, ok, err := s.Invocations.FetchRequest(s.Function)
	if err != nil {
		s.retryAt = now.Add(100 * time.Millisecond)
		if now.Sub(s.reported) >= 10*time.Second {
			s.reported = now
			s.collector.ReportError(fmt.Errorf("DRPCSpout %q: fetching requests: %w", s.Function, err))
		}
		return
	}
	if !ok {
		return
	}
	info, _ := json.Marshal(ReturnInfo{ID: req.ID, Host: s.host, Port: s.port})
	s.collector.Emit(core.Values{req.Args, string(info)}, req.ID)
}

// Fail fails the request back to its client.
func (s *DRPCSpout) Fail(msgID any) {
	id, _ := msgID.(string)
	if err := s.Invocations.Failure(id, "the topology failed the request (a tuple failed or timed out)"); err != nil && !errors.Is(err, ErrUnknownRequest) {
		s.collector.ReportError(fmt.Errorf("DRPCSpout %q: failing request %s: %w", s.Function, id, err))
	}
}

// ReturnResults is the last bolt of a DRPC topology (Storm's
// ReturnResults): for each tuple ("result", "return-info") it sends the
// result to the server named in the return-info. A result that is not a
// string is sent as fmt.Sprint writes it. A request the server no longer
// waits for (it timed out) is acked; a server that cannot be reached fails
// the tuple, and so the request.
type ReturnResults struct {
	core.BaseRichBolt
	collector *core.OutputCollector
}

var _ core.Bolt = (*ReturnResults)(nil)

// DeclareOutputFields declares nothing: ReturnResults emits nothing.
func (*ReturnResults) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// Prepare keeps the collector.
func (b *ReturnResults) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	return nil
}

// Execute returns one result.
func (b *ReturnResults) Execute(t *core.Tuple) {
	if t.Size() < 2 {
		b.collector.ReportError(fmt.Errorf("ReturnResults: tuple %v is not (result, return-info)", t.Values()))
		b.collector.Fail(t)
		return
	}
	result, ok := t.GetValue(0).(string)
	if !ok {
		result = fmt.Sprint(t.GetValue(0))
	}
	riText, _ := t.GetValue(1).(string)
	var ri ReturnInfo
	if err := json.Unmarshal([]byte(riText), &ri); err != nil || ri.ID == "" {
		b.collector.ReportError(fmt.Errorf("ReturnResults: bad return-info %q", riText))
		b.collector.Fail(t)
		return
	}
	inv, err := invocationsAt(ri.Host, ri.Port)
	if err == nil {
		err = inv.Result(ri.ID, result)
	}
	if err != nil && !errors.Is(err, ErrUnknownRequest) {
		b.collector.ReportError(fmt.Errorf("ReturnResults: request %s: %w", ri.ID, err))
		b.collector.Fail(t)
		return
	}
	b.collector.Ack(t)
}

var remotes sync.Map // "host:port" -> *InvocationsClient

// invocationsAt finds the server of a return-info: in this process for
// port 0, else over HTTP (clients are kept per address, as Storm's
// ReturnResults keeps its Thrift clients).
func invocationsAt(host string, port int) (Invocations, error) {
	if port == 0 {
		if s, ok := localServer(host); ok {
			return s, nil
		}
		return nil, fmt.Errorf("no DRPC server %q in this process (shut down?)", host)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if c, ok := remotes.Load(addr); ok {
		return c.(*InvocationsClient), nil
	}
	c, err := NewInvocationsClient("http://" + addr)
	if err != nil {
		return nil, err
	}
	actual, _ := remotes.LoadOrStore(addr, c)
	return actual.(*InvocationsClient), nil
}
