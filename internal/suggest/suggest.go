// Package suggest finds the likely intended word for a typo ("did you mean
// …?"), for error messages about configuration keys and check IDs.
package suggest

import "sort"

// Nearest returns the candidate closest to s by edit distance when it is
// within len(s)/3 + slack edits, else "". Ties go to the alphabetically first
// candidate, so messages are stable.
func Nearest(s string, candidates []string, slack int) string {
	best, bestD := "", len([]rune(s))/3+slack
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if d := Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
