package drpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HTTP endpoints of a Server.
//
// The client side, as Storm's DRPC HTTP server (drpc.http.port, 3774):
//
//	GET  /drpc/<function>/<args>   args from the rest of the path (URL-decoded)
//	GET  /drpc/<function>          empty args
//	POST /drpc/<function>          args = the request body
//
// answer 200 with the result as text/plain, or an error as text/plain:
// 504 when no result came within drpc.request.timeout.secs, 500 when the
// topology failed the request, 404 for a function no topology has asked
// for, 413 for a body over drpc.max_buffer_size, 400 for a bad function
// name, 503 once the server shuts down. (Storm answers 500 to every
// failure; the distinct codes let a client tell a slow topology from a
// failing one.)
//
// The invocations side, which Storm speaks in Thrift on
// drpc.invocations.port (3773), is JSON over HTTP here, so that a topology
// reaches a `streambench drpc` server with nothing but net/http:
//
//	POST /drpc/invocations/<function>/fetch  -> {"id":"7","args":"..."}, or {"id":""} when none waits
//	POST /drpc/invocations/result            {"id":"7","result":"..."}   -> 204
//	POST /drpc/invocations/failure           {"id":"7","message":"..."}  -> 204
//
// (request ids are unique per server, so results need no function).
// A result or failure for a request that is no longer waiting answers 410.
// "invocations" cannot be a function name.

const invocationsSegment = "invocations"

// Handler serves both sides on one port.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routeClients(mux)
	s.routeInvocations(mux)
	return mux
}

// ClientHandler serves the client side only.
func (s *Server) ClientHandler() http.Handler {
	mux := http.NewServeMux()
	s.routeClients(mux)
	return mux
}

// InvocationsHandler serves the invocations side only.
func (s *Server) InvocationsHandler() http.Handler {
	mux := http.NewServeMux()
	s.routeInvocations(mux)
	return mux
}

func (s *Server) routeClients(mux *http.ServeMux) {
	mux.HandleFunc("GET /drpc/{function}", func(w http.ResponseWriter, r *http.Request) {
		s.serveExecute(w, r, r.PathValue("function"), "")
	})
	mux.HandleFunc("GET /drpc/{function}/{args...}", func(w http.ResponseWriter, r *http.Request) {
		s.serveExecute(w, r, r.PathValue("function"), r.PathValue("args"))
	})
	mux.HandleFunc("POST /drpc/{function}", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.readBody(w, r)
		if !ok {
			return
		}
		s.serveExecute(w, r, r.PathValue("function"), string(body))
	})
}

func (s *Server) maxBytes() int64 {
	if s.MaxArgsBytes > 0 {
		return s.MaxArgsBytes
	}
	return DefaultMaxArgsBytes
}

// readBody reads a request body of at most MaxArgsBytes, answering 413
// past it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBytes()))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("drpc: request body over %d bytes (drpc.max_buffer_size)", s.maxBytes()))
		} else {
			httpError(w, http.StatusBadRequest, "drpc: reading request body: "+err.Error())
		}
		return nil, false
	}
	return body, true
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// checkFunction refuses names that cannot be routed.
func checkFunction(function string) error {
	switch {
	case function == "":
		return errors.New("drpc: empty function name (use /drpc/<function>/<args>)")
	case function == invocationsSegment:
		return errors.New(`drpc: "invocations" is reserved for the invocations endpoints and cannot be a function`)
	case strings.ContainsAny(function, "/\x00"):
		return fmt.Errorf("drpc: bad function name %q", function)
	}
	return nil
}

func (s *Server) serveExecute(w http.ResponseWriter, r *http.Request, function, args string) {
	if err := checkFunction(function); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.Served(function) {
		httpError(w, http.StatusNotFound, fmt.Sprintf("drpc: %v %q: no topology serves it (submit one with a DRPCSpout for %q)", ErrUnknownFunction, function, function))
		return
	}
	result, err := s.ExecuteContext(r.Context(), function, args)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, result)
	case errors.Is(err, ErrTimeout):
		httpError(w, http.StatusGatewayTimeout, "drpc: "+err.Error())
	case errors.Is(err, ErrRequestFailed):
		httpError(w, http.StatusInternalServerError, "drpc: "+err.Error())
	case errors.Is(err, ErrShutdown):
		httpError(w, http.StatusServiceUnavailable, "drpc: "+err.Error())
	default: // the client went away
		httpError(w, http.StatusServiceUnavailable, "drpc: "+err.Error())
	}
}

// invocationMessage is the JSON of the invocations endpoints.
type invocationMessage struct {
	ID      string `json:"id"`
	Args    string `json:"args,omitempty"`
	Result  string `json:"result,omitempty"`
	Message string `json:"message,omitempty"`
}

func (s *Server) routeInvocations(mux *http.ServeMux) {
	mux.HandleFunc("POST /drpc/invocations/{function}/fetch", func(w http.ResponseWriter, r *http.Request) {
		function := r.PathValue("function")
		if err := checkFunction(function); err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		req, ok, err := s.FetchRequest(function)
		if err != nil {
			httpError(w, http.StatusServiceUnavailable, "drpc: "+err.Error())
			return
		}
		if !ok {
			req = Request{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(invocationMessage{ID: req.ID, Args: req.Args})
	})
	answer := func(failure bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, ok := s.readBody(w, r)
			if !ok {
				return
			}
			var m invocationMessage
			if err := json.Unmarshal(body, &m); err != nil || m.ID == "" {
				httpError(w, http.StatusBadRequest, `drpc: want a JSON object {"id":"...","result":"..."} or {"id":"...","message":"..."}`)
				return
			}
			var err error
			if failure {
				err = s.Failure(m.ID, m.Message)
			} else {
				err = s.Result(m.ID, m.Result)
			}
			if err != nil {
				httpError(w, http.StatusGone, "drpc: "+err.Error())
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	mux.HandleFunc("POST /drpc/invocations/result", answer(false))
	mux.HandleFunc("POST /drpc/invocations/failure", answer(true))
}

// HTTPClient executes DRPC requests on a server over HTTP (Storm's
// DRPCClient). It is safe for concurrent use.
type HTTPClient struct {
	base string
	http *http.Client
}

var _ Client = (*HTTPClient)(nil)

// NewClient returns a client of the server whose client side is at
// baseURL, such as http://127.0.0.1:3774. A nil httpClient means
// http.DefaultClient; requests are bounded by their context and the
// server's timeout.
func NewClient(baseURL string, httpClient *http.Client) *HTTPClient {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &HTTPClient{base: strings.TrimRight(baseURL, "/"), http: httpClient}
}

// Execute runs function on args and returns the result.
func (c *HTTPClient) Execute(function, args string) (string, error) {
	return c.ExecuteContext(context.Background(), function, args)
}

// ExecuteContext POSTs args to /drpc/<function> and maps the answer's
// status back to the sentinel errors.
func (c *HTTPClient) ExecuteContext(ctx context.Context, function, args string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/drpc/"+url.PathEscape(function), strings.NewReader(args))
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("drpc %s: %w", function, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", fmt.Errorf("drpc %s: reading the answer: %w", function, err)
	}
	if resp.StatusCode == http.StatusOK {
		return string(body), nil
	}
	msg := strings.TrimSpace(string(body))
	var sentinel error
	switch resp.StatusCode {
	case http.StatusGatewayTimeout:
		sentinel = ErrTimeout
	case http.StatusInternalServerError:
		sentinel = ErrRequestFailed
	case http.StatusNotFound:
		sentinel = ErrUnknownFunction
	case http.StatusServiceUnavailable:
		sentinel = ErrShutdown
	default:
		return "", fmt.Errorf("drpc %s: %s: %s", function, resp.Status, msg)
	}
	return "", &RequestError{Function: function, Args: args, Err: sentinel, Message: msg}
}

// InvocationsClient is the invocations side of a remote server, for the
// DRPCSpout and ReturnResults of a topology in another process (Storm's
// DRPCInvocationsClient). It is safe for concurrent use.
type InvocationsClient struct {
	base string
	host string
	port int
	http *http.Client
}

var (
	_ Invocations     = (*InvocationsClient)(nil)
	_ ReturnAddresser = (*InvocationsClient)(nil)
)

// NewInvocationsClient returns a client of the invocations side at
// baseURL, such as http://127.0.0.1:3773. Each call is bounded by 30 s.
func NewInvocationsClient(baseURL string) (*InvocationsClient, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("drpc invocations URL %q: want http://HOST:PORT", baseURL)
	}
	host, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, fmt.Errorf("drpc invocations URL %q: want http://HOST:PORT: %v", baseURL, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("drpc invocations URL %q: bad port %q", baseURL, portStr)
	}
	return &InvocationsClient{base: strings.TrimRight(baseURL, "/"), host: host, port: port,
		http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// ReturnAddress is the host and port of the server.
func (c *InvocationsClient) ReturnAddress() (string, int) { return c.host, c.port }

func (c *InvocationsClient) post(path string, in any, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.http.Post(c.base+"/drpc/invocations/"+path, "application/json", body)
	if err != nil {
		return fmt.Errorf("drpc invocations %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("drpc invocations %s: %w", path, err)
	}
	switch {
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%w: %s", ErrUnknownRequest, strings.TrimSpace(string(data)))
	case resp.StatusCode == http.StatusServiceUnavailable:
		return ErrShutdown
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("drpc invocations %s: %s: %s", path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("drpc invocations %s: bad answer: %w", path, err)
		}
	}
	return nil
}

// FetchRequest fetches the oldest request for function.
func (c *InvocationsClient) FetchRequest(function string) (Request, bool, error) {
	var m invocationMessage
	if err := c.post(url.PathEscape(function)+"/fetch", nil, &m); err != nil {
		return Request{}, false, err
	}
	if m.ID == "" {
		return Request{}, false, nil
	}
	return Request{ID: m.ID, Args: m.Args}, true, nil
}

// Result answers request id.
func (c *InvocationsClient) Result(id, result string) error {
	return c.post("result", invocationMessage{ID: id, Result: result}, nil)
}

// Failure fails request id.
func (c *InvocationsClient) Failure(id, message string) error {
	return c.post("failure", invocationMessage{ID: id, Message: message}, nil)
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *InvocationsClient) CloseIdleConnections() { c.http.CloseIdleConnections() }
