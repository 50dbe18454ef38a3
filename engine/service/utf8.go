package service

import (
	"fmt"
	"unicode/utf8"
)

// invalidUTF8 describes the first byte of body that is not UTF-8, in the
// words of the JSON parser AWS reads requests with, or returns "" when
// body is valid UTF-8. encoding/json would read such bytes as U+FFFD, so
// a name or a definition would silently change.
func invalidUTF8(body []byte) string {
	if utf8.Valid(body) {
		return ""
	}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		b := body[i]
		// A lead byte followed by something other than a continuation
		// byte: the "middle" byte is the culprit.
		if b >= 0xc2 && b <= 0xf4 && i+1 < len(body) && body[i+1]&0xc0 != 0x80 {
			return fmt.Sprintf("Invalid UTF-8 middle byte 0x%x", body[i+1])
		}
		if b >= 0xc2 && b <= 0xf4 && i+1 >= len(body) {
			return "Unexpected end-of-input in the middle of a UTF-8 character"
		}
		return fmt.Sprintf("Invalid UTF-8 start byte 0x%x", b)
	}
	return ""
}
