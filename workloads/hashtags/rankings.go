package hashtags

import "fmt"

// TopN is how many ranks each window keeps.
const TopN = 10

// RankKey returns the output key of rank i, counted from 0: "top01" for the
// most frequent tag.
func RankKey(i int) string { return fmt.Sprintf("top%02d", i+1) }

// Rankable is a hashtag and its count.
type Rankable struct {
	Tag   string
	Count int64
}

// Rankings keeps the n largest counts of one window, named after
// storm-starter's Rankings, which RollingTopWords keeps in its ranker bolts.
// Counts only grow, so no tag outside the top n needs remembering: one
// enters only when its new count passes the n-th. Rankings is not safe for
// concurrent use.
type Rankings struct {
	max     int
	entries []Rankable // by count, largest first
	before  []int64    // scratch: the counts by rank before an update
}

// NewRankings returns empty rankings of n ranks.
func NewRankings(n int) *Rankings {
	return &Rankings{max: n, entries: make([]Rankable, 0, n), before: make([]int64, n)}
}

// UpdateWith records that tag's count is now count, appends to changed the
// ranks (from 0) whose count changed, and returns it. A count no larger
// than the one held for tag is stale (a late update) and changes nothing.
func (r *Rankings) UpdateWith(tag string, count int64, changed []int) []int {
	n := len(r.entries)
	for k, e := range r.entries {
		r.before[k] = e.Count
	}
	i := -1
	for k := range r.entries {
		if r.entries[k].Tag == tag {
			i = k
			break
		}
	}
	switch {
	case i >= 0:
		if count <= r.entries[i].Count {
			return changed
		}
		r.entries[i].Count = count
	case n < r.max:
		r.entries = append(r.entries, Rankable{Tag: tag, Count: count})
		i = n
	case n > 0 && count > r.entries[n-1].Count:
		// Passing the last rank's count is the only way in; a tie is not
		// enough, and would not change any rank's count anyway.
		i = n - 1
		r.entries[i] = Rankable{Tag: tag, Count: count}
	default:
		return changed
	}
	for ; i > 0 && r.entries[i-1].Count < count; i-- {
		r.entries[i-1], r.entries[i] = r.entries[i], r.entries[i-1]
	}
	for k := range r.entries {
		if k >= n || r.entries[k].Count != r.before[k] {
			changed = append(changed, k)
		}
	}
	return changed
}

// Count returns the count at rank i (from 0); ranks beyond Len are 0.
func (r *Rankings) Count(i int) int64 {
	if i < len(r.entries) {
		return r.entries[i].Count
	}
	return 0
}

// Len returns how many ranks are filled.
func (r *Rankings) Len() int { return len(r.entries) }

// Entries returns the ranked tags, largest count first. Tags of equal count
// are in no particular order.
func (r *Rankings) Entries() []Rankable { return r.entries }
