package asl

import "strings"

// lambdaARNProblem checks a Task Resource that is a Lambda function ARN,
// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], against
// Lambda's documented FunctionName pattern (the Invoke API's
// NamespacedFunctionName: NAME is [a-zA-Z0-9-_.]+ and the optional
// QUALIFIER, a version or an alias, is $LATEST or [a-zA-Z0-9-_]+; at most
// 170 characters in all). It returns what is wrong, or "" when r is well
// formed or is not a Lambda function ARN. The region and account are not
// checked here.
func lambdaARNProblem(r string) string {
	parts := strings.Split(r, ":")
	if len(parts) < 6 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return ""
	}
	switch {
	case len(r) > 170:
		return "a Lambda function ARN has at most 170 characters"
	case len(parts) == 6 || parts[6] == "":
		return "the function name is missing"
	case len(parts) > 8:
		return "too many ':'-separated parts after the function name"
	case !lambdaChars(parts[6], true):
		return "the function name may contain only letters, digits, '-', '_' and '.'"
	case len(parts) == 8 && parts[7] == "":
		return "the version or alias after the last ':' is empty"
	case len(parts) == 8 && parts[7] != "$LATEST" && !lambdaChars(parts[7], false):
		return "the version or alias may contain only letters, digits, '-' and '_' (or be $LATEST)"
	}
	return ""
}

// lambdaChars reports whether s is made only of letters, digits, '-' and
// '_', and '.' when dot is set.
func lambdaChars(s string, dot bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || dot && c == '.' {
			continue
		}
		return false
	}
	return true
}
