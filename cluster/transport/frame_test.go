package transport

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	frames := []Frame{
		{Kind: KindHello, Payload: appendHello(nil, hello{Token: "t", ID: "w1", Codec: "int/1"})},
		{Kind: KindReady, Payload: []byte{}},
		{Kind: KindBatch, Task: 7, Payload: IntCodec{}.AppendBatch(nil, []int{1, -2, 3})},
		{Kind: KindCredit, Task: 1<<32 - 1, Payload: []byte{8}},
		{Kind: KindReject, Payload: []byte("wrong token")},
	}
	var stream []byte
	for _, f := range frames {
		stream = AppendFrame(stream, f)
	}
	r := bytes.NewReader(stream)
	var buf []byte
	for i, want := range frames {
		var got Frame
		var err error
		got, buf, err = ReadFrame(r, 1024, buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.Kind != want.Kind || got.Task != want.Task || !bytes.Equal(got.Payload, want.Payload) {
			t.Fatalf("frame %d = %+v, want %+v", i, got, want)
		}
	}
	if _, _, err := ReadFrame(r, 1024, buf); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameRefuses(t *testing.T) {
	good := AppendFrame(nil, Frame{Kind: KindBatch, Task: 1, Payload: []byte{1, 2}})
	for _, tc := range []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"too large", AppendFrame(nil, Frame{Kind: KindBatch, Payload: make([]byte, 100)}), ErrFrameTooLarge},
		{"length under the header", []byte{0, 0, 0, 5, Version, 4, 0, 0, 0}, ErrMalformedFrame},
		{"other version", append([]byte{0, 0, 0, 6, Version + 1}, good[5:10]...), ErrVersion},
		{"kind zero", []byte{0, 0, 0, 6, Version, 0, 0, 0, 0, 0}, ErrMalformedFrame},
		{"unknown kind", []byte{0, 0, 0, 6, Version, 99, 0, 0, 0, 0}, ErrMalformedFrame},
		{"cut in the length", good[:3], io.ErrUnexpectedEOF},
		{"cut in the body", good[:len(good)-1], io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadFrame(bytes.NewReader(tc.bytes), 64, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadFrame: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestControlPayloads(t *testing.T) {
	h := hello{Token: "tok", ID: "worker-1", Codec: "record/1"}
	got, err := decodeHello(appendHello(nil, h))
	if err != nil || !reflect.DeepEqual(got, h) {
		t.Fatalf("hello round trip = %+v, %v", got, err)
	}
	for _, p := range [][]byte{nil, {3, 'a'}, append(appendHello(nil, h), 0)} {
		if _, err := decodeHello(p); err == nil {
			t.Fatalf("decodeHello(%v) accepted it", p)
		}
	}
	f, _, err := ReadFrame(bytes.NewReader(appendCredit(nil, 3, 8)), 64, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := decodeCredit(f.Payload); f.Kind != KindCredit || f.Task != 3 || c != 8 || err != nil {
		t.Fatalf("credit = %+v %d %v", f, c, err)
	}
	for _, p := range [][]byte{nil, {0}, {0xff, 0xff, 0xff, 0xff, 0x0f}, {1, 1}} {
		if _, err := decodeCredit(p); err == nil {
			t.Fatalf("decodeCredit(%v) accepted it", p)
		}
	}
}

// FuzzReadFrame reads a stream of frames from arbitrary bytes: it must
// never panic or read past the size limit, and every frame it accepts must
// encode back to the bytes it came from.
func FuzzReadFrame(f *testing.F) {
	f.Add(AppendFrame(nil, Frame{Kind: KindBatch, Task: 2, Payload: IntCodec{}.AppendBatch(nil, []int{1, 2, 3})}))
	f.Add(AppendFrame(AppendFrame(nil, Frame{Kind: KindHello, Payload: appendHello(nil, hello{Token: "t", ID: "a", Codec: "int/1"})}),
		Frame{Kind: KindReady}))
	f.Add(appendCredit(nil, 1, 8))
	f.Add([]byte{0, 0, 0, 6, Version, byte(KindReject), 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, Version, byte(KindBatch)})
	f.Add([]byte{0, 0, 0, 2, 1})
	const limit = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		var buf []byte
		for {
			start := len(data) - r.Len()
			fr, b, err := ReadFrame(r, limit, buf)
			buf = b
			if err != nil {
				return
			}
			if cap(buf) > limit {
				t.Fatalf("ReadFrame allocated %d bytes, over the %d limit", cap(buf), limit)
			}
			end := len(data) - r.Len()
			if again := AppendFrame(nil, fr); !bytes.Equal(again, data[start:end]) {
				t.Fatalf("frame %+v re-encodes to %x, read from %x", fr, again, data[start:end])
			}
			switch fr.Kind {
			case KindHello:
				decodeHello(fr.Payload)
			case KindCredit:
				decodeCredit(fr.Payload)
			case KindBatch:
				IntCodec{}.DecodeBatch(fr.Payload)
			}
		}
	})
}
