package choice

import (
	"math"
	"strings"
	"unicode/utf8"
)

// compareNumbers compares two JSON numbers (int64 or float64) by value,
// exactly: an int64 is never rounded to a float64 first, so 2^63-1 and
// 9.223372036854775807e18 are told apart. ok is false when either is not a
// number or a float is NaN.
func compareNumbers(a, b any) (r int, ok bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y), true
		case float64:
			r, ok := cmpIntFloat(x, y)
			return r, ok
		}
	case float64:
		switch y := b.(type) {
		case int64:
			r, ok := cmpIntFloat(y, x)
			return -r, ok
		case float64:
			if math.IsNaN(x) || math.IsNaN(y) {
				return 0, false
			}
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpIntFloat compares an int64 with a float64 exactly.
func cmpIntFloat(a int64, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 0x1p63:
		return -1, true
	case f < -0x1p63:
		return 1, true
	}
	// f is in [-2^63, 2^63): its integer part fits an int64 exactly.
	t := math.Trunc(f)
	ti := int64(t)
	if c := cmpInt(a, ti); c != 0 {
		return c, true
	}
	frac := f - t
	switch {
	case frac > 0:
		return -1, true
	case frac < 0:
		return 1, true
	}
	return 0, true
}

// compareStrings orders two strings the way Java's String.compareTo does,
// by UTF-16 code units, which AWS uses. It differs from Go's byte order only
// between characters above U+FFFF and those in U+E000..U+FFFF.
func compareStrings(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmpInt(int64(len(a)), int64(len(b)))
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return cmpInt(int64(a[i]), int64(b[i]))
	}
	// Back up to the start of the rune that differs; the common prefix is
	// the same bytes in both, so the rune starts at the same offset.
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	return cmpInt(int64(utf16Key(ra, rb)), int64(utf16Key(rb, ra)))
}

// utf16Key returns the value by which r sorts against other in UTF-16 code
// unit order: supplementary characters sort by their high surrogate unless
// both are supplementary, when code point order is the same thing.
func utf16Key(r, other rune) rune {
	if r >= 0x10000 && other < 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

// pattern is a compiled StringMatches pattern: literal pieces separated by
// '*' wildcards.
type pattern struct {
	pieces []string // literal text between stars
	star   bool     // whether the pattern has at least one star
}

// compilePattern splits a StringMatches pattern on its unescaped stars. "\*"
// is a literal star and "\\" a literal backslash; a backslash before any
// other character (or at the end) stands for itself.
func compilePattern(p string) pattern {
	var pieces []string
	var b strings.Builder
	star := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\'):
			b.WriteByte(p[i+1])
			i++
		case c == '*':
			star = true
			pieces = append(pieces, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	pieces = append(pieces, b.String())
	return pattern{pieces: pieces, star: star}
}

// match reports whether s matches the whole pattern. Stars match any run of
// characters, including none; matching is linear in the
// number of pieces (each piece found at its leftmost place, which is
// always safe for a star-only glob).
func (p *pattern) match(s string) bool {
	if !p.star {
		return s == p.pieces[0]
	}
	first, last := p.pieces[0], p.pieces[len(p.pieces)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, piece := range p.pieces[1 : len(p.pieces)-1] {
		j := strings.Index(mid, piece)
		if j < 0 {
			return false
		}
		mid = mid[j+len(piece):]
	}
	return true
}
