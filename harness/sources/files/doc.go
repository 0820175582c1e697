// Package files is the run's source as a directory that files of records
// appear in: the input of Spark Streaming's textFileStream, which lists a
// directory every batch and reads each new file once. The harness makes a
// temporary directory (removed after the run) and writes, per partition
// and flush, one file of records in engines' line format
// (engines.AppendLine). A file is written under a hidden name (".name.tmp",
// which a file stream skips, as Spark skips names starting with "." or
// "_"), synced, and renamed into place, so that a reader sees all of it or
// nothing. A partition's file is flushed when its lines reach a size
// (Options.FlushBytes) or its oldest line an age (Options.FlushAge). The
// end of the input is a final file with one end line per partition,
// "end <p> <n>", after every other file.
//
// Files are durable: nothing published is dropped, and a reader that
// remembers which files it processed (Spark keeps them in the checkpoint)
// reads each record once. That is the class of source behind Spark's
// exactly-once over files.
//
// What the engine has read is not observable from the harness: a file
// stream leaves no trace of reading a file. Read and ReadOffsets therefore
// count records in files renamed into the directory, readable rather than
// read; a run's latency is still measured at the sink from each record's
// intended time, so it includes the wait for the file and the batch that
// picks it up.
//
// Usage:
//
//	l, err := files.New(2, fill, files.Options{})
//	if err != nil { ... }
//	defer l.Remove()
//	in := l.Input() // engines.Input{Kind: engines.KindFiles, Dir: l.Dir(), Partitions: 2}
//	go engines.RunInput(ctx, eng, in, sink)
//	l.Publish(0, 1000, intended) // records 0..999 of partition 0, in a file once due
//	l.Close()                    // the rest, and the end file
package files
