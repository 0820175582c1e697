// Package drpc is Storm's distributed RPC: a server that holds requests
// for functions, topologies that compute them, and clients that wait for
// the result.
//
// A client calls Execute(function, args) and blocks (at most
// drpc.request.timeout.secs, 600 s); a topology's DRPCSpout fetches the
// function's requests from the server's invocations side and emits
// ("args", "return-info"); its last bolt, ReturnResults, sends each result
// back to the server named in the return-info. When a request's tuple tree
// fails or times out, the spout fails the request back to its client.
//
// The server runs in the topology's process (NewLocalDRPC, Storm's
// LocalDRPC, for local mode and tests) or on its own (`streambench drpc`,
// Storm's DRPC daemon), where clients use its HTTP endpoint (GET
// /drpc/<function>/<args>, POST /drpc/<function>) and topologies its
// invocations endpoint (JSON over HTTP; see http.go). A DRPCSpout or a
// Trident NewDRPCStream takes either through the Invocations interface.
//
// LinearDRPCTopologyBuilder builds the common case, a chain of bolts, on
// engines/core's CoordinatedBolt, so that a batch bolt learns when every
// tuple of its request has arrived. Storm-starter's ReachTopology:
//
//	b := drpc.NewLinearDRPCTopologyBuilder("reach")
//	b.AddBolt(GetTweeters{}, 4)
//	b.AddBolt(GetFollowers{}, 12).ShuffleGrouping()
//	b.AddBolt(&PartialUniquer{}, 6).FieldsGrouping(core.NewFields("id", "follower"))
//	b.AddBolt(&CountAggregator{}, 3).FieldsGrouping(core.NewFields("id"))
//
//	server := drpc.NewLocalDRPC()
//	cluster.SubmitTopology("reach", core.Config{}, b.CreateLocalTopology(server))
//	reach, err := server.Execute("reach", "foo.com/blog/1") // "16"
//
// or, against `streambench drpc`, b.CreateRemoteTopology("http://HOST:3773")
// and drpc.NewClient("http://HOST:3774", nil).Execute("reach", url).
//
// Differences from Storm: the invocations side speaks JSON over HTTP
// instead of Thrift; the HTTP endpoint answers 404 at once for a function
// no topology has asked for, 504 on timeout and 500 on failure (Storm
// answers 500 to both, and lets a request for an unknown function wait
// out its timeout); a linear topology whose chain finishes a request
// without a result fails it at once instead of leaving it to time out.
package drpc
