package intrinsic

import "fmt"

// argKind is the JSON type an intrinsic expects for one argument.
type argKind uint8

const (
	anyKind argKind = iota
	stringKind
	numberKind
	boolKind
	arrayKind  // no literal is an array: a literal here is always wrong
	objectKind // no literal is an object either
)

func (k argKind) String() string {
	switch k {
	case stringKind:
		return "a string"
	case numberKind:
		return "a number"
	case boolKind:
		return "a boolean"
	case arrayKind:
		return "an array (a path or a call, not a literal)"
	case objectKind:
		return "an object (a path or a call, not a literal)"
	}
	return "any value"
}

// argKinds gives, for each intrinsic, the type of each argument position
// that has one (arguments past the list, and anyKind positions, take any
// value). A literal of another type makes the call fail on every input, with
// "Invalid arguments in States.<name>", so it is rejected when the definition
// is validated.
var argKinds = map[string][]argKind{
	"Format":         {stringKind},
	"StringToJson":   {stringKind},
	"ArrayPartition": {arrayKind, numberKind},
	"ArrayContains":  {arrayKind, anyKind},
	"ArrayRange":     {numberKind, numberKind, numberKind},
	"ArrayGetItem":   {arrayKind, numberKind},
	"ArrayLength":    {arrayKind},
	"ArrayUnique":    {arrayKind},
	"Base64Encode":   {stringKind},
	"Base64Decode":   {stringKind},
	"Hash":           {anyKind, stringKind}, // the data may be any value: AWS hashes its text
	"JsonMerge":      {objectKind, objectKind, boolKind},
	"MathRandom":     {numberKind, numberKind, numberKind},
	"MathAdd":        {numberKind, numberKind},
	"StringSplit":    {stringKind, stringKind},
}

// LiteralTypeError reports a literal argument of the wrong type.
type LiteralTypeError struct {
	Func string // with its "States." prefix
	Arg  int    // 1-based
	Want string // what the argument must be
	Got  string // the literal's JSON type
}

// Error names the function, the argument and both types.
func (e *LiteralTypeError) Error() string {
	return fmt.Sprintf("argument %d of %s must be %s, not a %s literal", e.Arg, e.Func, e.Want, e.Got)
}

// CheckLiterals reports the first literal argument, in c or a call nested in
// it, whose type the function cannot accept: States.MathAdd(1, '-1') can
// never succeed. Paths and nested calls are not checked: their values are
// known only at run time.
func (c *Call) CheckLiterals() error { return checkLiterals(c.root) }

func checkLiterals(n *callNode) error {
	kinds := argKinds[n.name]
	for i, a := range n.args {
		switch a := a.(type) {
		case *callNode:
			if err := checkLiterals(a); err != nil {
				return err
			}
		case *literal:
			if i >= len(kinds) || kinds[i] == anyKind {
				continue
			}
			if got := literalKind(a.v); got != kinds[i] {
				return &LiteralTypeError{Func: "States." + n.name, Arg: i + 1, Want: kinds[i].String(), Got: kindName(a.v)}
			}
		}
	}
	return nil
}

func literalKind(v any) argKind {
	switch v.(type) {
	case string:
		return stringKind
	case int64, float64:
		return numberKind
	case bool:
		return boolKind
	}
	return anyKind // null
}

func kindName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
