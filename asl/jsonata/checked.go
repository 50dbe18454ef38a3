package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/recolabs/gnata"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// gnata's versions of these functions report errors without the details
// jsonata-js's texts need (the function name, the offending number), or
// differ from jsonata-js ($string, $number, $uppercase, $lowercase); the
// adapter checks or adjusts their arguments and leaves the rest to gnata.
var (
	awsSqrt      = lib.builtin(fnSqrt)
	awsString    = lib.builtin(fnString)
	awsNumber    = lib.builtin(fnNumber)
	awsDistinct  = lib.builtin(fnDistinct)
	awsMatch     = lib.mapResult("match", matchObjects)
	awsToMillis  = lib.builtin(fnToMillis)
	awsClone     = lib.builtin(fnClone)
	awsUppercase = lib.withSignature("uppercase", func(args []any, focus any) (any, error) {
		return caseMap(args, focus, cases.Upper(language.Und))
	})
	awsLowercase = lib.withSignature("lowercase", func(args []any, focus any) (any, error) {
		return caseMap(args, focus, cases.Lower(language.Und))
	})
	awsPower      = lib.builtin(fnPower)
	awsFormatBase = lib.builtin(fnFormatBase)
)

func fnSqrt(args []any, focus any) (any, error) {
	if len(args) == 1 {
		if n, ok := args[0].(float64); ok && n < 0 {
			return nil, funcError("D3060", "", map[string]any{"value": n})
		}
	}
	return lib.sqrt(args, focus)
}

func fnPower(args []any, focus any) (any, error) {
	if len(args) == 2 {
		base, ok1 := args[0].(float64)
		exp, ok2 := args[1].(float64)
		if r := math.Pow(base, exp); ok1 && ok2 && (math.IsNaN(r) || math.IsInf(r, 0)) {
			return nil, funcError("D3061", "", map[string]any{"value": base, "exp": exp})
		}
	}
	return lib.power(args, focus)
}

func fnFormatBase(args []any, focus any) (any, error) {
	if len(args) == 2 {
		if r, ok := args[1].(float64); ok && (r < 2 || r > 36) {
			return nil, funcError("D3100", "", map[string]any{"value": r})
		}
	}
	return lib.formatBase(args, focus)
}

// caseMap is $uppercase/$lowercase with JavaScript's full Unicode case
// mapping ("straße" is "STRASSE"), where gnata maps rune by rune. The
// signature check has already run.
func caseMap(args []any, focus any, c cases.Caser) (any, error) {
	v := focus
	if len(args) > 0 {
		v = args[0]
	}
	s, ok := v.(string)
	if !ok {
		return nil, nil
	}
	return c.String(s), nil
}

// fnString is jsonata-js's $string: a number to 15 significant digits
// (Number(n.toPrecision(15)), so -0 is "0"), and objects and arrays as
// JSON.stringify writes them with that rule (see stringify). gnata prints
// numbers in full (123456789012345680 where jsonata-js has
// 123456789012346000). Strings, functions, errors and arity are gnata's.
func fnString(args []any, focus any) (any, error) {
	if len(args) == 0 || (len(args) == 2 && args[1] != nil && !isBool(args[1])) || len(args) > 2 {
		return lib.str(args, focus)
	}
	pretty := len(args) == 2 && args[1] == true
	switch x := args[0].(type) {
	case nil, string:
		return lib.str(args, focus)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return lib.str(args, focus)
		}
		return num15(x), nil
	}
	if isFunctionValue(args[0]) {
		return lib.str(args, focus)
	}
	return stringify(args[0], pretty)
}

// jsonata-js's $number accepts these strings (its regular expressions,
// the second one's alternation unanchored as written there).
var (
	decimalText = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`)
	radixText   = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$`)
)

// fnNumber is $number as jsonata-js casts strings: a decimal or 0x/0o/0b
// literal and nothing else (gnata also accepts spaces around the digits).
func fnNumber(args []any, focus any) (any, error) {
	if len(args) == 1 {
		if s, ok := args[0].(string); ok {
			switch {
			case decimalText.MatchString(s):
				if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
					return f, nil
				}
			case radixText.MatchString(s):
				if n, err := strconv.ParseInt(s, 0, 64); err == nil {
					return float64(n), nil
				}
			}
			return nil, funcError("D3030", "", map[string]any{"value": s})
		}
	}
	return lib.number(args, focus)
}

func isBool(v any) bool {
	_, ok := v.(bool)
	return ok
}

// fnDistinct is jsonata-js's $distinct: an array (not a sequence) stays an
// array however few values remain ($distinct([1, 1]) is [1]; gnata unwraps
// it to 1).
func fnDistinct(args []any, focus any) (any, error) {
	if len(args) == 1 {
		if arr, ok := args[0].([]any); ok && len(arr) > 1 {
			out := make([]any, 0, len(arr))
			for _, v := range arr {
				seen := false
				for _, w := range out {
					if gnata.DeepEqual(v, w) {
						seen = true
						break
					}
				}
				if !seen {
					out = append(out, v)
				}
			}
			return out, nil
		}
	}
	return lib.distinct(args, focus)
}

// matchObjects gives $match's results jsonata-js's shape, {match, index,
// groups} in that order: gnata's are {match, start, end, groups}.
func matchObjects(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = matchObjects(e)
		}
		return out
	case map[string]any:
		start, ok := x["start"]
		if !ok {
			return v
		}
		o := lib.newObject()
		s := o.(objectSetter)
		s.Set("match", x["match"])
		s.Set("index", start)
		s.Set("groups", x["groups"])
		return o
	}
	if vals, ok := sequenceSlice(v); ok {
		// A sequence just made by $match: its values are replaced in place.
		for i, e := range vals {
			vals[i] = matchObjects(e)
		}
	}
	return v
}

var yearMonthText = regexp.MustCompile(`^(\d{4})-([01]\d)$`)

// fnToMillis is $toMillis with jsonata-js's "YYYY-MM" (the first of that
// month, UTC), which gnata refuses.
func fnToMillis(args []any, focus any) (any, error) {
	if len(args) == 1 {
		if s, ok := args[0].(string); ok {
			if m := yearMonthText.FindStringSubmatch(s); m != nil {
				y, _ := strconv.Atoi(m[1])
				mo, _ := strconv.Atoi(m[2])
				if mo >= 1 && mo <= 12 {
					return float64(time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).UnixMilli()), nil
				}
			}
		}
	}
	return lib.toMillis(args, focus)
}

// fnClone is jsonata-js's $clone(value): a deep copy (gnata has none).
func fnClone(args []any, _ any) (any, error) {
	if len(args) != 1 {
		return nil, signatureError("clone", min(len(args)+1, 2))
	}
	if args[0] == nil {
		return nil, nil
	}
	v, err := fromGnata(args[0])
	if err != nil {
		return nil, signatureError("clone", 1)
	}
	return toGnata(v), nil
}
