package microbatch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// The text inputs read records written in engines' line format (one record
// a line, AppendLine, with "end <p> <n>" closing partition p) from the two
// text sources of Spark Streaming, as an application would with
// ssc.socketStream and a converter, or ssc.textFileStream and a map.

// SocketRecordStream creates an input DStream of the records read from a
// text socket per partition, partition p from addrs[p]: one receiver per
// address, their streams unioned, as a Spark application calls
// ssc.socketTextStream once per port and unions the streams. Each receiver
// is unreliable, like Spark's SocketReceiver: records are buffered into
// blocks, and what a socket sent while the receiver was down is gone.
//
// As in Spark, a refused connection or one the server closes restarts the
// receiver after spark.streaming.receiverRestartDelay, which connects
// again; each restart is reported to the listeners (OnReceiverError),
// naming the address. A receiver stops for good at its partition's end
// line. A line not in the format stops the context with an error naming
// the address and the line, since the input is not what the application
// was written for (a converter throwing in Spark's receiver).
func SocketRecordStream(ssc *StreamingContext, addrs []string) *DStream[engines.Record] {
	streams := make([]*DStream[engines.Record], len(addrs))
	for p, addr := range addrs {
		r := &recordSocketReceiver{addr: addr, partition: p}
		streams[p] = receiverStream[engines.Record](ssc, "SocketInputDStream", fmt.Sprintf("addr=%s partition=%d", addr, p), r)
	}
	if len(streams) == 0 {
		return QueueStream(ssc, NewRDDQueue[engines.Record](), false, nil).fail("socketStream", fmt.Errorf("%w: no socket addresses", ErrInvalidArgument))
	}
	if len(streams) == 1 {
		return streams[0]
	}
	return streams[0].Union(streams[1:]...)
}

// recordSocketReceiver is SocketReceiver with the line format's converter.
type recordSocketReceiver struct {
	BaseReceiver[engines.Record]
	addr      string
	partition int
	socketClient
}

// OnStart connects in a new goroutine.
func (r *recordSocketReceiver) OnStart() { r.connect(r.addr, r.Done(), r.Restart, r.receive) }

// OnStop closes the connection and waits for the receiving goroutine.
func (r *recordSocketReceiver) OnStop() { r.close() }

func (r *recordSocketReceiver) receive(conn net.Conn, done <-chan struct{}) {
	stopped := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	var (
		batch  []engines.Record
		lineNo int64
		long   []byte
	)
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		err := r.StoreMany(batch, nil) // copies batch into the block
		batch = batch[:0]
		return err == nil
	}
	for {
		frag, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(frag) > engines.MaxLineBytes {
				r.fail(fmt.Errorf("socketStream %s (partition %d), line %d: %w: longer than %d bytes", r.addr, r.partition, lineNo+1, engines.ErrBadLine, engines.MaxLineBytes))
				return
			}
			long = append(long, frag...)
			continue
		}
		if err != nil {
			if !flush() || stopped() {
				return
			}
			if errors.Is(err, io.EOF) {
				r.Restart("socket data stream had no more data from "+r.addr, nil)
			} else {
				r.Restart("error receiving data from "+r.addr, err)
			}
			return
		}
		line := frag
		if long != nil {
			line = append(long, frag...)
			long = nil
		}
		lineNo++
		l, err := engines.ParseLine(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'}))
		if err == nil && int(l.Record.Partition) != r.partition {
			err = fmt.Errorf("%w: a record of partition %d on the socket of partition %d", engines.ErrBadLine, l.Record.Partition, r.partition)
		}
		if err != nil {
			flush()
			r.fail(fmt.Errorf("socketStream %s (partition %d), line %d: %w", r.addr, r.partition, lineNo, err))
			return
		}
		if l.End {
			if flush() {
				r.Stop(fmt.Sprintf("end of partition %d from %s", r.partition, r.addr), nil)
			}
			return
		}
		batch = append(batch, l.Record)
		if len(batch) >= 256 || br.Buffered() == 0 {
			if !flush() {
				return
			}
		}
	}
}

// fail stops the receiver and the context with err.
func (r *recordSocketReceiver) fail(err error) {
	s, e := r.supervisor()
	if e != nil {
		return
	}
	s.reportError("stopping the streaming context", err)
	s.ssc.fail(err)
}

// FileRecordStream creates an input DStream of the records in the files
// that appear in dir, in engines' line format: TextFileStream's input (each
// new file read once, by one task, the processed files remembered in the
// checkpoint, so that with checkpointed state and an idempotent output the
// whole is exactly-once), each line parsed into its record. A line not in
// the format, or a file that cannot be read, fails the batch with an error
// naming the file.
//
// The end lines ("end <p> <n>") are not records: once every one of the
// partitions partitions has had its end line and that many records read,
// Drained is closed, and the application can stop gracefully.
func FileRecordStream(ssc *StreamingContext, dir string, partitions int) (*DStream[engines.Record], *FileRecordProgress) {
	in := &fileInput{dir: dir, seen: map[string]int64{}, snapshots: map[Time]json.RawMessage{}}
	prog := newFileRecordProgress(partitions)
	var d *DStream[engines.Record]
	d = newInput(ssc, "FileInputDStream", "dir="+dir, in, func(t Time) (*rdd.RDD[engines.Record], error) {
		files, err := in.newFiles(t)
		if err != nil {
			return nil, err
		}
		ssc.sched.reportInput(t, StreamInputInfo{InputStreamID: d.id, Metadata: map[string]string{"files": strings.Join(files, ",")}})
		return rdd.Source(ssc.sc, "FileRDD", len(files), func(p int) (iter.Seq[engines.Record], error) {
			recs, err := readRecordFile(files[p], prog)
			if err != nil {
				return nil, err
			}
			return slices.Values(recs), nil
		}), nil
	})
	return d, prog
}

// FileRecordProgress counts what a FileRecordStream has read, per
// partition, to tell when the input is over.
type FileRecordProgress struct {
	mu      sync.Mutex
	counted map[string]bool // files read and counted
	read    []int64
	ends    []int64 // -1 until the partition's end line is read
	done    int
	drained chan struct{}
}

func newFileRecordProgress(partitions int) *FileRecordProgress {
	pr := &FileRecordProgress{counted: map[string]bool{}, read: make([]int64, partitions), ends: make([]int64, partitions), drained: make(chan struct{})}
	for i := range pr.ends {
		pr.ends[i] = -1
	}
	if partitions == 0 {
		close(pr.drained)
	}
	return pr
}

// Drained is closed once every partition's end line and all its records
// have been read.
func (pr *FileRecordProgress) Drained() <-chan struct{} { return pr.drained }

// add counts a file's records and end lines, once per file.
func (pr *FileRecordProgress) add(file string, read map[int32]int64, ends map[int32]int64) error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.counted[file] {
		return nil
	}
	pr.counted[file] = true
	for p, n := range read {
		if int(p) >= len(pr.read) {
			return fmt.Errorf("textFileStream: %s: %w: a record of partition %d, and the input has %d", file, engines.ErrBadLine, p, len(pr.read))
		}
		pr.read[p] += n
	}
	for p, n := range ends {
		if int(p) >= len(pr.ends) {
			return fmt.Errorf("textFileStream: %s: %w: the end of partition %d, and the input has %d", file, engines.ErrBadLine, p, len(pr.ends))
		}
		pr.ends[p] = n
	}
	if pr.done == len(pr.read) {
		return nil
	}
	done := 0
	for p := range pr.read {
		if pr.ends[p] >= 0 && pr.read[p] >= pr.ends[p] {
			done++
		}
	}
	if pr.done = done; done == len(pr.read) {
		close(pr.drained)
	}
	return nil
}

// readRecordFile reads and parses one file.
func readRecordFile(file string, prog *FileRecordProgress) ([]engines.Record, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("textFileStream: reading %s: %w", file, err)
	}
	var (
		recs []engines.Record
		read = map[int32]int64{}
		ends = map[int32]int64{}
	)
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		l, err := engines.ParseLine(bytes.TrimSuffix(line, []byte{'\r'}))
		if err != nil {
			return nil, fmt.Errorf("textFileStream: %s, line %d: %w", file, lineNo, err)
		}
		if l.End {
			ends[l.Record.Partition] = l.Records
			continue
		}
		read[l.Record.Partition]++
		recs = append(recs, l.Record)
	}
	if err := prog.add(file, read, ends); err != nil {
		return nil, err
	}
	return recs, nil
}
