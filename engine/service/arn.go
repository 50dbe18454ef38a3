package service

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Resource types in Step Functions ARNs.
const (
	arnStateMachine = "stateMachine"
	arnExecution    = "execution"
	arnExpress      = "express"
	arnActivity     = "activity"
)

// arn is a parsed Step Functions ARN:
// arn:aws:states:REGION:ACCOUNT:TYPE:NAME[:EXECUTION].
type arn struct {
	region, account, typ string
	name                 string // the state machine or activity name
	execution            string // for execution ARNs
}

// parseARN parses a Step Functions ARN of one of the resource types want.
func parseARN(s string, want ...string) (arn, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "states" || parts[3] == "" || parts[4] == "" {
		return arn{}, false
	}
	a := arn{region: parts[3], account: parts[4], typ: parts[5], name: parts[6]}
	ok := false
	for _, w := range want {
		ok = ok || w == a.typ
	}
	if !ok || a.name == "" {
		return arn{}, false
	}
	switch a.typ {
	case arnStateMachine, arnActivity:
		if len(parts) != 7 {
			return arn{}, false
		}
	case arnExecution:
		if len(parts) != 8 || parts[7] == "" {
			return arn{}, false
		}
		a.execution = parts[7]
	case arnExpress:
		if len(parts) != 9 {
			return arn{}, false
		}
		a.execution = parts[7]
	}
	return a, true
}

func (s *Service) stateMachineARN(name string) string {
	return "arn:aws:states:" + s.region + ":" + s.account + ":stateMachine:" + name
}

func (s *Service) executionARN(machine, name string) string {
	return "arn:aws:states:" + s.region + ":" + s.account + ":execution:" + machine + ":" + name
}

func (s *Service) activityARN(name string) string {
	return "arn:aws:states:" + s.region + ":" + s.account + ":activity:" + name
}

// checkName answers AWS's error for a bad state machine, execution or
// activity name: a ValidationException (the API's length constraint, checked
// before the operation runs) for one longer than 80 characters, an
// InvalidName for one with a character names may not have.
func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n > 80 {
		return apiErr(errValidation, "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80", name)
	}
	if !validName(name) {
		return apiErr(errInvalidName, "Invalid Name: '%s'", name)
	}
	return nil
}

// validName reports whether a state machine, execution or activity name
// is allowed: 1 to 80 characters, none of them whitespace, brackets,
// wildcards, the specials " # % \ ^ | ~ ` $ & , ; : / or control
// characters.
func validName(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > 80 || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		switch {
		case r <= 0x20, r >= 0x7f && r <= 0x9f:
			return false
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		case r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000:
			return false
		}
	}
	return true
}

// Page tokens are opaque to clients: a kind and a position, signed (see
// pager), so that a client cannot forge one to read from a position of its
// choosing.

// boundKind is a page token kind bound to the request it pages through
// (the resource listed, the order): a token of one execution's history is
// then an InvalidToken for another's, as on AWS.
func boundKind(kind string, request ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(request, "\x00")))
	return kind + "/" + hex.EncodeToString(sum[:8])
}

// anyPos reads a page position as it is.
func anyPos(pos string) (string, bool) { return pos, true }

// intPos reads a page position that is a positive integer.
func intPos(pos string) (int64, bool) {
	n, err := strconv.ParseInt(pos, 10, 64)
	return n, err == nil && n > 0
}

// pageStart reads the maxResults and nextToken of a List call: the page
// size, and the position of kind (read by parse) the page starts after
// (the zero value on the first page). A token pg did not sign for kind is
// an InvalidToken.
func pageStart[T any](pg *pager, maxResults int, nextToken, kind string, parse func(pos string) (T, bool)) (n int, after T, err error) {
	if n, err = pageSize(maxResults); err != nil {
		return 0, after, err
	}
	if nextToken == "" {
		return n, after, nil
	}
	if err := checkTokenLength(nextToken, kind); err != nil {
		return 0, after, err
	}
	pos, ok := pg.open(nextToken, kind)
	if ok {
		after, ok = parse(pos)
	}
	if !ok {
		return 0, after, apiErr(errInvalidToken, "Invalid Token: '%s'", nextToken)
	}
	return n, after, nil
}

// pageEnd cuts items, fetched with a limit of n+1, to at most n and returns
// the token of the next page ("" when this page is the last), signed by pg.
func pageEnd[T any](pg *pager, items []T, n int, kind string, pos func(T) string) ([]T, string) {
	if len(items) <= n {
		return items, ""
	}
	return items[:n], pg.seal(kind, pos(items[n-1]))
}

// pageSize validates maxResults (0: the default 100; at most 1000).
func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return 100, nil
	case n < 0:
		return 0, apiErr(errValidation, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", n)
	case n > 1000:
		return 0, apiErr(errValidation, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", n)
	}
	return n, nil
}
