package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// ErrorKind says how an expression failed.
type ErrorKind int

// The kinds of Error.
const (
	// KindSyntax: the expression does not parse (a validation error).
	KindSyntax ErrorKind = iota + 1
	// KindEvaluation: evaluation threw a jsonata error (Code, Message).
	KindEvaluation
	// KindUndefined: the result, or a part of a template's result, is
	// undefined.
	KindUndefined
	// KindUnsupported: the result is a function.
	KindUnsupported
	// KindUnexpectedType: the result is not of the type the field needs
	// (Expected); see NewTypeError.
	KindUnexpectedType
)

func (k ErrorKind) String() string {
	switch k {
	case KindSyntax:
		return "syntax error"
	case KindEvaluation:
		return "evaluation error"
	case KindUndefined:
		return "undefined result"
	case KindUnsupported:
		return "unsupported result type"
	case KindUnexpectedType:
		return "unexpected result type"
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a failed compilation or evaluation of one expression.
type Error struct {
	Kind ErrorKind
	// Expr is the expression text (inside "{% %}", without the spaces
	// around it) as AWS quotes it.
	Expr string
	// Path is where the expression sits inside its field, from a Template:
	// "" for the field itself, else member names joined by "/" and array
	// indexes in brackets (e.g. "result", "list[0]" or "[1]/a").
	Path string
	// Code and Message are jsonata-js's error code and text (KindSyntax,
	// KindEvaluation), e.g. "T1006" and "Attempted to invoke a non-function".
	Code    string
	Message string
	// Token and Position locate a syntax error where known (Position is -1
	// when not).
	Token    string
	Position int
	// Expected and Value are a KindUnexpectedType error's expected type
	// name and the result.
	Expected string
	Value    any
}

// NewTypeError is the error of an expression whose result is not of the
// type its field needs, e.g. Items that is not an array: expected is AWS's
// type name ("array") and v the result (a value).
func NewTypeError(expr, path, expected string, v any) *Error {
	return &Error{Kind: KindUnexpectedType, Expr: expr, Path: path, Expected: expected, Value: v}
}

// Error returns the cause text with the field unnamed.
func (e *Error) Error() string {
	if e.Kind == KindSyntax {
		if e.Code == "" {
			return e.Message
		}
		return e.Code + ": " + e.Message
	}
	return e.Cause("")
}

// Field joins a field name with the error's path as AWS names the field in
// a cause: "Output" with path "result" is "Output/result".
func (e *Error) Field(field string) string {
	switch {
	case e.Path == "":
		return field
	case field == "" || e.Path[0] == '[':
		return field + e.Path
	}
	return field + "/" + e.Path
}

// Cause renders AWS's text for the error in the given field (e.g.
// "Arguments", "Output", "Assign", "Items"), the part of a
// States.QueryEvaluationError cause after "An error occurred while
// executing the state 'S' (entered at the event id #N). ".
func (e *Error) Cause(field string) string {
	head := "The JSONata expression '" + e.Expr + "' specified for the field '" + e.Field(field) + "'"
	switch e.Kind {
	case KindUndefined:
		return head + " returned nothing (undefined)."
	case KindUnsupported:
		return head + " returned an unsupported result type."
	case KindUnexpectedType:
		return head + " returned an unexpected result type. Expected '" + e.Expected + "', but was '" + typeName(e.Value) + "' for value: " + encodeValue(e.Value)
	case KindSyntax:
		return head + " is invalid. " + e.Error()
	}
	if e.Code == "" {
		return head + " threw an error during evaluation. " + e.Message
	}
	return head + " threw an error during evaluation. " + e.Code + ": " + e.Message
}

// renderMessage fills jsonata-js's template for code with fields, as
// jsonata-js's populateMessage does; "" when the code has no template.
func renderMessage(code string, fields map[string]any) string {
	tmpl, ok := messages[code]
	if !ok {
		return ""
	}
	out := tripleBraces.ReplaceAllStringFunc(tmpl, func(m string) string {
		return jsText(fields[m[3:len(m)-3]])
	})
	return doubleBraces.ReplaceAllStringFunc(out, func(m string) string {
		return jsJSON(fields[m[2:len(m)-2]])
	})
}

var (
	tripleBraces = regexp.MustCompile(`\{\{\{[^}]+}}}`)
	doubleBraces = regexp.MustCompile(`\{\{[^}]+}}`)
)

// jsText is String(v) in JavaScript, for the fields a template inserts as
// they are.
func jsText(v any) string {
	switch x := v.(type) {
	case nil:
		return "undefined"
	case string:
		return x
	case float64:
		return jsNumber(x)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// jsJSON is JSON.stringify(v) as a template inserts it ("undefined" for
// an absent field).
func jsJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "undefined"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return jsNumber(x)
	case int:
		return strconv.Itoa(x)
	}
	if g, err := fromGnata(v); err == nil {
		return encodeValue(g)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "undefined"
	}
	return string(b)
}

// jsNumber prints a number as JavaScript's Number#toString does.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// funcError is an evaluation error raised by one of the adapter's
// functions.
func funcError(code, token string, fields map[string]any) *Error {
	if fields == nil {
		fields = map[string]any{}
	}
	if token != "" {
		fields["token"] = token
	}
	return &Error{Kind: KindEvaluation, Code: code, Token: token, Message: renderMessage(code, fields)}
}

// signatureError is T0410 for argument index (1-based) of function name.
func signatureError(name string, index int) *Error {
	return funcError("T0410", name, map[string]any{"index": index})
}

// syntaxError turns a gnata parse error ("JSONata error S0201 at token
// \"x\": ...") into a KindSyntax Error.
func syntaxError(expr string, err error) *Error {
	e := &Error{Kind: KindSyntax, Expr: expr, Position: -1}
	m := parseErrorText.FindStringSubmatch(err.Error())
	if m == nil {
		e.Code, e.Message = "S0201", err.Error()
		return e
	}
	e.Code = m[1]
	if m[2] != "" {
		if tok, uerr := strconv.Unquote(m[2]); uerr == nil {
			e.Token = tok
		}
	}
	e.Code, e.Message = syntaxMessage(expr, e.Code, e.Token, m[3])
	return e
}

var parseErrorText = regexp.MustCompile(`^JSONata error ([A-Z][0-9]{4})(?: at token ("(?:[^"\\]|\\.)*"))?: (.*)$`)

// syntaxMessage renders the jsonata-js text of a parse error from what
// gnata reports: the code, the token, and its own description.
func syntaxMessage(expr, code, token, detail string) (string, string) {
	fields := map[string]any{"token": token}
	atEnd := token == "EOF" || token == ""
	if atEnd {
		fields["token"] = "(end)"
	}
	if m := tokenTypesText.FindStringSubmatch(detail); m != nil {
		// gnata's "expected token 18, got 4 (\"1\")": the token types.
		want, _ := strconv.Atoi(m[1])
		got, _ := strconv.Atoi(m[2])
		if want >= 0 && want < len(tokenSymbols) && tokenSymbols[want] != "" {
			fields["value"] = tokenSymbols[want]
		}
		if got == tokenNumber {
			if f, err := strconv.ParseFloat(token, 64); err == nil {
				fields["token"] = f
			}
		}
	}
	switch code {
	case "S0201", "S0202", "S0203", "S0204", "S0207":
		if atEnd {
			// jsonata-js: at the end of the text, a bracket still open is
			// S0203 (its closing token expected), else an operand is
			// missing: S0207.
			if want := expectedAtEnd(expr); want != "" {
				code = "S0203"
				fields["value"] = want
			} else {
				code = "S0207"
			}
		}
	}
	switch code {
	case "S0202":
		if _, ok := fields["value"]; !ok {
			if m := expectedText.FindStringSubmatch(detail); m != nil {
				fields["value"] = m[1]
			}
		}
		if _, ok := fields["value"]; !ok {
			// The construct being closed says which token was expected.
			for construct, closing := range closers {
				if strings.Contains(detail, construct) {
					fields["value"] = closing
				}
			}
		}
	case "S0214":
		if m := atHashText.FindStringSubmatch(detail); m != nil {
			fields["token"] = m[1]
		}
	case "S0102":
		fields["token"] = strings.TrimPrefix(detail, "invalid number literal: ")
	case "S0103":
		fields["token"] = strings.TrimPrefix(detail, "invalid escape sequence: \\")
	}
	if msg := renderMessage(code, fields); msg != "" {
		return code, msg
	}
	return code, detail
}

var tokenTypesText = regexp.MustCompile(`^expected token (\d+), got (\d+)`)

// tokenSymbols are the symbols of gnata v0.2.2's punctuation token types,
// by number (internal/lexer/token.go), and tokenNumber its number type.
var tokenSymbols = [...]string{7: ".", 8: "[", 9: "]", 10: "{", 11: "}", 12: "(", 13: ")", 14: ",", 15: "@", 16: "#", 17: ";", 18: ":"}

const tokenNumber = 4

// expectedAtEnd is the token jsonata-js expects when expr ends inside
// brackets: the closer of the innermost one still open, or ":" when an
// object constructor awaits the colon after a key; "" when all are closed.
func expectedAtEnd(expr string) string {
	type frame struct {
		closer    byte
		needColon bool
	}
	var stack []frame
	for i := 0; i < len(expr); i++ {
		if end, ok := skipOpaque(expr, i); ok {
			i = end
			continue
		}
		switch c := expr[i]; c {
		case '(':
			stack = append(stack, frame{closer: ')'})
		case '[':
			stack = append(stack, frame{closer: ']'})
		case '{':
			stack = append(stack, frame{closer: '}', needColon: true})
		case ')', ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ':', ',':
			if n := len(stack); n > 0 && stack[n-1].closer == '}' && !(c == ':' && i+1 < len(expr) && expr[i+1] == '=') {
				stack[n-1].needColon = c == ','
			}
		}
	}
	if len(stack) == 0 {
		return ""
	}
	top := stack[len(stack)-1]
	if top.needColon {
		return ":"
	}
	return string(top.closer)
}

// closers are the tokens that close the constructs gnata's S0202
// descriptions name.
var closers = map[string]string{
	"array constructor": "]",
	"object":            "}",
	"argument list":     ")",
	"parameter list":    ")",
	"sort expression":   ")",
}

var atHashText = regexp.MustCompile(`the ([@#]) operator`)

// expectedText finds the token gnata's description says was expected
// ("expected ) before end", "expected , or ] in array constructor").
var expectedText = regexp.MustCompile(`^expected (?:, or )?([^ ]+)`)

// evaluationError turns an evaluation failure into a KindEvaluation Error
// with jsonata-js's code and text.
func evaluationError(err error) *Error {
	var own *Error
	if errors.As(err, &own) {
		c := *own
		return &c
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindEvaluation, Code: "U1001", Message: err.Error()}
	}
	code, token, val, msg, ok := gnataError(err)
	if !ok {
		return &Error{Kind: KindEvaluation, Message: err.Error()}
	}
	code, fields := jsFields(code, token, val, msg)
	e := &Error{Kind: KindEvaluation, Code: code, Token: token, Message: renderMessage(code, fields)}
	if e.Message == "" {
		e.Message = msg
	}
	return e
}

// gnataError reads the fields of gnata's error type (internal to gnata, so
// read by name).
func gnataError(err error) (code, token string, val any, msg string, ok bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		rv := reflect.ValueOf(e)
		if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || rv.Elem().Type().Name() != "JSONataError" {
			continue
		}
		st := rv.Elem()
		code, _ = st.FieldByName("Code").Interface().(string)
		token, _ = st.FieldByName("Token").Interface().(string)
		val = st.FieldByName("Value").Interface()
		msg, _ = st.FieldByName("Message").Interface().(string)
		return code, token, val, msg, true
	}
	return "", "", nil, "", false
}

var (
	fnNameText   = regexp.MustCompile(`^\$([A-Za-z0-9_]+)`)
	argIndexText = regexp.MustCompile(`argument (\d+)`)
	opText       = regexp.MustCompile(`the "(.+?)" operator`)
	atLeastText  = regexp.MustCompile(`at least (\d+) argument`)
	quotedText   = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	singleQuoted = regexp.MustCompile(`'([^']*)'`)
	bracketed    = regexp.MustCompile(`\[([^\]])`)
)

// jsFields maps one of gnata's errors to jsonata-js's code and the fields
// its template needs, recovering from gnata's description what its error
// does not carry (the function name, argument index, operator).
func jsFields(code, token string, val any, msg string) (string, map[string]any) {
	fields := map[string]any{}
	if token != "" {
		fields["token"] = token
	}
	if val != nil {
		fields["value"] = val
	}
	name := ""
	if m := fnNameText.FindStringSubmatch(msg); m != nil {
		name = m[1]
	}
	switch code {
	case "D3006":
		// gnata's "requires at least N arguments" is jsonata-js's signature
		// mismatch at the first missing argument.
		code = "T0410"
		if name != "" {
			fields["token"] = name
		}
		fields["index"] = 1
		if m := atLeastText.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			fields["index"] = n
		}
	case "T0410", "T0411", "T0412":
		if name != "" {
			fields["token"] = name
		}
		fields["index"] = argumentIndex(name, msg)
		if code == "T0412" {
			fields["type"] = arrayType(name, msg)
		}
	case "T2001", "T2002":
		// jsonata-js: T2001 is the left operand, T2002 the right one.
		if strings.Contains(msg, "right operand") {
			code = "T2002"
		} else {
			code = "T2001"
		}
		if m := opText.FindStringSubmatch(msg); m != nil {
			fields["token"], _ = strconv.Unquote(`"` + m[1] + `"`)
		}
	case "T2009", "T2010":
		if m := opText.FindStringSubmatch(msg); m != nil {
			fields["token"], _ = strconv.Unquote(`"` + m[1] + `"`)
		}
	case "T1005", "T1007":
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			fields["token"] = msg[i+2:]
		}
	case "D3137", "D3141":
		fields["message"] = msg
		if val == nil && msg == "" {
			fields["message"] = "$error() function evaluated"
		}
	case "S0213":
		if token != "" {
			if f, err := strconv.ParseFloat(token, 64); err == nil {
				fields["value"] = f
			} else {
				fields["value"] = token
			}
		}
	case "D1001":
		if _, ok := fields["value"]; !ok {
			// jsonata-js: JSON.stringify of a non-finite number.
			fields["value"] = math.Inf(1)
		}
	case "T1010":
		if name != "" {
			fields["token"] = name
		}
	case "D3140":
		fields["functionName"] = name
	case "D3110":
		if m := singleQuoted.FindStringSubmatch(msg); m != nil {
			fields["value"] = m[1]
		}
	case "D3132":
		if m := singleQuoted.FindStringSubmatch(msg); m != nil {
			fields["value"] = m[1]
		}
	case "D3133":
		if m := bracketed.FindStringSubmatch(msg); m != nil {
			fields["value"] = m[1]
		}
	case "D1009":
		if m := quotedText.FindStringSubmatch(msg); m != nil {
			fields["value"], _ = strconv.Unquote(`"` + m[1] + `"`)
		}
	case "D3030":
		if m := quotedText.FindStringSubmatch(msg); m != nil && val == nil {
			fields["value"], _ = strconv.Unquote(`"` + m[1] + `"`)
		}
	}
	return code, fields
}

// argumentIndex is the (1-based) argument a signature error of function
// name is about, from gnata's description of it.
func argumentIndex(name, msg string) int {
	if m := argIndexText.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	switch {
	case strings.Contains(msg, "second argument"):
		return 2
	case strings.Contains(msg, "too many") || strings.Contains(msg, "at most") || strings.Contains(msg, "expects") || strings.Contains(msg, "exactly"):
		// The first argument past the signature's last.
		if n, ok := maxArgs[name]; ok {
			return n + 1
		}
	}
	return 1
}

// arrayType is the element type name of a T0412 error ("numbers").
func arrayType(name, msg string) string {
	if m := arrayOfText.FindStringSubmatch(msg); m != nil {
		return typeLetter(m[1])
	}
	switch name {
	case "sum", "max", "min", "average":
		return "numbers"
	case "join":
		return "strings"
	case "merge":
		return "objects"
	}
	if strings.Contains(msg, "not a number") {
		return "numbers"
	}
	return ""
}

var arrayOfText = regexp.MustCompile(`array of ([a-z]+)`)

// maxArgs is the number of parameters of jsonata-js 2.0.6's functions, from
// their signatures (src/jsonata.js, the staticFrame bindings).
var maxArgs = map[string]int{
	"sum": 1, "count": 1, "max": 1, "min": 1, "average": 1, "string": 2, "substring": 3, "substringBefore": 2,
	"substringAfter": 2, "lowercase": 1, "uppercase": 1, "length": 1, "trim": 1, "pad": 3, "match": 3,
	"contains": 2, "replace": 4, "split": 3, "join": 2, "formatNumber": 3, "formatBase": 2, "formatInteger": 2,
	"parseInteger": 2, "number": 1, "floor": 1, "ceil": 1, "round": 2, "abs": 1, "sqrt": 1, "power": 2,
	"random": 0, "boolean": 1, "not": 1, "map": 2, "filter": 2, "single": 2, "reduce": 3, "sift": 2, "keys": 1,
	"lookup": 2, "append": 2, "exists": 1, "spread": 1, "merge": 1, "reverse": 1, "each": 2, "error": 1,
	"assert": 2, "type": 1, "sort": 2, "shuffle": 1, "distinct": 1, "encodeUrlComponent": 1, "encodeUrl": 1,
	"decodeUrlComponent": 1, "decodeUrl": 1, "eval": 2, "toMillis": 2, "fromMillis": 3, "clone": 1,
}

// typeLetter names a signature type letter as jsonata-js's T0412 does.
func typeLetter(s string) string {
	switch s {
	case "n":
		return "numbers"
	case "s":
		return "strings"
	case "b":
		return "booleans"
	case "o":
		return "objects"
	case "a":
		return "arrays"
	case "f":
		return "functions"
	}
	return s
}

// typeName is AWS's name for the JSON type of a value.
func typeName(v any) string { return value.TypeName(v) }

// encodeValue is the compact JSON text of a value.
func encodeValue(v any) string { return string(value.Encode(v)) }
