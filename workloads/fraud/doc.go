// Package fraud is the deck's first scenario: "a financial services company
// needs to analyze transactions in real time to prevent fraud". Every card
// transaction is checked against the card's own history, and a flagged one
// raises an alert at once.
//
// Records are card transactions as CSV lines, about 50 bytes:
//
//	txn id,card number,amount in cents,country,merchant,event time in ms
//	tx81723,4532015112830366,4125,DE,m204417,1800000081723
//
// Three rules, per card, in the order of the card's transactions:
//
//   - amount: the amount exceeds amount-factor times the mean of the card's
//     previous amounts, once the card has min-history previous ones;
//   - velocity: the transaction is the velocity-count-th within
//     velocity-window of event time (it and the velocity-count-1 before it);
//   - travel: the country differs from the card's previous transaction's,
//     within travel-window (an hour) of it, faster than anyone travels.
//
// The output is one alert per flagged transaction, an event keyed by its
// txn id, whichever and however many rules it broke.
//
// The generator plants each pattern at a known rate: an amount of two to
// three times amount-factor times the card's usual amount (amount-rate), a
// burst of velocity-count consecutive transactions of one partition on one
// card (velocity-rate), a foreign country (country-rate). Ordinary traffic
// spends about the card's usual amount in its home country, but may still
// break a rule by chance (two ordinary transactions close together), as in
// life; the oracle judges every transaction, planted or not.
//
// Event time is fraud's own clock: record g of the stream happened at
// EventStart + g/events-per-second, whatever rate the harness offers
// records at. The rules speak of seconds and hours of a card's life, so
// their meaning must not change between a run at 1k records/s and one at
// 1M: at events-per-second 1000 and 10,000 cards, a card is used every ten
// seconds on average in either.
//
// The rules depend on the order of a card's transactions, and engines
// interleave partitions differently, so the generator keeps each card in one
// partition (card c in partition c mod P; the record at (p, o) draws its
// card among those of p), in offset order, with event times growing with
// the offset. Pipelines must keep per-card order: group by card straight
// from the source, with no shuffle before it. The records therefore depend
// on the partition count, unlike other workloads'.
//
// The oracle replays each card's transactions, as the generator decided
// them, through its own plain statement of the rules, which keeps every
// transaction of a card. Every pipeline parses with Parse and judges with
// Rules.Check on a Profile per card (a count, a sum, a ring of recent times,
// the last country), so every engine does the same work.
//
//	baseline    one loop per set of partitions: parse, look the card's
//	            profile up, check, alert; P workers own P shares of the
//	            partitions and so of the cards, with no exchange at all
//	            (a shuffle would only repeat the source's partitioning)
//	core        spout -> detect bolt (fields on card) keeping profiles in a
//	            map; every card's tuples come from one spout task, in order
//	trident     each(Parse) -> partitionBy(card) ->
//	            partitionPersist(profiles, Check) -> newValuesStream ->
//	            partitionPersist(sink, alerts): state updated in txid order
//	microbatch  mapPartitions(Parse into (card, txn)) -> mapWithState(Check)
//	            -> filter(alert); each batch's records of a card in offset
//	            order
//
// The output contract: an alert is one event (Event set, Value 1, naming the flagged transaction), never merged:
// one output per flagged transaction. (The workloads package says what each kind of output allows.)
package fraud
