package grep

import "strings"

// Matcher finds a fixed string in lines, as grep -F does: a line matches
// when it holds the pattern anywhere, once or more. Every engine's pipeline
// matches with it.
type Matcher struct {
	pattern string
}

// NewMatcher returns a matcher of pattern.
func NewMatcher(pattern string) Matcher { return Matcher{pattern: pattern} }

// Match reports whether line holds the pattern. strings.Contains is what a
// Go programmer reaches for, and it is fast: it scans for the pattern's
// first byte with the CPU's vector instructions and compares from there.
func (m Matcher) Match(line string) bool { return strings.Contains(line, m.pattern) }

// Pattern returns the pattern.
func (m Matcher) Pattern() string { return m.pattern }
