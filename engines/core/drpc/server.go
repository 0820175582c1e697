package drpc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of DRPC requests. A *RequestError wraps ErrTimeout,
// ErrRequestFailed or ErrUnknownFunction with the function and its
// arguments.
var (
	// ErrTimeout: no result came within drpc.request.timeout.secs.
	ErrTimeout = errors.New("drpc request timed out")
	// ErrRequestFailed: the topology failed the request (its tuple tree
	// failed or timed out, as Storm's DRPCSpout fails the request on Fail).
	ErrRequestFailed = errors.New("drpc request failed")
	// ErrUnknownFunction: the HTTP endpoint got a request for a function no
	// topology has asked for.
	ErrUnknownFunction = errors.New("unknown drpc function")
	// ErrShutdown: the server was shut down.
	ErrShutdown = errors.New("drpc server shut down")
	// ErrUnknownRequest: a result or failure for a request the server no
	// longer waits for (it timed out, or was answered already).
	ErrUnknownRequest = errors.New("unknown drpc request")
)

// RequestError is a request that did not succeed: Err is one of the
// sentinel errors, Message what the server or topology said.
type RequestError struct {
	Function string
	Args     string
	Err      error
	Message  string
}

func (e *RequestError) Error() string {
	args := e.Args
	if len(args) > 64 {
		args = args[:64] + "..."
	}
	s := fmt.Sprintf("%v: %s(%q)", e.Err, e.Function, args)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *RequestError) Unwrap() error { return e.Err }

// Defaults of Storm's DRPC settings (conf/defaults.yaml).
const (
	// DefaultRequestTimeout is drpc.request.timeout.secs.
	DefaultRequestTimeout = 600 * time.Second
	// DefaultHTTPPort is drpc.http.port.
	DefaultHTTPPort = 3774
	// DefaultInvocationsPort is drpc.invocations.port.
	DefaultInvocationsPort = 3773
	// DefaultMaxArgsBytes is drpc.max_buffer_size: the largest arguments,
	// result or failure message the HTTP endpoints accept.
	DefaultMaxArgsBytes = 1 << 20
)

// Request is a pending request as the invocations side sees it (Storm's
// DRPCRequest): the server's id for it and its arguments.
type Request struct {
	ID   string `json:"id"`
	Args string `json:"args"`
}

// Client is the side of a DRPC server that callers use (Storm's
// DistributedRPC.execute): run function on args through the topology
// serving it and wait for the result. *Server and *HTTPClient implement it;
// both are safe for concurrent use.
type Client interface {
	ExecuteContext(ctx context.Context, function, args string) (string, error)
}

// Invocations is the side of a DRPC server that topologies use (Storm's
// DistributedRPCInvocations): a DRPCSpout fetches the requests of its
// function, and ReturnResults answers them. FetchRequest does not block: ok
// is false when no request waits. Result and Failure of a request the
// server no longer waits for return ErrUnknownRequest. *Server and
// *InvocationsClient implement it; both are safe for concurrent use.
type Invocations interface {
	FetchRequest(function string) (req Request, ok bool, err error)
	Result(id, result string) error
	Failure(id, message string) error
}

// ReturnAddresser is implemented by Invocations that can be found again
// from a tuple's return-info: ReturnResults sends a result to (host, port),
// as Storm's ReturnResults connects to the server named in the return-info.
// Port 0 names a server in this process by its service id (Storm's
// LocalDRPC in its ServiceRegistry).
type ReturnAddresser interface {
	ReturnAddress() (host string, port int)
}

var (
	_ Client          = (*Server)(nil)
	_ Invocations     = (*Server)(nil)
	_ ReturnAddresser = (*Server)(nil)
)

// Server holds the pending requests of a DRPC server (Storm's DRPC
// daemon): Execute queues a request for a function and blocks until a
// topology answers it through the invocations side, or the timeout passes.
// Its Handler serves both sides over HTTP; in-process, as Storm's
// LocalDRPC, topologies use it directly. It is safe for concurrent use.
type Server struct {
	// Timeout bounds how long a request waits for its result
	// (drpc.request.timeout.secs); DefaultRequestTimeout if 0.
	Timeout time.Duration
	// MaxArgsBytes bounds HTTP request bodies; DefaultMaxArgsBytes if 0.
	MaxArgsBytes int64

	serviceID string
	mu        sync.Mutex
	nextID    uint64
	queues    map[string][]*request // function -> requests not yet fetched
	byID      map[string]*request   // every request waiting for its result
	served    map[string]bool       // functions a topology has fetched for
	shutdown  bool
	done      chan struct{}
}

type request struct {
	id, function, args string
	reply              chan reply // buffered: the first answer wins
}

type reply struct {
	result string
	err    error
}

// LocalDRPC is Storm's name for a DRPC server in the topology's own
// process, for local mode.
type LocalDRPC = Server

// NewLocalDRPC returns a server with no requests, for local mode.
func NewLocalDRPC() *LocalDRPC { return NewServer() }

var (
	serviceSeq atomic.Uint64
	services   sync.Map // service id -> *Server, until Shutdown
)

// NewServer returns a server with no requests. It is registered under a
// service id, so that ReturnResults in this process finds it from a
// return-info, until Shutdown.
func NewServer() *Server {
	s := &Server{
		serviceID: "drpc-" + strconv.FormatUint(serviceSeq.Add(1), 10),
		queues:    make(map[string][]*request),
		byID:      make(map[string]*request),
		served:    make(map[string]bool),
		done:      make(chan struct{}),
	}
	services.Store(s.serviceID, s)
	return s
}

// localServer returns the server of a service id in this process.
func localServer(id string) (*Server, bool) {
	v, ok := services.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*Server), true
}

// ReturnAddress names the server in this process (port 0).
func (s *Server) ReturnAddress() (string, int) { return s.serviceID, 0 }

func (s *Server) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultRequestTimeout
}

// Execute runs function on args and returns the result, or a
// *RequestError once the topology fails the request or the timeout passes.
func (s *Server) Execute(function, args string) (string, error) {
	return s.ExecuteContext(context.Background(), function, args)
}

// ExecuteContext is Execute that also gives up when ctx is done.
func (s *Server) ExecuteContext(ctx context.Context, function, args string) (string, error) {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return "", &RequestError{Function: function, Args: args, Err: ErrShutdown}
	}
	s.nextID++
	req := &request{id: strconv.FormatUint(s.nextID, 10), function: function, args: args, reply: make(chan reply, 1)}
	s.queues[function] = append(s.queues[function], req)
	s.byID[req.id] = req
	s.mu.Unlock()
	timeout := s.timeout()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-req.reply:
		if r.err != nil {
			return "", r.err
		}
		return r.result, nil
	case <-timer.C:
		s.forget(req)
		return "", &RequestError{Function: function, Args: args, Err: ErrTimeout,
			Message: fmt.Sprintf("no result within %v (drpc.request.timeout.secs); is a topology serving %q running?", timeout, function)}
	case <-ctx.Done():
		s.forget(req)
		return "", ctx.Err()
	case <-s.done:
		return "", &RequestError{Function: function, Args: args, Err: ErrShutdown}
	}
}

// forget drops a request nobody waits for any more.
func (s *Server) forget(req *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, req.id)
	q := s.queues[req.function]
	for i, r := range q {
		if r == req {
			s.queues[req.function] = append(q[:i:i], q[i+1:]...)
			return
		}
	}
}

// FetchRequest takes the oldest request for function not yet fetched. The
// request keeps waiting for its result.
func (s *Server) FetchRequest(function string) (Request, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return Request{}, false, ErrShutdown
	}
	s.served[function] = true
	q := s.queues[function]
	if len(q) == 0 {
		return Request{}, false, nil
	}
	s.queues[function] = q[1:]
	return Request{ID: q[0].id, Args: q[0].args}, true, nil
}

// Pending reports whether a request for function waits to be fetched.
func (s *Server) Pending(function string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[function]) > 0
}

// Served reports whether a topology has fetched requests for function.
func (s *Server) Served(function string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[function]
}

// Result answers request id with result.
func (s *Server) Result(id, result string) error {
	return s.answer(id, func(r *request) reply { return reply{result: result} })
}

// Failure fails request id; its client gets ErrRequestFailed with message.
func (s *Server) Failure(id, message string) error {
	return s.answer(id, func(r *request) reply {
		return reply{err: &RequestError{Function: r.function, Args: r.args, Err: ErrRequestFailed, Message: message}}
	})
}

func (s *Server) answer(id string, f func(*request) reply) error {
	s.mu.Lock()
	req, ok := s.byID[id]
	delete(s.byID, id)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w %q (timed out or answered already)", ErrUnknownRequest, id)
	}
	req.reply <- f(req)
	return nil
}

// Shutdown fails every waiting and later request with ErrShutdown.
func (s *Server) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.shutdown {
		s.shutdown = true
		close(s.done)
		services.Delete(s.serviceID)
	}
}
