package jsonata

import (
	"math"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// gnata's versions of these functions report errors without the details
// jsonata-js's texts need (the function name, the offending number); the
// adapter checks their arguments first and leaves the work to gnata.
var (
	awsSqrt      = lib.builtin(fnSqrt)
	awsString    = lib.builtin(fnString)
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

// fnString is $string with -0 printed as JavaScript prints it ("0").
func fnString(args []any, focus any) (any, error) {
	if len(args) > 0 {
		if f, ok := args[0].(float64); ok && f == 0 && math.Signbit(f) {
			args = append([]any{0.0}, args[1:]...)
		}
	}
	return lib.str(args, focus)
}
