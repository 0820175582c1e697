package fraud

import (
	"strconv"
	"strings"
)

// Txn is a card transaction as a pipeline reads it.
type Txn struct {
	ID       string
	Card     string
	Amount   int64 // cents
	Country  string
	Merchant string
	TimeMs   int64 // event time, milliseconds since the Unix epoch
}

// maxAmount bounds an amount: a hundred billion dollars, in cents.
const maxAmount = 1e13

// Parse reads a transaction's CSV line: txn id, card, amount in cents,
// country, merchant, event time in milliseconds. The id and card must be
// non-empty, the amount an integer in [0, 1e13], the country an ISO 3166
// code of two or three capital letters and the time an integer; ok is false
// otherwise. The strings are substrings of s:
// nothing is allocated. Every engine's pipeline parses with it.
func Parse(s string) (t Txn, ok bool) {
	var f [6]string
	for i := range 5 {
		j := strings.IndexByte(s, ',')
		if j < 0 {
			return Txn{}, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	if strings.IndexByte(s, ',') >= 0 {
		return Txn{}, false
	}
	f[5] = s
	amount, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || amount < 0 || amount > maxAmount {
		return Txn{}, false
	}
	ms, err := strconv.ParseInt(f[5], 10, 64)
	if err != nil || f[0] == "" || f[1] == "" || !isCountry(f[3]) {
		return Txn{}, false
	}
	return Txn{ID: f[0], Card: f[1], Amount: amount, Country: f[3], Merchant: f[4], TimeMs: ms}, true
}

// isCountry reports whether c is two or three capital letters.
func isCountry(c string) bool {
	if len(c) < 2 || len(c) > 3 {
		return false
	}
	for i := range len(c) {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
