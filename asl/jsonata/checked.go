package jsonata

import "math"

// gnata's versions of these functions report errors without the details
// jsonata-js's texts need (the function name, the offending number); the
// adapter checks their arguments first and leaves the work to gnata.
var (
	awsSqrt       = lib.builtin(fnSqrt)
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
