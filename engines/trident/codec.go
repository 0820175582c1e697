package trident

import (
	"encoding/binary"
	"errors"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Trident's own values in core's tuples, registered with core's tuple codec
// so that a Trident topology runs across worker processes, as Storm's
// Trident registers serializers for its batch ids with Kryo. Every tuple a
// Trident bolt emits carries its batch's spout.TransactionAttempt first;
// the master batch coordinator's batch, commit and success tuples carry it
// alone; the coordination tuples closing a batch carry it and a count (an
// int). Trident's values are otherwise the user's.
func init() {
	core.RegisterSerialization("trident.TransactionAttempt", appendTransactionAttempt, decodeTransactionAttempt)
	core.RegisterValuesType[tuple.Values]("trident.tuple.Values")
}

// appendTransactionAttempt writes the txid and the attempt as varints.
func appendTransactionAttempt(buf []byte, tx spout.TransactionAttempt) []byte {
	buf = binary.AppendVarint(buf, tx.Txid)
	return binary.AppendVarint(buf, int64(tx.Attempt))
}

var errBadAttempt = errors.New("bad transaction attempt")

func decodeTransactionAttempt(p []byte) (spout.TransactionAttempt, error) {
	txid, n := binary.Varint(p)
	if n <= 0 {
		return spout.TransactionAttempt{}, errBadAttempt
	}
	attempt, m := binary.Varint(p[n:])
	if m <= 0 || n+m != len(p) || int64(int(attempt)) != attempt {
		return spout.TransactionAttempt{}, errBadAttempt
	}
	return spout.TransactionAttempt{Txid: txid, Attempt: int(attempt)}, nil
}
