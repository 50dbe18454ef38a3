package diagram

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
)

// maxSummary is the longest condition summary on a Choice edge, in runes:
// whole conditions are shown, wrapped at summaryWidth, unless one is
// longer than this.
const maxSummary = 300

// summaryWidth is the width at which a condition summary wraps, in runes.
const summaryWidth = 36

// ShortResource returns the short name of a Task's resource for a label:
// "lambda:invoke" for arn:aws:states:::lambda:invoke, "s3:getObject" for
// an aws-sdk integration, "lambda:NAME" for a Lambda function ARN,
// "activity:NAME" for an activity ARN, and the resource itself otherwise.
func ShortResource(res string) string {
	parts := strings.Split(res, ":")
	if len(parts) < 6 || parts[0] != "arn" {
		return res
	}
	service, rest := parts[2], parts[5:]
	switch {
	case service == "states" && parts[3] == "" && parts[4] == "":
		// arn:aws:states:::SERVICE:ACTION[.sync]
		if len(rest) > 1 && rest[0] == "aws-sdk" {
			rest = rest[1:]
		}
		return strings.Join(rest, ":")
	case service == "states" && rest[0] == "activity" && len(rest) > 1:
		return "activity:" + strings.Join(rest[1:], ":")
	case service == "lambda" && rest[0] == "function" && len(rest) > 1:
		return "lambda:" + strings.Join(rest[1:], ":")
	}
	return res
}

// ruleSummary is a short text for Choice rule i of the state at loc: the
// JSONPath rule or JSONata condition from the raw definition, shortened.
func ruleSummary(sm *asl.StateMachine, loc string, i int, r asl.ChoiceRule) string {
	var s string
	if r.Condition != nil {
		s = conditionText(r.Condition)
	} else if raw, ok := lookup(sm.Raw, loc+"/Choices/"+strconv.Itoa(i)).(*value.Object); ok {
		s = ruleText(raw, 0)
	}
	return wrap(truncate(strings.Join(strings.Fields(s), " "), maxSummary), summaryWidth)
}

// wrap breaks s into lines of at most width runes at spaces (a word longer
// than width gets a line of its own).
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Split(s, " ") {
		wn := utf8.RuneCountInString(w)
		switch {
		case i == 0:
		case n+1+wn > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += wn
	}
	return b.String()
}

// conditionText renders a JSONata Condition without its {% %} delimiters.
func conditionText(c any) string {
	if s, ok := c.(string); ok {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") && len(s) >= 4 {
			s = strings.TrimSpace(s[2 : len(s)-2])
		}
		return s
	}
	return value.EncodeString(c)
}

// comparisonSymbol returns the symbol of a comparison operator.
func comparisonSymbol(op string) (string, bool) {
	switch {
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return ">=", true
	case strings.HasSuffix(op, "LessThanEquals"):
		return "<=", true
	case strings.HasSuffix(op, "GreaterThan"):
		return ">", true
	case strings.HasSuffix(op, "LessThan"):
		return "<", true
	case strings.HasSuffix(op, "Equals"):
		return "==", true
	case op == "StringMatches":
		return "matches", true
	}
	return "", false
}

// ruleText renders a JSONPath-mode choice rule as a short expression.
func ruleText(o *value.Object, depth int) string {
	if depth > 8 {
		return "…"
	}
	if v, ok := o.Get("Not"); ok {
		if c, ok := v.(*value.Object); ok {
			return "!(" + ruleText(c, depth+1) + ")"
		}
	}
	for _, op := range []string{"And", "Or"} {
		v, ok := o.Get(op)
		if !ok {
			continue
		}
		list, _ := v.([]any)
		var parts []string
		for _, c := range list {
			if co, ok := c.(*value.Object); ok {
				t := ruleText(co, depth+1)
				if co.Has("And") || co.Has("Or") {
					t = "(" + t + ")"
				}
				parts = append(parts, t)
			}
		}
		sep := " && "
		if op == "Or" {
			sep = " || "
		}
		return strings.Join(parts, sep)
	}
	variable, _ := o.Get("Variable")
	vs, _ := variable.(string)
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		switch k {
		case "Variable", "Next", "Comment", "Assign", "Output":
			continue
		}
		if strings.HasPrefix(k, "Is") {
			word := strings.ToLower(strings.TrimPrefix(k, "Is"))
			if v == false {
				return vs + " is not " + word
			}
			return vs + " is " + word
		}
		operand := value.EncodeString(v)
		if base, ok := strings.CutSuffix(k, "Path"); ok {
			k = base
			if s, ok := v.(string); ok {
				operand = s
			}
		}
		if sym, ok := comparisonSymbol(k); ok {
			return vs + " " + sym + " " + operand
		}
		return vs + " " + k + " " + operand
	}
	return vs
}

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// lookup resolves a JSON pointer (RFC 6901) in a value; nil if absent.
func lookup(v any, pointer string) any {
	if pointer == "" {
		return v
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil
	}
	for _, seg := range strings.Split(pointer[1:], "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case *value.Object:
			var ok bool
			if v, ok = x.Get(seg); !ok {
				return nil
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
