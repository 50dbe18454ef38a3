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
	// "" for the field itself, else member names and array indexes joined
	// by "/" (e.g. "result" or "list/0").
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
	case field == "":
		return e.Path
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
		return head + " is invalid. " + e.Code + ": " + e.Message
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
	e.Code, e.Message = syntaxMessage(e.Code, e.Token, m[3])
	return e
}

var parseErrorText = regexp.MustCompile(`^JSONata error ([A-Z][0-9]{4})(?: at token ("(?:[^"\\]|\\.)*"))?: (.*)$`)

// syntaxMessage renders the jsonata-js text of a parse error from what
// gnata reports: the code, the token, and its own description.
func syntaxMessage(code, token, detail string) (string, string) {
	fields := map[string]any{"token": token}
	atEnd := token == "EOF" || token == ""
	if atEnd {
		fields["token"] = "(end)"
	}
	switch {
	case code == "S0201" && atEnd:
		// jsonata-js: an operand missing at the end is S0207.
		code = "S0207"
	case (code == "S0202" || code == "S0204") && atEnd:
		// jsonata-js: a closing token missing at the end is S0203.
		if m := expectedText.FindStringSubmatch(detail); m != nil {
			code = "S0203"
		}
	}
	switch code {
	case "S0202", "S0203":
		// "expected X ..." in gnata's description is jsonata-js's value.
		if m := expectedTokenText.FindStringSubmatch(detail); m != nil {
			if sym, ok := tokenSymbols[m[1]]; ok {
				fields["value"] = sym
			}
		} else if m := expectedText.FindStringSubmatch(detail); m != nil {
			fields["value"] = m[1]
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

// expectedTokenText finds the token type gnata's parser names when it
// expected one token and met another ("expected token 9, got 14 (",")").
var expectedTokenText = regexp.MustCompile(`^expected token ([0-9]+),`)

// tokenSymbols are the symbols of the gnata token types its parser may
// expect, by number (gnata's lexer.TokenType order, v0.2.2).
var tokenSymbols = map[string]string{
	"7": ".", "8": "[", "9": "]", "10": "{", "11": "}", "12": "(", "13": ")",
	"14": ",", "17": ";", "18": ":", "19": "?",
}

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
		fields["index"] = 1
		if m := argIndexText.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			fields["index"] = n
		} else if strings.Contains(msg, "second argument") {
			fields["index"] = 2
		}
		if code == "T0412" {
			if m := regexp.MustCompile(`array of ([a-z]+)`).FindStringSubmatch(msg); m != nil {
				fields["type"] = typeLetter(m[1])
			}
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
