package conformance

// The comparison of one execution with what AWS recorded.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// expectation is a parsed expected.json.
type expectation struct {
	Status       string
	Output       any
	HasOutput    bool
	Error, Cause string
	Events       []string // nil: not recorded, skip
	Ignore       map[string]bool
	Patterns     map[string]*regexp.Regexp
	JSONText     map[string]bool
	Context      map[string]string
}

func parseExpectation(doc any) (*expectation, error) {
	o, ok := doc.(*value.Object)
	if !ok {
		return nil, fmt.Errorf("expected.json: not an object")
	}
	e := &expectation{Ignore: map[string]bool{}, Patterns: map[string]*regexp.Regexp{}, JSONText: map[string]bool{}, Context: map[string]string{}}
	str := func(key string) (string, error) {
		v, ok := o.Get(key)
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("expected.json: %s is %s, not a string", key, value.TypeName(v))
		}
		return s, nil
	}
	var err error
	if e.Status, err = str("status"); err != nil {
		return nil, err
	}
	if e.Status == "" {
		return nil, fmt.Errorf("expected.json: no status")
	}
	if e.Error, err = str("error"); err != nil {
		return nil, err
	}
	if e.Cause, err = str("cause"); err != nil {
		return nil, err
	}
	e.Output, e.HasOutput = o.Get("output")
	if v, ok := o.Get("events"); ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("expected.json: events is %s, not an array", value.TypeName(v))
		}
		e.Events = make([]string, 0, len(arr))
		for _, x := range arr {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("expected.json: an event type is %s, not a string", value.TypeName(x))
			}
			e.Events = append(e.Events, s)
		}
	}
	paths := func(key string, into map[string]bool) error {
		v, ok := o.Get(key)
		if !ok || v == nil {
			return nil
		}
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected.json: %s is not an array", key)
		}
		for _, x := range arr {
			s, _ := x.(string)
			p, err := canonicalPath(s)
			if err != nil {
				return fmt.Errorf("expected.json: %s: %w", key, err)
			}
			into[p] = true
		}
		return nil
	}
	if err := paths("ignore_paths", e.Ignore); err != nil {
		return nil, err
	}
	if err := paths("json_text_paths", e.JSONText); err != nil {
		return nil, err
	}
	if v, ok := o.Get("match_patterns"); ok && v != nil {
		mo, ok := v.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("expected.json: match_patterns is not an object")
		}
		for i := 0; i < mo.Len(); i++ {
			k, pv := mo.At(i)
			p, err := canonicalPath(k)
			if err != nil {
				return nil, fmt.Errorf("expected.json: match_patterns: %w", err)
			}
			s, _ := pv.(string)
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, fmt.Errorf("expected.json: match_patterns[%s]: %w", k, err)
			}
			e.Patterns[p] = re
		}
	}
	if v, ok := o.Get("context"); ok && v != nil {
		co, ok := v.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("expected.json: context is not an object")
		}
		for i := 0; i < co.Len(); i++ {
			k, cv := co.At(i)
			if s, ok := cv.(string); ok {
				e.Context[k] = s
			}
		}
	}
	return e, nil
}

// canonicalPath parses a simple JSONPath ($, .name, ['name'], [0]) and
// writes it back in the one form pathOf produces.
func canonicalPath(p string) (string, error) {
	if !strings.HasPrefix(p, "$") {
		return "", fmt.Errorf("path %q does not start with $", p)
	}
	var b strings.Builder
	b.WriteString("$")
	rest := p[1:]
	for rest != "" {
		switch {
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return "", fmt.Errorf("path %q has an empty name", p)
			}
			b.WriteString(keySegment(rest[:end]))
			rest = rest[end:]
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return "", fmt.Errorf("path %q has an unclosed ['", p)
			}
			b.WriteString(keySegment(rest[2:end]))
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return "", fmt.Errorf("path %q has an unclosed [", p)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil {
				return "", fmt.Errorf("path %q has a bad index", p)
			}
			b.WriteString(indexSegment(n))
			rest = rest[end+1:]
		default:
			return "", fmt.Errorf("path %q is not a simple JSONPath", p)
		}
	}
	return b.String(), nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func keySegment(k string) string {
	if identRE.MatchString(k) {
		return "." + k
	}
	return "['" + k + "']"
}

func indexSegment(i int) string { return "[" + strconv.Itoa(i) + "]" }

// short renders a value compactly for a difference message.
func short(v any) string {
	s := value.EncodeString(v)
	if len(s) > 160 {
		s = s[:150] + "…(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}

func shortStr(s string) string { return short(s) }

// comparer compares values under an expectation's ignore paths, patterns
// and JSON-text paths.
type comparer struct {
	e *expectation
	// strictOrder makes a difference in object member order a failure;
	// otherwise it is only noted in orderNotes.
	strictOrder bool
	orderNotes  []string
}

// diff returns the first difference between the expected and actual value
// at path, or "". Values compare as JSON values, with numbers as AWS writes
// them (an integer is not the float 1.0: AWS's output text tells them
// apart). Object member order does not make values differ (JSON objects are
// unordered, and inside Map iterations AWS's order follows its own hashing,
// not the definition), but a different order is noted in orderNotes.
func (c *comparer) diff(path string, exp, act any) string {
	if c.e.Ignore[path] {
		if re := c.e.Patterns[path]; re != nil {
			s, ok := act.(string)
			if !ok {
				return fmt.Sprintf("%s: expected a string matching %s, got %s", path, re, short(act))
			}
			if !re.MatchString(s) {
				return fmt.Sprintf("%s: %s does not match %s", path, shortStr(s), re)
			}
		}
		return ""
	}
	if c.e.JSONText[path] {
		es, eok := exp.(string)
		as, aok := act.(string)
		if eok && aok {
			ev, err1 := value.DecodeString(es)
			av, err2 := value.DecodeString(as)
			if err1 == nil && err2 == nil {
				if !value.Equal(ev, av) {
					return fmt.Sprintf("%s (as JSON): expected %s, got %s", path, shortStr(es), shortStr(as))
				}
				return ""
			}
			if err1 == nil {
				return fmt.Sprintf("%s: expected JSON text %s, got non-JSON %s", path, shortStr(es), shortStr(as))
			}
		}
	}
	mismatch := func() string {
		return fmt.Sprintf("%s: expected %s, got %s", path, short(exp), short(act))
	}
	switch x := exp.(type) {
	case *value.Object:
		y, ok := act.(*value.Object)
		if !ok {
			return mismatch()
		}
		for _, k := range x.Keys() {
			if !y.Has(k) {
				return fmt.Sprintf("%s: missing member %q (expected %s)", path, k, short(mustGet(x, k)))
			}
		}
		for _, k := range y.Keys() {
			if !x.Has(k) {
				return fmt.Sprintf("%s: unexpected member %q = %s", path, k, short(mustGet(y, k)))
			}
		}
		for _, k := range x.Keys() {
			if d := c.diff(path+keySegment(k), mustGet(x, k), mustGet(y, k)); d != "" {
				return d
			}
		}
		if !slices.Equal(x.Keys(), y.Keys()) {
			d := fmt.Sprintf("%s: member order differs: expected %s, got %s", path, strings.Join(x.Keys(), ","), strings.Join(y.Keys(), ","))
			if c.strictOrder {
				return d
			}
			c.orderNotes = append(c.orderNotes, d)
		}
		return ""
	case []any:
		y, ok := act.([]any)
		if !ok {
			return mismatch()
		}
		n := min(len(x), len(y))
		for i := 0; i < n; i++ {
			if d := c.diff(path+indexSegment(i), x[i], y[i]); d != "" {
				return d
			}
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: expected %d elements, got %d: %s", path, len(x), len(y), short(act))
		}
		return ""
	case int64, float64:
		if value.KindOf(act) != value.Number || !value.Equal(exp, act) {
			return mismatch()
		}
		if fmt.Sprintf("%T", exp) != fmt.Sprintf("%T", act) {
			return fmt.Sprintf("%s: expected the number written %s, got %s", path, short(exp), short(act))
		}
		return ""
	default:
		if !value.Equal(exp, act) || value.KindOf(exp) != value.KindOf(act) {
			return mismatch()
		}
		return ""
	}
}

func mustGet(o *value.Object, k string) any {
	v, _ := o.Get(k)
	return v
}

// Event comparison.
//
// expected.json records only event types, in the one order AWS happened to
// write them. Events of Map iterations and Parallel branches interleave in
// any order, and nothing in a type list says which branch an event belongs
// to, so the comparison splits both lists the same way into top-level
// events and blocks: a block starts at a MapStateStarted or
// ParallelStateStarted at the top level and ends at the Map/Parallel
// Succeeded/Failed/Aborted event that balances it (nested starts and ends
// counted). Top-level events compare in order; the inside of a block
// compares as a multiset, and its first and last events exactly. A block
// whose end never comes (a Map retried, or failed before all ends were
// written) runs to the end of the list, on both sides alike.

var (
	blockOpeners = map[string]bool{"MapStateStarted": true, "ParallelStateStarted": true}
	blockClosers = map[string]bool{
		"MapStateSucceeded": true, "MapStateFailed": true, "MapStateAborted": true,
		"ParallelStateSucceeded": true, "ParallelStateFailed": true, "ParallelStateAborted": true,
	}
)

// segment is one top-level event (len(Events) == 1, !Block) or a block.
type segment struct {
	Start  int // index of its first event in the list
	Events []string
	Block  bool
}

func segments(events []string) []segment {
	var out []segment
	for i := 0; i < len(events); {
		if !blockOpeners[events[i]] {
			out = append(out, segment{Start: i, Events: events[i : i+1]})
			i++
			continue
		}
		depth, j := 0, i
		for ; j < len(events); j++ {
			if blockOpeners[events[j]] {
				depth++
			} else if blockClosers[events[j]] {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		end := min(j+1, len(events))
		out = append(out, segment{Start: i, Events: events[i:end], Block: true})
		i = end
	}
	return out
}

// diffEvents returns the first difference between the expected and actual
// event type lists, or "".
func diffEvents(exp, act []string) string {
	es, as := segments(exp), segments(act)
	for i := 0; i < len(es) && i < len(as); i++ {
		e, a := es[i], as[i]
		if !e.Block || !a.Block {
			if e.Block != a.Block || e.Events[0] != a.Events[0] {
				return fmt.Sprintf("events[%d]: expected %s, got %s (expected …%s…, got …%s…)",
					e.Start, e.Events[0], a.Events[0], around(exp, e.Start), around(act, a.Start))
			}
			continue
		}
		if e.Events[0] != a.Events[0] {
			return fmt.Sprintf("events[%d]: expected %s, got %s", e.Start, e.Events[0], a.Events[0])
		}
		if d := diffMultiset(e.Events, a.Events); d != "" {
			return fmt.Sprintf("events[%d:%d] (%s block, compared as a multiset): %s",
				e.Start, e.Start+len(e.Events), e.Events[0], d)
		}
		el, al := e.Events[len(e.Events)-1], a.Events[len(a.Events)-1]
		if el != al {
			return fmt.Sprintf("events[%d] (end of %s block): expected %s, got %s", e.Start+len(e.Events)-1, e.Events[0], el, al)
		}
	}
	if len(es) != len(as) {
		if len(es) > len(as) {
			return fmt.Sprintf("events: %d expected, %d recorded; missing from events[%d]: %s",
				len(exp), len(act), es[len(as)].Start, strings.Join(exp[es[len(as)].Start:min(len(exp), es[len(as)].Start+4)], ","))
		}
		return fmt.Sprintf("events: %d expected, %d recorded; extra from events[%d]: %s",
			len(exp), len(act), as[len(es)].Start, strings.Join(act[as[len(es)].Start:min(len(act), as[len(es)].Start+4)], ","))
	}
	return ""
}

func around(list []string, i int) string {
	lo, hi := max(0, i-2), min(len(list), i+3)
	return strings.Join(list[lo:hi], ",")
}

func diffMultiset(exp, act []string) string {
	count := map[string]int{}
	for _, e := range exp {
		count[e]++
	}
	for _, a := range act {
		count[a]--
	}
	var missing, extra []string
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch n := count[k]; {
		case n > 0:
			missing = append(missing, fmt.Sprintf("%d×%s", n, k))
		case n < 0:
			extra = append(extra, fmt.Sprintf("%d×%s", -n, k))
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "extra "+strings.Join(extra, ", "))
	}
	return strings.Join(parts, "; ")
}
