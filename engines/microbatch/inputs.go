package microbatch

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// inputStream is what an input DStream adds to a DStream: the position a
// checkpoint records so recovery resumes where the checkpoint was taken.
type inputStream interface {
	// position returns what the input had consumed once batch t was
	// generated, or nil when the tracker records it (receivers).
	position(t Time) (json.RawMessage, error)
	// restore resumes from a recorded position.
	restore(json.RawMessage) error
}

// batchReplayer is an input that can generate a batch again exactly as it
// was first generated, from the position a checkpoint recorded after it: a
// direct stream re-reads the same offset ranges, a file stream the same
// files. Recovery uses it to rebuild the state of the batches that had
// completed since the last state checkpoint.
type batchReplayer interface {
	replayBatch(t Time, pos json.RawMessage) error
}

func (in *receiverInput[T]) position(Time) (json.RawMessage, error) { return nil, nil }
func (in *receiverInput[T]) restore(json.RawMessage) error          { return nil }

// RDDQueue is the queue a QueueStream takes its RDDs from. It is safe for
// concurrent use: tests push RDDs while the context runs.
type RDDQueue[T any] struct {
	mu    sync.Mutex
	items []*rdd.RDD[T]
}

// NewRDDQueue returns an empty queue.
func NewRDDQueue[T any]() *RDDQueue[T] { return &RDDQueue[T]{} }

// Push appends r to the queue.
func (q *RDDQueue[T]) Push(r *rdd.RDD[T]) {
	q.mu.Lock()
	q.items = append(q.items, r)
	q.mu.Unlock()
}

// Len returns the number of queued RDDs.
func (q *RDDQueue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *RDDQueue[T]) take(all bool) []*rdd.RDD[T] {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	n := 1
	if all {
		n = len(q.items)
	}
	out := slices.Clone(q.items[:n])
	q.items = q.items[n:]
	return out
}

type queueInput struct{}

func (queueInput) position(Time) (json.RawMessage, error) {
	return nil, ErrQueueStreamCheckpoint
}
func (queueInput) restore(json.RawMessage) error { return ErrQueueStreamCheckpoint }

// QueueStream creates an input DStream from a queue of RDDs, Spark's
// ssc.queueStream, for testing: with oneAtATime each batch takes one RDD
// from the queue, otherwise every queued RDD at once; an empty queue gives
// defaultRDD, or an empty batch when it is nil. It does not support
// checkpointing.
func QueueStream[T any](ssc *StreamingContext, queue *RDDQueue[T], oneAtATime bool, defaultRDD *rdd.RDD[T]) *DStream[T] {
	var d *DStream[T]
	d = newInput(ssc, "QueueInputDStream", fmt.Sprintf("oneAtATime=%v", oneAtATime), &queueInput{}, func(t Time) (*rdd.RDD[T], error) {
		rdds := queue.take(!oneAtATime)
		switch {
		case len(rdds) == 0 && defaultRDD != nil:
			return defaultRDD, nil
		case len(rdds) == 0:
			return rdd.Empty[T](ssc.sc), nil
		case len(rdds) == 1:
			return rdds[0], nil
		}
		return rdd.Union(rdds[0], rdds[1:]...), nil
	})
	if queue == nil {
		return d.fail("queueStream", fmt.Errorf("%w: nil queue", ErrInvalidArgument))
	}
	return d
}

// SocketTextStream creates an input DStream of the lines read from a TCP
// server, Spark's ssc.socketTextStream: one receiver connects to host:port
// and stores every newline-terminated line. A refused connection or a
// connection the server closes restarts the receiver after
// spark.streaming.receiverRestartDelay, as in Spark; each is reported to the
// listeners (OnReceiverError) and logged, naming the address.
func (ssc *StreamingContext) SocketTextStream(host string, port int) *DStream[string] {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	r := &SocketReceiver{Addr: addr}
	return receiverStream[string](ssc, "SocketInputDStream", "addr="+addr, r)
}

// SocketReceiver is the receiver behind SocketTextStream.
type SocketReceiver struct {
	BaseReceiver[string]
	Addr string
	socketClient
}

// OnStart connects in a new goroutine.
func (r *SocketReceiver) OnStart() { r.connect(r.Addr, r.Done(), r.Restart, r.receive) }

// OnStop closes the connection and waits for the receiving goroutine.
func (r *SocketReceiver) OnStop() { r.close() }

// socketClient is the connection of a socket receiver: dialled by the
// receiver's goroutine, closed by OnStop so that a blocked read returns.
type socketClient struct {
	mu   sync.Mutex
	conn net.Conn
	wg   sync.WaitGroup
}

// connect dials addr in a new goroutine and runs read on the connection
// until it returns, unless done closes first; a refused connection goes
// to restart, as Spark's receiver restarts on one.
func (c *socketClient) connect(addr string, done <-chan struct{}, restart func(string, error), read func(conn net.Conn, done <-chan struct{})) {
	c.wg.Go(func() {
		d := net.Dialer{Timeout: 10 * time.Second}
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			restart("error connecting to "+addr, err)
			return
		}
		c.mu.Lock()
		select {
		case <-done:
			c.mu.Unlock()
			conn.Close()
			return
		default:
		}
		c.conn = conn
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.conn.Close()
			c.conn = nil
			c.mu.Unlock()
		}()
		read(conn, done)
	})
}

// close closes the connection and waits for the receiving goroutine.
func (c *socketClient) close() {
	c.mu.Lock()
	if c.conn != nil {
		c.conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (r *SocketReceiver) receive(conn net.Conn, done <-chan struct{}) {
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if r.Store(sc.Text()) != nil {
			return
		}
	}
	select {
	case <-done:
		return
	default:
	}
	if err := sc.Err(); err != nil {
		r.Restart("error receiving data from "+r.Addr, err)
		return
	}
	r.Restart("socket data stream had no more data from "+r.Addr, nil)
}

// TextFileStream creates an input DStream of the lines of new files in dir,
// Spark's ssc.textFileStream. At every batch the directory is listed and
// each file not seen before becomes one partition of the batch; files must
// be moved into the directory atomically, and names starting with "." or "_"
// (files being written) are skipped. A file is processed once; a checkpoint
// records which files were processed, so recovery does not repeat them. An
// unreadable directory or file fails the batch with an error naming it.
func (ssc *StreamingContext) TextFileStream(dir string) *DStream[string] {
	in := &fileInput{dir: dir, seen: map[string]int64{}, snapshots: map[Time]json.RawMessage{}}
	var d *DStream[string]
	d = newInput(ssc, "FileInputDStream", "dir="+dir, in, func(t Time) (*rdd.RDD[string], error) {
		files, err := in.newFiles(t)
		if err != nil {
			return nil, err
		}
		ssc.sched.reportInput(t, StreamInputInfo{InputStreamID: d.id, Metadata: map[string]string{"files": strings.Join(files, ",")}})
		return newFileRDD(ssc.sc, files), nil
	})
	return d
}

type fileInput struct {
	dir  string
	mu   sync.Mutex
	seen map[string]int64 // file name -> modification time, of processed files
	// snapshots holds seen as it was after each recent batch, for checkpoints.
	snapshots map[Time]json.RawMessage
	// replays holds, for recovered batches, seen as it was after them.
	replays map[Time]map[string]int64
}

func (in *fileInput) replayBatch(t Time, raw json.RawMessage) error {
	seen := map[string]int64{}
	if err := json.Unmarshal(raw, &seen); err != nil {
		return fmt.Errorf("textFileStream position of batch %s: %w", t, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.replays == nil {
		in.replays = map[Time]map[string]int64{}
	}
	in.replays[t] = seen
	return nil
}

// replayFiles returns the files of a recovered batch: those its recorded
// position has and the previous batch's does not. in.mu is held.
func (in *fileInput) replayFiles(t Time, seen map[string]int64) ([]string, error) {
	delete(in.replays, t)
	var out []string
	for name, mod := range seen {
		if prev, ok := in.seen[name]; !ok || prev != mod {
			out = append(out, filepath.Join(in.dir, name))
		}
	}
	slices.Sort(out)
	in.seen = seen
	snap, err := json.Marshal(seen)
	if err != nil {
		return nil, err
	}
	in.snapshots[t] = snap
	return out, nil
}

// newFiles lists the directory and returns the files not processed yet.
// Entries for files that left the directory are forgotten, so the record of
// processed files stays as small as the directory.
func (in *fileInput) newFiles(t Time) ([]string, error) {
	entries, err := os.ReadDir(in.dir)
	if err != nil {
		return nil, fmt.Errorf("textFileStream: listing directory %s: %w", in.dir, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if seen, ok := in.replays[t]; ok {
		return in.replayFiles(t, seen)
	}
	present := map[string]bool{}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("textFileStream: %s: %w", filepath.Join(in.dir, name), err)
		}
		present[name] = true
		mod := info.ModTime().UnixNano()
		if prev, ok := in.seen[name]; ok && prev == mod {
			continue
		}
		in.seen[name] = mod
		out = append(out, filepath.Join(in.dir, name))
	}
	for name := range in.seen {
		if !present[name] {
			delete(in.seen, name)
		}
	}
	slices.Sort(out)
	snap, err := json.Marshal(in.seen)
	if err != nil {
		return nil, err
	}
	for bt := range in.snapshots {
		if bt < t-Time(60_000) {
			delete(in.snapshots, bt)
		}
	}
	in.snapshots[t] = snap
	return out, nil
}

func (in *fileInput) position(t Time) (json.RawMessage, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	snap, ok := in.snapshots[t]
	if !ok {
		return json.Marshal(in.seen)
	}
	return snap, nil
}

func (in *fileInput) restore(raw json.RawMessage) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	seen := map[string]int64{}
	if err := json.Unmarshal(raw, &seen); err != nil {
		return fmt.Errorf("textFileStream position: %w", err)
	}
	in.seen = seen
	return nil
}

// newFileRDD reads one file per partition, line by line, when the batch's
// job runs.
func newFileRDD(sc *rdd.Context, files []string) *rdd.RDD[string] {
	return rdd.Source(sc, "FileRDD", len(files), func(p int) (iter.Seq[string], error) {
		data, err := os.ReadFile(files[p])
		if err != nil {
			return nil, fmt.Errorf("textFileStream: reading %s: %w", files[p], err)
		}
		if len(data) == 0 {
			return slices.Values([]string(nil)), nil
		}
		return slices.Values(strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")), nil
	})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
