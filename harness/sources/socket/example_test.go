package socket_test

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/sources/socket"
)

// Example serves one partition: a client connects (as an engine's receiver
// would), the records go out as lines, and Close ends them with the end
// line.
func Example() {
	fill := func(r *engines.Record) { r.Value = fmt.Sprintf("record %d", r.Offset) }
	l, err := socket.Listen(1, fill, socket.Options{})
	if err != nil {
		panic(err)
	}
	defer l.Shutdown()
	c, err := net.Dial("tcp", l.Input().Addrs[0])
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for !l.Connected() { // poll: the listener accepts in the background
		time.Sleep(time.Millisecond)
	}
	l.Publish(0, 3, func(offset int64) int64 { return 1_700_000_000_000_000_000 + offset })
	l.Close()
	data, _ := io.ReadAll(c)
	fmt.Print(string(data))
	fmt.Println("dropped:", l.Dropped())
	// Output:
	// 0 0 0 1700000000000000000 record 0
	// 0 1 0 1700000000000000001 record 1
	// 0 2 0 1700000000000000002 record 2
	// end 0 3
	// dropped: 0
}
