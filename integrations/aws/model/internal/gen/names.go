package main

import "strings"

// javaClientName derives the AWS SDK for Java 2.x client name from a
// model's sdkId, as that SDK does: the words of the sdkId (split at spaces,
// hyphens and case changes), each capitalised with the rest in lower case:
// "DynamoDB" is DynamoDb, "Secrets Manager" SecretsManager, "SFN" Sfn.
func javaClientName(sdkID string) string {
	var b strings.Builder
	for _, field := range strings.FieldsFunc(sdkID, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
		for _, w := range splitWords(field) {
			b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
		}
	}
	return b.String()
}

// splitWords splits a CamelCase word: "DynamoDB" is Dynamo, DB;
// "ApiGatewayV2" Api, Gateway, V2; "EC2" EC2.
func splitWords(s string) []string {
	var out []string
	rs := []rune(s)
	start := 0
	isUp := func(r rune) bool { return r >= 'A' && r <= 'Z' }
	isLow := func(r rune) bool { return r >= 'a' && r <= 'z' }
	for i := 1; i < len(rs); i++ {
		// a lower-case letter followed by an upper-case one starts a word;
		// so does the last upper-case letter of a run followed by a lower one.
		if isLow(rs[i-1]) && isUp(rs[i]) || isUp(rs[i-1]) && isUp(rs[i]) && i+1 < len(rs) && isLow(rs[i+1]) {
			out = append(out, string(rs[start:i]))
			start = i
		}
		if (rs[i-1] >= '0' && rs[i-1] <= '9') && isUp(rs[i]) {
			out = append(out, string(rs[start:i]))
			start = i
		}
	}
	return append(out, string(rs[start:]))
}
