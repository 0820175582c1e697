package fraud

import (
	"encoding/binary"
	"errors"

	"github.com/streambench/streambench/engines/core"
)

// A parsed Txn crosses a bolt boundary in the Trident pipeline (it is
// partitioned by card), so between worker processes it travels with core's
// tuple codec, registered as a Storm user registers a Kryo serializer.
func init() { core.RegisterSerialization("fraud.Txn", appendTxn, decodeTxn) }

// appendTxn writes the strings as a uvarint length and their bytes, the
// numbers as varints.
func appendTxn(buf []byte, t Txn) []byte {
	for _, s := range [...]string{t.ID, t.Card, t.Country, t.Merchant} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.AppendVarint(buf, t.Amount)
	return binary.AppendVarint(buf, t.TimeMs)
}

var errBadTxn = errors.New("bad encoded transaction")

func decodeTxn(p []byte) (Txn, error) {
	var s [4]string
	for i := range s {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return Txn{}, errBadTxn
		}
		s[i], p = string(p[k:k+int(n)]), p[k+int(n):]
	}
	amount, k := binary.Varint(p)
	if k <= 0 {
		return Txn{}, errBadTxn
	}
	timeMs, m := binary.Varint(p[k:])
	if m <= 0 || k+m != len(p) {
		return Txn{}, errBadTxn
	}
	return Txn{ID: s[0], Card: s[1], Country: s[2], Merchant: s[3], Amount: amount, TimeMs: timeMs}, nil
}
