package service

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// machineRef is a state machine ARN, unqualified or qualified by a version
// number (…:stateMachine:name:3) or an alias name (…:stateMachine:name:live).
type machineRef struct {
	arn     arn
	base    string // the unqualified state machine ARN
	version int64  // > 0 for a version ARN
	alias   string // the alias name of an alias ARN
}

// qualified reports whether the ARN names a version or an alias.
func (m machineRef) qualified() bool { return m.version > 0 || m.alias != "" }

// parseMachineRef parses a state machine ARN, qualified or not.
func parseMachineRef(s string) (machineRef, bool) {
	if a, ok := parseARN(s, arnStateMachine); ok {
		return machineRef{arn: a, base: s}, true
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return machineRef{}, false
	}
	base, q := s[:i], s[i+1:]
	a, ok := parseARN(base, arnStateMachine)
	if !ok || q == "" {
		return machineRef{}, false
	}
	ref := machineRef{arn: a, base: base}
	if q[0] >= '0' && q[0] <= '9' {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n <= 0 {
			return machineRef{}, false
		}
		ref.version = n
		return ref, true
	}
	if !validAliasName(q) {
		return machineRef{}, false
	}
	ref.alias = q
	return ref, true
}

func (s *Service) versionARN(machineArn string, n int64) string {
	return machineArn + ":" + strconv.FormatInt(n, 10)
}

// aliasNamePattern is AWS's pattern for alias names.
var aliasNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// validAliasName reports whether an alias name matches AWS's pattern
// ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$ (at least one character that is
// not a digit) and is at most 80 characters.
func validAliasName(name string) bool {
	return len(name) <= 80 && aliasNamePattern.MatchString(name) && strings.ContainsFunc(name, func(r rune) bool { return r < '0' || r > '9' })
}

// invalidArn is AWS's InvalidArn answer for a string that is not an ARN of
// the wanted kind: a string that does not begin with "arn:" has an invalid
// prefix; an ARN of another resource type is not valid in this context.
func invalidArn(s string, want ...string) *APIError {
	if !strings.HasPrefix(s, "arn:") {
		return apiErr(errInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", s)
	}
	parts := strings.Split(s, ":")
	if len(parts) >= 7 && parts[2] == "states" && len(want) > 0 {
		ok := false
		for _, w := range want {
			ok = ok || w == parts[5]
		}
		if !ok && parts[5] != "" {
			return apiErr(errInvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s'", parts[5])
		}
	}
	return apiErr(errInvalidArn, "Invalid Arn: '%s'", s)
}

// checkTokenLength answers AWS's ValidationException for a nextToken
// longer than its operation allows: 3096 characters for ListExecutions
// (page kind "ex", bound to its state machine: "ex/..."), 1024 for the
// other operations.
func checkTokenLength(tok, kind string) error {
	limit := 1024
	if kind == "ex" || strings.HasPrefix(kind, "ex/") {
		limit = 3096
	}
	if utf8.RuneCountInString(tok) > limit {
		return apiErr(errValidation, "1 validation error detected: Value '%s' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to %d", tok, limit)
	}
	return nil
}
