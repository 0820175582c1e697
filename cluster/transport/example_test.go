package transport_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
)

// Two workers on loopback: worker 2 runs task 1, worker 1 sends it a batch.
func ExampleNode() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	inbox := engines.NewQueue[engines.Record](16)
	worker2, err := transport.NewNode(transport.Config[engines.Record]{
		ID:       "worker-2",
		Token:    "cluster-token",
		Codec:    transport.RecordCodec{},
		Local:    map[int]*engines.Queue[engines.Record]{1: inbox},
		Listener: ln,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer worker2.Close()

	worker1, err := transport.NewNode(transport.Config[engines.Record]{
		ID:     "worker-1",
		Token:  "cluster-token",
		Codec:  transport.RecordCodec{},
		Remote: map[int]string{1: worker2.Addr().String()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer worker1.Close()

	batch := []engines.Record{{Partition: 0, Offset: 7, Value: "hello"}, {Partition: 0, Offset: 8, Value: "world"}}
	if err := worker1.Send(context.Background(), 1, batch); err != nil {
		log.Fatal(err)
	}
	for _, r := range <-inbox.C() {
		fmt.Println(r.Partition, r.Offset, r.Value)
	}
	// Output:
	// 0 7 hello
	// 0 8 world
}
