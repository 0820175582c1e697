package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the frame format this package writes and accepts. A frame with
// any other version closes the connection.
const Version = 1

// DefaultMaxFrameSize bounds a frame (everything after its length field)
// unless Config.MaxFrameSize says otherwise: a reader never allocates more
// for one frame.
const DefaultMaxFrameSize = 16 << 20

// Kind says what a frame carries.
type Kind uint8

// The frame kinds. A connection carries, from the dialling node (the
// sender) to the accepting node (the receiver), one Hello and then Batch
// frames; and back, Credit frames, then Ready (or one Reject), then more
// Credit frames as batches reach their queues.
const (
	// KindHello opens a connection: the protocol version (in the header),
	// the cluster's token, the sender's id and the codec's name.
	KindHello Kind = 1
	// KindReady ends the receiver's answer to a Hello: the Credit frames
	// before it name every task the receiver runs.
	KindReady Kind = 2
	// KindReject refuses a Hello; the payload is the reason as text. The
	// receiver closes the connection after it.
	KindReject Kind = 3
	// KindBatch carries one encoded batch for the task in the header.
	KindBatch Kind = 4
	// KindCredit grants the sender room for more batches to the task in the
	// header; the payload is the count as a uvarint.
	KindCredit Kind = 5
)

func (k Kind) String() string {
	switch k {
	case KindHello:
		return "hello"
	case KindReady:
		return "ready"
	case KindReject:
		return "reject"
	case KindBatch:
		return "batch"
	case KindCredit:
		return "credit"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// headerSize is the fixed part of a frame: uint32 length, version byte,
// kind byte, uint32 task.
const headerSize = 10

// minFrameLen is the smallest value of a frame's length field: version,
// kind and task with an empty payload.
const minFrameLen = headerSize - 4

// Errors ReadFrame returns for a frame it refuses. The connection that
// carried it cannot be read further and is closed.
var (
	ErrFrameTooLarge  = errors.New("frame over the size limit")
	ErrMalformedFrame = errors.New("malformed frame")
	ErrVersion        = errors.New("unsupported frame version")
)

// Frame is one decoded frame. Payload aliases the buffer ReadFrame was given.
type Frame struct {
	Kind    Kind
	Task    uint32
	Payload []byte
}

// beginFrame appends a frame header with a placeholder length to buf; the
// caller appends the payload and calls endFrame with the returned offset.
func beginFrame(buf []byte, kind Kind, task uint32) ([]byte, int) {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, Version, byte(kind))
	return binary.BigEndian.AppendUint32(buf, task), start
}

// endFrame writes the length of the frame that starts at start.
func endFrame(buf []byte, start int) {
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
}

// AppendFrame appends the encoding of one frame to buf:
//
//	uint32 length   big endian, the byte count of everything after it
//	uint8  version  Version
//	uint8  kind     a Kind
//	uint32 task     big endian, the destination task (0 when unused)
//	payload         length-6 bytes
func AppendFrame(buf []byte, f Frame) []byte {
	buf, start := beginFrame(buf, f.Kind, f.Task)
	buf = append(buf, f.Payload...)
	endFrame(buf, start)
	return buf
}

// ReadFrame reads one frame from r, refusing one whose length is over
// maxSize before reading its body. It reuses buf for the body when it is
// big enough and returns the buffer it used, for the next call. It returns
// io.EOF for a stream that ends cleanly between frames and
// io.ErrUnexpectedEOF for one that ends inside a frame.
func ReadFrame(r io.Reader, maxSize int, buf []byte) (Frame, []byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return Frame{}, buf, err
	}
	n := binary.BigEndian.Uint32(lenBuf[:])
	if n < minFrameLen {
		return Frame{}, buf, fmt.Errorf("%w: length %d, under the %d-byte header", ErrMalformedFrame, n, minFrameLen)
	}
	if uint64(n) > uint64(maxSize) {
		return Frame{}, buf, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, maxSize)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	body := buf[:n]
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, buf, err
	}
	if body[0] != Version {
		return Frame{}, buf, fmt.Errorf("%w: %d (this node speaks %d)", ErrVersion, body[0], Version)
	}
	f := Frame{Kind: Kind(body[1]), Task: binary.BigEndian.Uint32(body[2:6]), Payload: body[6:]}
	if f.Kind < KindHello || f.Kind > KindCredit {
		return Frame{}, buf, fmt.Errorf("%w: unknown kind %d", ErrMalformedFrame, body[1])
	}
	return f, buf, nil
}

// hello is the payload of a KindHello frame.
type hello struct {
	Token, ID, Codec string
}

func appendHello(buf []byte, h hello) []byte {
	buf = appendString(buf, h.Token)
	buf = appendString(buf, h.ID)
	return appendString(buf, h.Codec)
}

func decodeHello(p []byte) (hello, error) {
	d := decoder{b: p}
	h := hello{Token: d.string(), ID: d.string(), Codec: d.string()}
	return h, d.finish()
}

func appendCredit(buf []byte, task uint32, n int) []byte {
	buf, start := beginFrame(buf, KindCredit, task)
	buf = binary.AppendUvarint(buf, uint64(n))
	endFrame(buf, start)
	return buf
}

func decodeCredit(p []byte) (int, error) {
	d := decoder{b: p}
	n := d.uvarint()
	if err := d.finish(); err != nil {
		return 0, err
	}
	if n == 0 || n > 1<<30 {
		return 0, fmt.Errorf("%w: credit of %d", ErrMalformedFrame, n)
	}
	return int(n), nil
}
