package choice

import "strings"

// family is the kind of data an operator compares.
type family uint8

const (
	famString family = iota + 1
	famNumeric
	famBoolean
	famTimestamp
	famMatches
	famIs
)

// cmp is the relation a comparison operator tests, or for the Is... family
// the type it tests.
type cmp uint8

const (
	cmpEq cmp = iota + 1
	cmpLt
	cmpGt
	cmpLe
	cmpGe

	isNull
	isPresent
	isNumeric
	isString
	isBoolean
	isTimestamp
)

// opInfo describes a comparison operator field of a choice rule.
type opInfo struct {
	fam  family
	cmp  cmp
	path bool // the ...Path variant: the operand is a path to the value
}

// lookupOp returns the operator a choice rule field names. The table is a
// switch, not a map, so the package holds no global state.
func lookupOp(name string) (opInfo, bool) {
	switch name {
	case "IsNull":
		return opInfo{fam: famIs, cmp: isNull}, true
	case "IsPresent":
		return opInfo{fam: famIs, cmp: isPresent}, true
	case "IsNumeric":
		return opInfo{fam: famIs, cmp: isNumeric}, true
	case "IsString":
		return opInfo{fam: famIs, cmp: isString}, true
	case "IsBoolean":
		return opInfo{fam: famIs, cmp: isBoolean}, true
	case "IsTimestamp":
		return opInfo{fam: famIs, cmp: isTimestamp}, true
	case "StringMatches":
		return opInfo{fam: famMatches, cmp: cmpEq}, true
	}
	path := false
	base := name
	if strings.HasSuffix(name, "Path") {
		path = true
		base = strings.TrimSuffix(name, "Path")
	}
	var info opInfo
	var rest string
	switch {
	case strings.HasPrefix(base, "String"):
		info.fam, rest = famString, base[len("String"):]
	case strings.HasPrefix(base, "Numeric"):
		info.fam, rest = famNumeric, base[len("Numeric"):]
	case strings.HasPrefix(base, "Timestamp"):
		info.fam, rest = famTimestamp, base[len("Timestamp"):]
	case strings.HasPrefix(base, "Boolean"):
		info.fam, rest = famBoolean, base[len("Boolean"):]
	default:
		return opInfo{}, false
	}
	switch rest {
	case "Equals":
		info.cmp = cmpEq
	case "LessThan":
		info.cmp = cmpLt
	case "GreaterThan":
		info.cmp = cmpGt
	case "LessThanEquals":
		info.cmp = cmpLe
	case "GreaterThanEquals":
		info.cmp = cmpGe
	default:
		return opInfo{}, false
	}
	if info.fam == famBoolean && info.cmp != cmpEq {
		return opInfo{}, false
	}
	info.path = path
	return info, true
}

// holds reports whether the relation c holds for a three-way comparison
// result r (negative, zero or positive).
func (c cmp) holds(r int) bool {
	switch c {
	case cmpEq:
		return r == 0
	case cmpLt:
		return r < 0
	case cmpGt:
		return r > 0
	case cmpLe:
		return r <= 0
	case cmpGe:
		return r >= 0
	}
	return false
}
