package jsonpath

import (
	"math"

	"github.com/stepwise/stepwise/asl/value"
)

// lookup evaluates a definite path (names, single indexes, a merging
// ['a','b'] last, a function last) without allocating unless a function or
// a merge builds a new value. It reports false when the path matches
// nothing; explain then says why, in Jayway's words.
func lookup(segs []segment, node any) (any, bool) {
	for i := range segs {
		s := &segs[i]
		switch s.kind {
		case segName:
			obj, ok := node.(*value.Object)
			if !ok {
				return nil, false
			}
			if node, ok = obj.Get(s.name); !ok {
				return nil, false
			}
		case segIndex:
			arr, ok := node.([]any)
			if !ok {
				return nil, false
			}
			j := s.index
			if j < 0 {
				j += len(arr)
			}
			if j < 0 || j >= len(arr) {
				return nil, false
			}
			node = arr[j]
		case segNames:
			obj, ok := node.(*value.Object)
			if !ok {
				return nil, false
			}
			node = merge(obj, s.names)
		case segFunc:
			v, msg := applyFunc(s.name, node)
			if msg != "" {
				return nil, false
			}
			node = v
		default:
			return nil, false
		}
	}
	return node, true
}

// merge is Jayway's result for ['a','b'] as the last step: an object with
// those of the members that exist.
func merge(obj *value.Object, names []string) *value.Object {
	m := value.NewObject(len(names))
	for _, n := range names {
		if v, ok := obj.Get(n); ok {
			m.Set(n, v)
		}
	}
	return m
}

// explain returns Jayway's PathNotFoundException message for a definite path
// that lookup could not follow.
func explain(segs []segment, node any) string {
	for i := range segs {
		s := &segs[i]
		leaf := i == len(segs)-1
		switch s.kind {
		case segName, segNames:
			obj, ok := node.(*value.Object)
			if !ok {
				return "Expected to find an object with property " + fragment(s) + " in path " + normalize(segs[:i]) +
					" but found '" + javaClass(node) + "'. This is not a json object according to the JsonProvider: '" +
					jsonProviderClass + "'."
			}
			if s.kind == segNames {
				node = merge(obj, s.names)
				continue
			}
			v, has := obj.Get(s.name)
			if !has {
				if leaf {
					return "No results for path: " + normalize(segs)
				}
				return "Missing property in path " + normalize(segs[:i+1])
			}
			node = v
		case segIndex:
			if node == nil {
				return "The path " + normalize(segs[:i]) + " is null"
			}
			arr, ok := node.([]any)
			if !ok {
				return "Filter: " + normalizeTail(segs[i:]) + " can only be applied to arrays. Current context is: " + javaString(node)
			}
			j := s.index
			if j < 0 {
				j += len(arr)
			}
			if j < 0 || j >= len(arr) {
				return "No results for path: " + normalize(segs)
			}
			node = arr[j]
		case segFunc:
			v, msg := applyFunc(s.name, node)
			if msg != "" {
				return msg
			}
			node = v
		}
	}
	return "No results for path: " + normalize(segs)
}

// evalCtx collects the results of an indefinite path.
type evalCtx struct {
	root    any   // the document, for $ in filters
	out     []any // results, in Jayway's order
	require bool  // existence check: a missing property fails the path
	failed  bool
	depth   int // nesting of filter evaluations
	// left is the steps the evaluation may still take, shared with the
	// filters' evaluations (nil: no bound).
	left *int
}

// MaxSteps bounds the steps (nodes visited) of one evaluation of a path:
// chained deep scans ($..a..b..c) or filters within filters over a large
// document would otherwise take time polynomial in its size, with an
// exponent the path chooses. A path that needs more fails with
// TooComplexMsg.
const MaxSteps = 10_000_000

// TooComplexMsg is the error message of a path evaluation that needed more
// than MaxSteps steps.
const TooComplexMsg = "Path evaluation exceeded the limit of 10000000 steps"

// newEvalCtx returns the context of a top-level evaluation on doc.
func newEvalCtx(doc any) evalCtx {
	left := MaxSteps
	return evalCtx{root: doc, left: &left}
}

// step spends one step; it reports false once the steps are spent.
func (c *evalCtx) step() bool {
	if c.left == nil {
		return true
	}
	*c.left--
	return *c.left >= 0
}

// exhausted reports whether the evaluation ran out of steps.
func (c *evalCtx) exhausted() bool { return c.left != nil && *c.left < 0 }

// walk evaluates segs[i:] on node and appends what they match. updef says
// whether every step so far named a single node (Jayway's "upstream
// definite"), which only matters for existence checks.
func (c *evalCtx) walk(segs []segment, i int, node any, updef bool) {
	if c.failed || !c.step() {
		return
	}
	if i == len(segs) {
		c.out = append(c.out, node)
		return
	}
	s := &segs[i]
	switch s.kind {
	case segName:
		obj, ok := node.(*value.Object)
		if !ok {
			if c.require && updef {
				c.failed = true
			}
			return
		}
		v, has := obj.Get(s.name)
		if !has {
			if c.require {
				c.failed = true
			}
			return
		}
		c.walk(segs, i+1, v, updef)
	case segNames:
		obj, ok := node.(*value.Object)
		if !ok {
			if c.require && updef {
				c.failed = true
			}
			return
		}
		if i == len(segs)-1 {
			if c.require {
				for _, n := range s.names {
					if !obj.Has(n) {
						c.failed = true
						return
					}
				}
			}
			c.out = append(c.out, merge(obj, s.names))
			return
		}
		for _, n := range s.names {
			v, has := obj.Get(n)
			if !has {
				if c.require {
					c.failed = true
					return
				}
				continue
			}
			c.walk(segs, i+1, v, false)
		}
	case segIndex:
		arr, ok := node.([]any)
		if !ok {
			if c.require && updef {
				c.failed = true
			}
			return
		}
		j := s.index
		if j < 0 {
			j += len(arr)
		}
		if j >= 0 && j < len(arr) {
			c.walk(segs, i+1, arr[j], updef)
		}
	case segIndexes:
		arr, ok := node.([]any)
		if !ok {
			return
		}
		for _, j := range s.indexes {
			if j < 0 {
				j += len(arr)
			}
			if j >= 0 && j < len(arr) {
				c.walk(segs, i+1, arr[j], false)
			}
		}
	case segSlice:
		arr, ok := node.([]any)
		if !ok {
			return
		}
		c.slice(segs, i, arr)
	case segWildcard:
		switch n := node.(type) {
		case *value.Object:
			for k := 0; k < n.Len(); k++ {
				_, v := n.At(k)
				c.walk(segs, i+1, v, false)
			}
		case []any:
			for _, v := range n {
				c.walk(segs, i+1, v, false)
			}
		}
	case segScan:
		c.scan(segs, i+1, node)
	case segFilter:
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if s.filter.match(v, c) {
					c.walk(segs, i+1, v, false)
				}
			}
		case *value.Object:
			if s.filter.match(n, c) {
				c.walk(segs, i+1, n, false)
			}
		}
	case segFunc:
		if v, msg := applyFunc(s.name, node); msg == "" {
			c.walk(segs, i+1, v, updef)
		}
	}
}

// slice applies a slice with Jayway's ArraySliceToken rules.
func (c *evalCtx) slice(segs []segment, i int, arr []any) {
	s := &segs[i]
	n := len(arr)
	switch s.slice {
	case sliceFrom:
		from := s.from
		if from < 0 {
			from = max(0, n+from)
		}
		for j := from; j < n; j++ {
			c.walk(segs, i+1, arr[j], false)
		}
	case sliceTo:
		to := s.to
		if to < 0 {
			to += n
		}
		for j := 0; j < min(n, to); j++ {
			c.walk(segs, i+1, arr[j], false)
		}
	case sliceBetween:
		// Jayway walks from..to-1 and reads each index as an index would
		// be read (negative ones count from the end; others are skipped).
		to := min(n, s.to)
		for j := max(s.from, -n); j < to; j++ {
			k := j
			if k < 0 {
				k += n
			}
			if k >= 0 && k < n {
				c.walk(segs, i+1, arr[k], false)
			}
		}
	}
}

// scan is Jayway's deep scan: every container, depth first and before its
// members, is tested against the step after the scan, segs[i].
func (c *evalCtx) scan(segs []segment, i int, node any) {
	if c.failed || !c.step() {
		return
	}
	switch n := node.(type) {
	case *value.Object:
		if c.scanMatches(&segs[i], n) {
			c.walk(segs, i, n, false)
		}
		for k := 0; k < n.Len(); k++ {
			_, v := n.At(k)
			c.scan(segs, i, v)
		}
	case []any:
		if c.scanMatches(&segs[i], n) {
			if i == len(segs)-1 {
				c.walk(segs, i, n, false)
			} else {
				// Jayway's walkArray applies the step after the target to
				// every element, skipping the target itself ($..[0].a
				// reads a in every element).
				for _, v := range n {
					c.walk(segs, i+1, v, false)
				}
			}
		}
		for _, v := range n {
			c.scan(segs, i, v)
		}
	}
}

// scanMatches is Jayway's scan predicate for the target step.
func (c *evalCtx) scanMatches(s *segment, node any) bool {
	switch s.kind {
	case segName:
		obj, ok := node.(*value.Object)
		return ok && obj.Has(s.name)
	case segNames:
		obj, ok := node.(*value.Object)
		if !ok {
			return false
		}
		for _, n := range s.names {
			if !obj.Has(n) {
				return false
			}
		}
		return true
	case segIndex, segIndexes, segSlice:
		_, ok := node.([]any)
		return ok
	case segWildcard:
		return true
	case segFilter:
		return s.filter.match(node, c)
	}
	return false
}

// knownFunc reports whether name is a Jayway function this package runs.
func knownFunc(name string) bool {
	switch name {
	case "length", "size", "sum", "min", "max", "avg", "stddev", "keys", "first", "last":
		return true
	}
	return false
}

const emptyAggregation = "Aggregation function attempted to calculate value using empty array"

// applyFunc runs a Jayway function on node. A non-empty message means the
// function failed (as Jayway's JsonPathException).
func applyFunc(name string, node any) (any, string) {
	switch name {
	case "length", "size":
		switch n := node.(type) {
		case []any:
			return int64(len(n)), ""
		case *value.Object:
			return int64(n.Len()), ""
		}
		return nil, ""
	case "sum", "min", "max", "avg", "stddev":
		arr, _ := node.([]any)
		return aggregate(name, arr)
	case "keys":
		obj, ok := node.(*value.Object)
		if !ok {
			return nil, "keys() can only be applied to an object"
		}
		keys := make([]any, obj.Len())
		for i, k := range obj.Keys() {
			keys[i] = k
		}
		return keys, ""
	case "first", "last":
		arr, ok := node.([]any)
		if !ok || len(arr) == 0 {
			return nil, ""
		}
		if name == "first" {
			return arr[0], ""
		}
		return arr[len(arr)-1], ""
	}
	return nil, "Function with name: " + name + " does not exist."
}

// aggregate is Jayway's numeric functions: they read the numbers of the
// list, ignore anything else, and return a double.
func aggregate(name string, list []any) (any, string) {
	var count, sum, sumSq float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range list {
		f, ok := value.ToFloat(e)
		if !ok {
			continue
		}
		count++
		sum += f
		sumSq += f * f
		lo = math.Min(lo, f)
		hi = math.Max(hi, f)
	}
	if count == 0 {
		return nil, emptyAggregation
	}
	switch name {
	case "sum":
		return sum, ""
	case "min":
		return lo, ""
	case "max":
		return hi, ""
	case "avg":
		return sum / count, ""
	}
	avg := sum / count
	return math.Sqrt(math.Max(0, sumSq/count-avg*avg)), ""
}
