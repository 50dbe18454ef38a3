package asl

import (
	"strings"
	"testing"
)

// TestLambdaARNProblem checks Task Resources that are Lambda function ARNs
// against Lambda's FunctionName pattern.
func TestLambdaARNProblem(t *testing.T) {
	const base = "arn:aws:lambda:us-east-1:123456789012:function:"
	for _, c := range []struct {
		r   string
		bad bool
	}{
		{base + "my-function", false},
		{base + "my.function_2", false},
		{base + "f:$LATEST", false},
		{base + "f:7", false},
		{base + "f:live-alias_1", false},
		{"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:prod", false},
		{"arn:aws:states:::lambda:invoke", false},                // not a function ARN
		{"arn:aws:states:us-east-1:1:activity:a", false},         // not Lambda
		{"arn:aws:lambda:us-east-1:123456789012:layer:l", false}, // not a function
		{base, true},                            // no name
		{base + "f:", true},                     // empty qualifier (asl-validator's MissingAlias)
		{base + "FUNCTION_NAME:$*#$7485", true}, // asl-validator's InvalidAlias
		{base + "f:a:b", true},                  // too many parts
		{base + "f g", true},                    // space in the name
		{base + "f:v.1", true},                  // '.' is not allowed in a qualifier
		{base + "f:$LATEST2", true},             // '$' only in $LATEST
		{base + strings.Repeat("a", 130), true}, // over 170 characters
	} {
		got := lambdaARNProblem(c.r)
		if (got != "") != c.bad {
			t.Errorf("lambdaARNProblem(%q) = %q, want bad=%v", c.r, got, c.bad)
		}
	}
}
