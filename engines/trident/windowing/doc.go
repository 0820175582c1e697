// Package windowing holds the stores of Trident's windows, as Storm's
// org.apache.storm.trident.windowing: a WindowsStoreFactory makes, for each
// task of a window operation, the WindowsStore that keeps the tuples its
// windows may still need and what its windows fired, so that a topology
// stopped in the middle of a window and started again over the same store
// goes on where it stopped.
//
// Three stores come with it: InMemoryWindowsStoreFactory (lost with the
// process, Storm's default), BoltWindowsStoreFactory (a bucket of a bbolt
// file, the durable store of one process, where Storm offers HBase), and
// KVWindowsStoreFactory (the run's coordination store, engines.KV, which
// the workers of a distributed run share).
//
//	db, _ := state.OpenBoltDB("windows.db")
//	store := windowing.NewBoltWindowsStoreFactory(db.DB(), "windows")
//	stream.Window(trident.SlidingCountWindow(100, 10), store,
//		tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
package windowing
