// Package multilang runs spouts and bolts written in other languages as
// subprocesses speaking Storm's multi-lang protocol (Storm's ShellBolt and
// ShellSpout): JSON messages over the subprocess's stdin and stdout, each
// followed by a line "end".
//
// The handshake sends {"conf", "pidDir", "context"}; the subprocess writes
// an empty file named by its pid in pidDir and answers {"pid": N}. A bolt
// is then sent tuples {"id", "comp", "stream", "task", "tuple"} and answers
// asynchronously with emit (anchors, stream, task, need_task_ids, tuple),
// ack, fail, log, error and metrics; heartbeat tuples on stream
// "__heartbeat" are answered with sync. A spout is sent next, ack, fail,
// activate and deactivate, and answers with emits ended by sync. Only the
// JSON serializer exists (topology.multilang.serializer).
//
// python/storm.py is a helper for Python components. Storm-starter's
// splitsentence.py, in testdata/, is
//
//	class SplitSentence(storm.BasicBolt):
//	    def process(self, tup):
//	        for w in tup.values[0].split():
//	            storm.emit([w])
//
// and runs as
//
//	builder.SetBolt("split", multilang.NewShellBolt(core.NewFields("word"), "python3", "splitsentence.py"), 8).
//		ShuffleGrouping("spout")
//
// A subprocess that exits, writes what is not the protocol, or says
// nothing for topology.subprocess.timeout.secs is killed, its pending
// tuples fail (a reliable spout replays them), the reason is the task's
// reported error, and a ShellBolt starts a new one. Unlike Storm, where
// the worker dies with its subprocess and all its tasks restart, only the
// one task's subprocess is replaced.
package multilang
