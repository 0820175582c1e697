package hashtags

// Parse splits a tweet, "user<id> <words...> #tag #tag", into its user (the
// first word) and its hashtags (the words that start with '#' and have more
// to them), appended to tags as written, '#' included, and returned. Words
// are separated by runs of spaces. ok is false for a tweet with no user: an
// empty one, or one that starts with a hashtag. Tags are substrings of s:
// nothing is allocated once tags has room. Every engine's pipeline parses
// with it.
func Parse(s string, tags []string) (user string, _ []string, ok bool) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	if j == i || s[i] == '#' {
		return "", tags, false
	}
	user = s[i:j]
	for i = j; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j = i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j-i > 1 && s[i] == '#' {
			tags = append(tags, s[i:j])
		}
		i = j
	}
	return user, tags, true
}
