// Package socket is the run's source as a TCP text socket per partition:
// the netcat server that Spark Streaming's socketTextStream examples read
// (nc -lk 9999), owned by the harness. The harness listens on loopback,
// port 0, one listener per partition; the engine connects to each address
// (engines.Input.Addrs) and reads one record a line, in engines' line
// format (engines.AppendLine), with "end <p> <n>" once partition p's input
// is over.
//
// A socket is the unreliable class of source. It keeps nothing: a record
// is written to whoever is connected when it is published, through a
// bounded buffer per partition, and a record published while no client is
// connected, or one a slow client leaves no room for, is dropped. The Log
// counts what it dropped (Dropped: a run's sends_dropped), and since the
// oracle is asked about every published record, the verifier reports the
// dropped records as lost, which at-most-once allows. The driver waits for
// the engine only once, at the start (WaitConnected: it publishes nothing
// until every partition has had a client, as nc -lk holds its input until
// one connects, so a slow start shows as send delay, not loss); after
// that it never falls behind because of a slow client, it drops instead.
//
// What the engine received is what was written to its connection: Read
// counts records written in full. A client that disconnects loses what was
// queued for it; a client that connects again (Spark's receiver restarts
// and reconnects) gets what is published from then on.
//
// Usage:
//
//	l, err := socket.Listen(2, fill, socket.Options{})
//	if err != nil { ... }
//	defer l.Shutdown()
//	in := l.Input() // engines.Input{Kind: engines.KindSocket, Addrs: ...}
//	go engines.RunInput(ctx, eng, in, sink)
//	l.Publish(0, 1000, intended) // records 0..999 of partition 0, as lines
//	l.Close()                    // the end lines
package socket
