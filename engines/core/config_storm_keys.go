package core

import (
	"strings"
)

// How a key of a Config is taken, as Storm takes it. Storm hands a
// topology's whole configuration to every component's prepare or open, so
// a user's own keys ("myapp.threshold") are how components are configured,
// and keys of parts of Storm that a component never sees
// (topology.worker.childopts) still travel with the topology. Storm checks
// none of them, so a misspelt key is silently ignored; here the keys this
// package implements are type-checked, Storm's other keys are accepted and
// listed as having no effect, a user's own keys are passed through, and a
// key one or two edits away from a known key of the same namespace is
// refused as the typo it almost certainly is.
type keyClass int

const (
	keyImplemented keyClass = iota // in keys: type-checked, used
	keyNoEffect                    // in noEffectKeys: Storm's, accepted, not used here
	keyTypo                        // close to a known key: refused with a suggestion
	keyOwn                         // a user's own: passed through to components
)

// NoEffectNote is how a Storm key this package does not implement is
// marked in `streambench list --engine core` and in a run's settings.
const NoEffectNote = "accepted, no effect here"

// noEffectKeys are keys Storm defines for parts of Storm this package does
// not have, or whose work it does differently; each says why. They are
// accepted with any value.
var noEffectKeys = map[string]string{
	"topology.worker.childopts":                      "JVM options of worker processes; workers here are goroutines or Go processes",
	"topology.worker.gc.childopts":                   "JVM garbage collector options of workers",
	"topology.worker.logwriter.childopts":            "JVM options of the worker's log writer",
	"topology.worker.max.heap.size.mb":               "JVM heap of a worker, for the resource-aware scheduler",
	"worker.heap.memory.mb":                          "JVM heap of a worker",
	"worker.childopts":                               "JVM options of every worker of the cluster",
	"topology.classpath":                             "extra JVM classpath of workers",
	"topology.environment":                           "environment variables of worker processes",
	"topology.kryo.register":                         "Kryo registrations by class name; in Go, RegisterSerialization",
	"topology.kryo.decorators":                       "Kryo decorators by class name",
	"topology.kryo.factory":                          "Kryo factory class",
	"topology.skip.missing.kryo.registrations":       "skip Kryo registrations of missing classes; registrations here are Go types, checked by the compiler",
	"topology.testing.always.try.serialize":          "serialize tuples inside a worker too, in tests",
	"topology.eventlogger.executors":                 "event logger executors for the UI's event inspector, which this engine has no UI for",
	"topology.metrics.consumer.register":             "metrics consumer classes; metrics here are read with Metrics and stored in the result file",
	"topology.builtin.metrics.bucket.size.secs":      "seconds per built-in metrics bucket; metrics here cover the whole run",
	"topology.error.throttle.interval.secs":          "interval for throttling reported errors",
	"topology.max.error.report.per.interval":         "errors reported per throttle interval",
	"topology.component.resources.onheap.memory.mb":  "on-heap memory of a component, for the resource-aware scheduler",
	"topology.component.resources.offheap.memory.mb": "off-heap memory of a component, for the resource-aware scheduler",
	"topology.component.cpu.pcore.percent":           "CPU share of a component, for the resource-aware scheduler",
	"topology.scheduler.strategy":                    "resource-aware scheduling strategy class",
	"topology.priority":                              "topology priority for the resource-aware scheduler",
	"topology.spout.wait.strategy":                   "spout wait strategy class; the progressive strategy is built in",
	"topology.bolt.wait.strategy":                    "bolt wait strategy class; bolts here block on their receive queue",
	"topology.backpressure.wait.strategy":            "backpressure wait strategy class; a blocked bolt here waits on the full queue",
	"topology.transfer.buffer.size":                  "worker transfer queue size; batches here go straight to the destination executor's queue",
	"topology.transfer.batch.size":                   "tuples per batch to another worker; batches are topology.producer.batch.size here",
	"topology.batch.flush.interval.millis":           "timer that flushes partial batches; executors here flush as soon as their input runs dry",
	"topology.backpressure.check.millis":             "interval of the worker's backpressure check; spouts here check before every nextTuple",
	"topology.worker.receiver.thread.count":          "receiver threads per worker",
	"topology.worker.shared.thread.pool.size":        "worker's shared thread pool size",
	"topology.state.provider":                        "state provider class of stateful bolts, which this engine does not have",
	"topology.state.provider.config":                 "state provider configuration of stateful bolts",
	"topology.state.checkpoint.interval.ms":          "checkpoint interval of stateful bolts",
	"topology.submitter.user":                        "user who submitted the topology, for authorization",
	"topology.users":                                 "users allowed to manage the topology",
	"topology.groups":                                "groups allowed to manage the topology",
	"topology.auto-credentials":                      "credential plugins of the topology",
	"nimbus.seeds":                                   "hosts of Nimbus; streambench cluster runs its own master",
	"nimbus.thrift.port":                             "Nimbus's Thrift port",
	"storm.zookeeper.servers":                        "ZooKeeper hosts; this engine keeps no state in ZooKeeper",
	"storm.zookeeper.port":                           "ZooKeeper port",
	"storm.zookeeper.root":                           "ZooKeeper root path",
	"storm.local.dir":                                "directory for Storm's local state",
	"storm.cluster.mode":                             "local or distributed; a Job runs in local mode, streambench cluster runs workers in processes",
	"storm.log.dir":                                  "directory of worker logs",
	"storm.messaging.transport":                      "worker transport class; workers here use cluster/transport",
	"storm.messaging.netty.buffer_size":              "Netty buffer of the worker transport",
	"storm.messaging.netty.max_retries":              "Netty reconnection attempts",
	"supervisor.slots.ports":                         "worker ports of a supervisor",
	"supervisor.childopts":                           "JVM options of the supervisor",
	"ui.port":                                        "port of Storm's UI, which this engine has no UI for",
	"logviewer.port":                                 "port of Storm's log viewer",
	"drpc.servers":                                   "hosts of the DRPC servers; topologies here are given their server (CreateRemoteTopology)",
	"drpc.port":                                      "Thrift port of the DRPC client side; clients here use the HTTP endpoint (drpc.http.port)",
	"drpc.childopts":                                 "JVM options of the DRPC server",
	"topology.multilang.log.handler":                 "log handler class of multi-lang components; their logs go to the process's log",
	"topology.bolts.outgoing.overflow.buffer.enable": "Storm 1's overflow buffer of bolts",
	"topology.disruptor.wait.timeout.millis":         "Storm 1's disruptor queue timeout",
	"topology.disruptor.batch.size":                  "Storm 1's disruptor batch size",
	"topology.disruptor.batch.timeout.millis":        "Storm 1's disruptor batch timeout",
	"topology.executor.send.buffer.size":             "Storm 1's executor send queue",
	"topology.spout.wait.progressive.level1.count":   "iterations an idle spout spins before yielding",
	"topology.spout.wait.progressive.level2.count":   "iterations an idle spout yields before sleeping",
}

// keysElsewhere are keys that packages built on this one implement
// (Trident's), registered with RegisterKeys: in a Config they pass through
// to those packages' components, and a key close to one is a typo.
var keysElsewhere = map[string]bool{}

// RegisterKeys makes keys a package built on engines/core implements known
// for typo detection. It is for init functions, as engines/trident's.
func RegisterKeys(names ...string) {
	for _, k := range names {
		keysElsewhere[k] = true
	}
}

// classify says how key k is taken, and for a typo the key it is close to.
func classify(k string) (keyClass, string) {
	if _, ok := keys[k]; ok {
		return keyImplemented, ""
	}
	if _, ok := noEffectKeys[k]; ok {
		return keyNoEffect, ""
	}
	if keysElsewhere[k] {
		return keyOwn, ""
	}
	if near := nearKey(k); near != "" {
		return keyTypo, near
	}
	return keyOwn, ""
}

// nearKey returns the known key (implemented or not) of k's namespace (its
// first dotted segment: topology, drpc, supervisor...) one or two edits
// away from k, if there is one. A user's own keys live in their own
// namespace, so they are never taken for typos.
func nearKey(k string) string {
	ns, _, _ := strings.Cut(k, ".")
	best, bestD := "", 3
	consider := func(known string) {
		if kns, _, _ := strings.Cut(known, "."); kns != ns {
			return
		}
		if d := editDistance(k, known); d < bestD || d == bestD && known < best {
			best, bestD = known, d
		}
	}
	for known := range keys {
		consider(known)
	}
	for known := range noEffectKeys {
		consider(known)
	}
	for known := range keysElsewhere {
		consider(known)
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
