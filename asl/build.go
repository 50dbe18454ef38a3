package asl

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/stepwise/stepwise/asl/choice"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
)

// builder turns a decoded definition into the typed model, collecting every
// diagnostic on the way. It never stops at the first problem.
type builder struct {
	diags  diag.List
	topQL  string
	names  map[string]bool // every state name seen, for DUPLICATE_STATE_NAME
	graphs int             // current nesting of Parallel/Map graphs

	// Compiled paths and expressions are immutable: one written several
	// times is compiled once.
	tc    template.Compiler
	paths map[string]*jsonpath.Path
	exprs map[string]*jsonata.Expr // JSONata expressions checked, by text

	// text is where stateLoc writes; what it has handed out is never
	// written again.
	text []byte
}

// stateLoc is ptr(loc, "States", name), the location of a state, kept in
// its Common: the locations of many states share an allocation.
func (b *builder) stateLoc(loc, name string) string {
	const mid = "/States/"
	if strings.ContainsAny(name, "~/") {
		return ptr(loc, "States", name)
	}
	n := len(loc) + len(mid) + len(name)
	if cap(b.text)-len(b.text) < n {
		b.text = make([]byte, 0, max(4096, n))
	}
	start := len(b.text)
	b.text = append(b.text, loc...)
	b.text = append(b.text, mid...)
	b.text = append(b.text, name...)
	return unsafe.String(&b.text[start], n)
}

// compilePath is jsonpath.Compile, sharing the paths compiled before.
func (b *builder) compilePath(s string) (*jsonpath.Path, error) {
	if p, ok := b.paths[s]; ok {
		return p, nil
	}
	p, err := jsonpath.Compile(s)
	if err != nil {
		return nil, err
	}
	if b.paths == nil {
		b.paths = make(map[string]*jsonpath.Path)
	}
	b.paths[s] = p
	return p, nil
}

func newBuilder() *builder {
	return &builder{names: make(map[string]bool)}
}

func (b *builder) add(sev, code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	b.diags = append(b.diags, diag.Diagnostic{Severity: sev, Code: code, Message: msg, Location: loc})
}

func (b *builder) schema(loc, format string, args ...any) {
	b.add(diag.SeverityError, diag.SchemaValidationFailed, loc, format, args...)
}

// rootLoc is the location of diagnostics about the definition object itself.
const rootLoc = "/"

// ptr joins segments into a JSON pointer (RFC 6901), as diag.Pointer does,
// without boxing the segments.
func ptr(base string, segs ...string) string {
	n := len(base)
	escape := false
	for _, s := range segs {
		n += 1 + len(s)
		if strings.ContainsAny(s, "~/") {
			escape = true
		}
	}
	if escape {
		args := make([]any, len(segs))
		for i, s := range segs {
			args[i] = s
		}
		return diag.Pointer(base, args...)
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteString(base)
	for _, s := range segs {
		sb.WriteByte('/')
		sb.WriteString(s)
	}
	return sb.String()
}

// ---------------------------------------------------------------------------
// Top level

func (b *builder) machine(def any) *StateMachine {
	sm := &StateMachine{Raw: def, QueryLanguage: JSONPath}
	o, ok := def.(*value.Object)
	if !ok {
		b.schema(rootLoc, "The definition must be a JSON object, not %s", value.TypeName(def))
		return sm
	}
	for _, k := range o.Keys() {
		if !topFields[k] {
			b.schema(rootLoc, "Field '%s' is not supported", k)
		}
	}
	sm.Comment, _ = b.str(o, "Comment", "")
	if v, ok := b.str(o, "Version", ""); ok {
		sm.Version = v
		if v != "1.0" {
			b.schema(ptr("", "Version"), "The value of field 'Version' must be \"1.0\"")
		}
	}
	if ql, ok := b.queryLanguage(o, ""); ok {
		sm.QueryLanguage = ql
	}
	b.topQL = sm.QueryLanguage
	sm.TimeoutSeconds = b.intRange(o, "TimeoutSeconds", "", 1, maxIntegerField)

	g := b.graph(o, "", sm.QueryLanguage, rootLoc)
	if g != nil {
		sm.Graph = *g
	}
	return sm
}

// queryLanguage reads a QueryLanguage field. AWS resolves a present value to
// JSONPath only when it is exactly "JSONPath"; anything else counts as
// JSONata, besides being reported.
func (b *builder) queryLanguage(o *value.Object, loc string) (string, bool) {
	v, present := o.Get("QueryLanguage")
	if !present {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		b.schema(ptr(loc, "QueryLanguage"), "The value of field 'QueryLanguage' must be a string, not %s", value.TypeName(v))
		return JSONata, true
	}
	switch s {
	case JSONPath, JSONata:
		return s, true
	}
	b.schema(ptr(loc, "QueryLanguage"), "The value of field 'QueryLanguage' must be one of [JSONPath, JSONata], not %q", s)
	return JSONata, true
}

// ---------------------------------------------------------------------------
// Field readers. Each reports a wrong type at the field's location.

func (b *builder) typeErr(loc, key, want string, got any) {
	b.schema(ptr(loc, key), "The value of field '%s' must be %s, not %s", key, want, value.TypeName(got))
}

func (b *builder) str(o *value.Object, key, loc string) (string, bool) {
	v, ok := o.Get(key)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		b.typeErr(loc, key, "a string", v)
		return "", false
	}
	return s, true
}

func (b *builder) boolean(o *value.Object, key, loc string) (bool, bool) {
	v, ok := o.Get(key)
	if !ok {
		return false, false
	}
	x, ok := v.(bool)
	if !ok {
		b.typeErr(loc, key, "a boolean", v)
		return false, false
	}
	return x, true
}

// asInt converts a JSON number with no fractional part to int64.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// intRange reads an optional integer field within [lo, hi].
func (b *builder) intRange(o *value.Object, key, loc string, lo, hi int64) *int64 {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	return b.intValue(v, key, loc, lo, hi)
}

func (b *builder) intValue(v any, key, loc string, lo, hi int64) *int64 {
	n, ok := asInt(v)
	if !ok {
		b.typeErr(loc, key, "an integer", v)
		return nil
	}
	if n < lo || n > hi {
		b.schema(ptr(loc, key), "The value of field '%s' must be between %d and %d, not %d", key, lo, hi, n)
		return nil
	}
	return &n
}

// isJSONata reports whether s is a JSONata expression string "{% ... %}".
func isJSONata(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// literalOrExpr checks a JSONata-mode field whose value is either a "{% %}"
// expression or a literal of the kind literalOK accepts; what names that
// kind in the message, e.g. "an object or a JSONata expression".
func (b *builder) literalOrExpr(v any, key, loc, what string, literalOK func(any) bool) {
	if s, isStr := v.(string); isStr {
		if isJSONata(s) {
			return
		}
	} else if literalOK(v) {
		return
	}
	b.schema(ptr(loc, key), "The value of field '%s' must be %s", key, what)
}

// intOrExpr reads a JSONata-mode field that is an integer or a "{% %}" string.
func (b *builder) intOrExpr(o *value.Object, key, loc string, lo, hi int64) (*int64, string) {
	v, ok := o.Get(key)
	if !ok {
		return nil, ""
	}
	if s, isStr := v.(string); isStr {
		if isJSONata(s) {
			return nil, s
		}
		b.schema(ptr(loc, key), "The value of field '%s' must be an integer or a JSONata expression", key)
		return nil, ""
	}
	return b.intValue(v, key, loc, lo, hi), ""
}

// path reads a Path field (InputPath, OutputPath, ItemsPath, *Path). A null
// value is kept as Path{Null: true} when nullable.
func (b *builder) path(o *value.Object, key, loc string, nullable bool) *Path {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	if v == nil && nullable {
		return &Path{Null: true}
	}
	s, ok := v.(string)
	if !ok {
		b.typeErr(loc, key, "a string", v)
		return nil
	}
	p, err := b.compilePath(s)
	if err != nil || !strings.HasPrefix(s, "$") {
		b.schema(ptr(loc, key), "The value for the field '%s' must be a valid JSONPath", key)
		return nil
	}
	return &Path{Text: s, Path: p}
}

// refPath reads a reference path field (ResultPath): null allowed, $-rooted.
func (b *builder) refPath(o *value.Object, key, loc string) *Path {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	if v == nil {
		return &Path{Null: true}
	}
	s, ok := v.(string)
	if !ok {
		b.typeErr(loc, key, "a string", v)
		return nil
	}
	// jsonpath.CompileReference is Compile and IsReference.
	p, err := b.compilePath(s)
	if err != nil || !p.IsReference() || !strings.HasPrefix(s, "$") || p.Root() != jsonpath.RootInput {
		b.schema(ptr(loc, key), "The value for the field '%s' must be a valid ReferencePath", key)
		return nil
	}
	return &Path{Text: s, Path: p}
}

// plainPath reads a Path that must not be null (SecondsPath, ...).
func (b *builder) plainPath(o *value.Object, key, loc string) *jsonpath.Path {
	p := b.path(o, key, loc, false)
	if p == nil {
		return nil
	}
	return p.Path
}

// template reads a payload template field. mustBeObject reflects AWS's
// schema for the field.
func (b *builder) template(o *value.Object, key, loc string, mustBeObject bool) *template.Template {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	return b.templateValue(v, key, loc, mustBeObject)
}

// lazyLoc is the location ptr(base, key), built when first needed: most
// fields never have a diagnostic.
type lazyLoc struct {
	base, key string
	s         string
	built     bool
}

func (l *lazyLoc) String() string {
	if !l.built {
		l.s, l.built = ptr(l.base, l.key), true
	}
	return l.s
}

// templateValue compiles the template v of field key of the object at base.
func (b *builder) templateValue(v any, key, base string, mustBeObject bool) *template.Template {
	loc := &lazyLoc{base: base, key: key}
	if _, isObj := v.(*value.Object); mustBeObject && !isObj {
		b.schema(loc.String(), "The value of field '%s' must be an object, not %s", key, value.TypeName(v))
		return nil
	}
	b.checkTemplate(v, loc, 0, false)
	t, err := b.tc.Compile(v)
	if err != nil {
		// Compile stops at the first bad member: find them all.
		n := len(b.diags)
		b.checkTemplate(v, loc, 0, true)
		if !b.errorsSince(n) {
			b.schema(loc.String(), "The value of field '%s' is not a valid payload template: %v", key, err)
		}
		return nil
	}
	return t
}

func (b *builder) errorsSince(n int) bool {
	for _, d := range b.diags[n:] {
		if d.Severity == diag.SeverityError {
			return true
		}
	}
	return false
}

// checkTemplate walks a payload template. With compile false it warns about
// plain members that look like paths (NO_DOLLAR), as AWS does; with compile
// true it reports every "key.$" member whose value is not a valid path or
// intrinsic call.
func (b *builder) checkTemplate(v any, loc *lazyLoc, depth int, compile bool) {
	if depth > 256 {
		return
	}
	switch t := v.(type) {
	case *value.Object:
		for i := 0; i < t.Len(); i++ {
			k, x := t.At(i)
			if strings.HasSuffix(k, ".$") && len(k) > 2 {
				if !compile {
					// The ASL spec: "A JSON object MUST NOT have duplicate field
					// names after fields ending with the characters ".$" are
					// renamed to strip the ".$" suffix."
					if plain := k[:len(k)-2]; t.Has(plain) {
						b.schema(loc.String(), "The fields '%s' and '%s' cannot both be present: once '.$' is stripped, the object would have the field '%s' twice", plain, k, plain)
					}
					continue
				}
				s, ok := x.(string)
				if !ok {
					b.schema(loc.String(), "The value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function call", k)
					continue
				}
				if _, err := b.tc.CompileExprField(s, k); err != nil {
					b.schema(loc.String(), "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", k)
				}
				continue
			}
			if s, ok := x.(string); ok && !compile && looksLikePathOrCall(s) {
				b.add(diag.SeverityWarning, diag.NoDollar, loc.String(),
					"The value for the field '%s' looks like a JSONPath or an intrinsic function call, but the field name does not end with '.$'", k)
			}
			b.checkTemplate(x, loc, depth+1, compile)
		}
	case []any:
		for _, x := range t {
			b.checkTemplate(x, loc, depth+1, compile)
		}
	}
}

func looksLikePathOrCall(s string) bool {
	if strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$$.") || strings.HasPrefix(s, "$[") {
		return true
	}
	if strings.HasPrefix(s, "States.") {
		if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
			return true
		}
	}
	return false
}

// fieldsOf checks the members of a nested object against an allowed set.
func (b *builder) fieldsOf(o *value.Object, loc string, allowed map[string]bool) {
	for _, k := range o.Keys() {
		if !allowed[k] {
			b.schema(loc, "Field '%s' is not supported", k)
		}
	}
}

// required reports the missing members among names.
func (b *builder) required(o *value.Object, loc string, names ...string) {
	var missing []string
	for _, n := range names {
		if !o.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		b.schema(loc, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
}

// exclusive reports when more than one of names is present.
func (b *builder) exclusive(o *value.Object, loc string, names ...string) {
	var present []string
	for _, n := range names {
		if o.Has(n) {
			present = append(present, n)
		}
	}
	if len(present) > 1 {
		b.schema(loc, "These fields cannot be used together: [%s]", strings.Join(present, ", "))
	}
}

// ---------------------------------------------------------------------------
// Graphs

// graph builds a StartAt/States graph. loc is the graph's location ("" for
// the top level); ql is the language its states inherit.
func (b *builder) graph(o *value.Object, loc, ql, objLoc string) *Graph {
	g := &Graph{QueryLanguage: ql, Location: loc}
	b.required(o, objLoc, "StartAt", "States")
	g.StartAt, _ = b.str(o, "StartAt", loc)
	sv, ok := o.Get("States")
	if !ok {
		return g
	}
	states, ok := sv.(*value.Object)
	if !ok {
		b.typeErr(loc, "States", "an object", sv)
		return g
	}
	if states.Len() == 0 {
		b.schema(ptr(loc, "States"), "The field 'States' must have at least one state")
	}
	g.States = make(map[string]State, states.Len())
	g.Order = make([]string, 0, states.Len())
	if len(b.names) == 0 {
		b.names = make(map[string]bool, states.Len())
	}
	// The edges of every state, one after the other: those of the i-th
	// state are edges[spans[i]:spans[i+1]].
	var edges []edge
	spans := make([]int, 1, states.Len()+1)
	for i := 0; i < states.Len(); i++ {
		name, sv := states.At(i)
		sloc := b.stateLoc(loc, name)
		b.stateName(name, sloc)
		var st State
		st, edges = b.state(name, sv, sloc, ql, edges)
		g.Order = append(g.Order, name)
		if st != nil {
			g.States[name] = st
		}
		spans = append(spans, len(edges))
	}
	b.transitions(g, loc, states, edges, spans)
	return g
}

func (b *builder) stateName(name, loc string) {
	if name == "" {
		b.add(diag.SeverityError, diag.InvalidStateName, loc, "State names must not be empty")
	} else if n := len([]rune(name)); n > maxStateNameLength {
		b.add(diag.SeverityError, diag.InvalidStateName, loc,
			"State name '%s' exceeds the maximum length of %d characters", name, maxStateNameLength)
	}
	if b.names[name] {
		b.add(diag.SeverityError, diag.DuplicateStateName, loc, "Duplicate State name: %s", name)
	}
	b.names[name] = true
}

// edge is one transition out of a state, with the location that names it:
// field of the object at base (built only for a diagnostic).
type edge struct {
	target string
	base   string
	field  string
}

func (e *edge) loc() string { return ptr(e.base, e.field) }

// terminal reports whether a state ends its graph.
func terminal(v any) bool {
	o, ok := v.(*value.Object)
	if !ok {
		return false
	}
	if t, _ := o.Get("Type"); t == TypeSucceed || t == TypeFail {
		return true
	}
	e, _ := o.Get("End")
	return e == true
}

// transitions checks targets, terminal states and reachability of a graph.
// The states are those of g.Order, in order; edges and spans are as graph
// builds them.
func (b *builder) transitions(g *Graph, loc string, states *value.Object, edges []edge, spans []int) {
	startOK := true
	if g.StartAt != "" || states.Has("") {
		if !states.Has(g.StartAt) {
			startOK = false
			b.add(diag.SeverityError, diag.MissingTransitionTarget, ptr(loc, "StartAt"),
				"Missing 'StartAt' target: %s", g.StartAt)
		}
	}
	for i := range edges {
		if e := &edges[i]; !states.Has(e.target) {
			b.add(diag.SeverityError, diag.MissingTransitionTarget, e.loc(), "Missing 'Next' target: %s", e.target)
		}
	}
	if states.Len() == 0 {
		return
	}
	hasEnd := false
	for i := 0; i < states.Len() && !hasEnd; i++ {
		_, v := states.At(i)
		hasEnd = terminal(v)
	}
	if !hasEnd {
		endLoc := loc
		b.add(diag.SeverityError, diag.MissingEndState, endLoc, "Workflow has no terminal state")
		return
	}
	start := states.Index(g.StartAt)
	if !startOK || start < 0 {
		return
	}
	seen := make([]bool, len(g.Order))
	seen[start] = true
	queue := make([]int, 1, len(g.Order))
	queue[0] = start
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for i := spans[n]; i < spans[n+1]; i++ {
			if j := states.Index(edges[i].target); j >= 0 && !seen[j] {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i, name := range g.Order {
		if !seen[i] {
			b.add(diag.SeverityError, diag.MissingTransitionTarget, ptr(loc, "States", name),
				"State \"%s\" is not reachable.", name)
		}
	}
}

// nested builds the graph of a Parallel branch or a Map item processor.
func (b *builder) nested(v any, loc, field string) *Graph {
	o, ok := v.(*value.Object)
	if !ok {
		b.schema(loc, "The value of field '%s' must be an object, not %s", field, value.TypeName(v))
		return nil
	}
	if b.graphs >= maxNesting {
		b.add(diag.SeverityError, diag.TooDeeplyNested, loc, "The states are too deeply nested (more than %d levels)", maxNesting)
		return nil
	}
	b.graphs++
	defer func() { b.graphs-- }()
	// Nested graphs inherit the machine's top-level language, not the
	// enclosing state's (as AWS validates them).
	return b.graph(o, loc, b.topQL, loc)
}

// ---------------------------------------------------------------------------
// States

// state builds a state, appending its transitions to edges.
func (b *builder) state(name string, v any, loc, inherited string, edges []edge) (State, []edge) {
	o, ok := v.(*value.Object)
	if !ok {
		b.schema(loc, "A state must be an object, not %s", value.TypeName(v))
		return nil, edges
	}
	typ, hasType := b.str(o, "Type", loc)
	if !o.Has("Type") {
		b.required(o, loc, "Type")
	}
	allowed, known := stateFields[typ]
	if hasType && !known {
		b.schema(ptr(loc, "Type"), "The value of field 'Type' must be one of [Choice, Fail, Map, Parallel, Pass, Succeed, Task, Wait], not %q", typ)
	}

	ql := inherited
	if q, ok := b.queryLanguage(o, loc); ok {
		ql = q
		if q == JSONPath && b.topQL == JSONata {
			b.schema(loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
		}
	}

	c := Common{Name: name, Type: typ, QueryLanguage: ql, Location: loc}
	c.Comment, _ = b.str(o, "Comment", loc)
	if !known {
		return nil, edges
	}

	// Field placement.
	for _, k := range o.Keys() {
		l, ok := commonFields[k]
		if !ok {
			l, ok = allowed[k]
		}
		if !ok {
			b.schema(loc, "Field '%s' is not supported", k)
			continue
		}
		if l == langJSONPath && ql == JSONata {
			b.schema(loc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", k)
		} else if l == langJSONata && ql == JSONPath {
			b.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
		}
	}

	// Next / End.
	if _, ok := allowed["Next"]; ok {
		next, hasNext := b.str(o, "Next", loc)
		end, hasEnd := b.boolean(o, "End", loc)
		switch {
		case hasNext && hasEnd && end:
			b.schema(loc, "Only one of these fields can be used: [Next, End]")
		case hasNext:
			c.Next = next
			edges = append(edges, edge{next, loc, "Next"})
		case hasEnd && end:
			c.End = true
		case !o.Has("Next") && !o.Has("End") || hasEnd && !end:
			b.schema(loc, "These fields are required: [Next] or [End]")
		}
	}

	// Data-flow fields common to several types.
	if ql == JSONPath {
		if _, ok := allowed["InputPath"]; ok {
			c.InputPath = b.path(o, "InputPath", loc, true)
			c.OutputPath = b.path(o, "OutputPath", loc, true)
		}
	} else if o.Has("Output") {
		c.Output, _ = o.Get("Output")
		c.HasOutput = true
	}
	if av, ok := o.Get("Assign"); ok {
		if _, ok := allowed["Assign"]; ok {
			c.Assign, c.AssignTemplate, c.HasAssign = b.assign(av, ql, loc)
		}
	}

	if ql == JSONata {
		b.jsonataFields(o, loc, jsonataStateFields...)
	}

	var st State
	switch typ {
	case TypePass:
		st = b.pass(o, loc, c)
	case TypeTask:
		st, edges = b.task(o, loc, c, edges)
	case TypeChoice:
		st, edges = b.choice(o, loc, c, edges)
	case TypeWait:
		st = b.wait(o, loc, c)
	case TypeSucceed:
		st = &Succeed{Common: c}
	case TypeFail:
		st = b.fail(o, loc, c)
	case TypeParallel:
		st, edges = b.parallel(o, loc, c, edges)
	case TypeMap:
		st, edges = b.mapState(o, loc, c, edges)
	}
	return st, edges
}

// assign reads an Assign block: an object whose values are templates in
// JSONPath mode and raw values (with "{% %}" strings) in JSONata mode. base
// is the location of the object that has the block.
func (b *builder) assign(v any, ql, base string) (any, *template.Template, bool) {
	if _, ok := v.(*value.Object); !ok {
		b.schema(ptr(base, "Assign"), "The value of field 'Assign' must be an object, not %s", value.TypeName(v))
		return nil, nil, false
	}
	if ql == JSONata {
		return v, nil, true
	}
	return v, b.templateValue(v, "Assign", base, true), true
}

func (b *builder) pass(o *value.Object, loc string, c Common) *Pass {
	p := &Pass{Common: c}
	if c.QueryLanguage == JSONPath {
		if r, ok := o.Get("Result"); ok {
			p.Result, p.HasResult = r, true
			if s, ok := r.(string); ok && looksLikePathOrCall(s) {
				b.add(diag.SeverityWarning, diag.PassResultIsStatic, ptr(loc, "Result"),
					"The value of field 'Result' looks like a path; Result is static and is not evaluated")
			}
		}
		p.ResultPath = b.refPath(o, "ResultPath", loc)
		p.Parameters = b.template(o, "Parameters", loc, false)
	}
	return p
}

func (b *builder) task(o *value.Object, loc string, c Common, edges []edge) (*Task, []edge) {
	t := &Task{Common: c}
	b.required(o, loc, "Resource")
	if r, ok := b.str(o, "Resource", loc); ok {
		t.Resource = r
		if !strings.HasPrefix(r, "arn:") && !isJSONata(r) {
			b.add(diag.SeverityError, diag.InvalidResource, ptr(loc, "Resource"), "Invalid resource: %s", r)
		} else if why := lambdaARNProblem(r); why != "" {
			b.add(diag.SeverityError, diag.InvalidResource, ptr(loc, "Resource"),
				"Invalid resource: %s is not a valid Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION|ALIAS]): %s", r, why)
		}
	}
	b.exclusive(o, loc, "TimeoutSeconds", "TimeoutSecondsPath")
	b.exclusive(o, loc, "HeartbeatSeconds", "HeartbeatSecondsPath")
	if c.QueryLanguage == JSONPath {
		t.Parameters = b.template(o, "Parameters", loc, false)
		t.ResultSelector = b.template(o, "ResultSelector", loc, true)
		t.ResultPath = b.refPath(o, "ResultPath", loc)
		t.TimeoutSeconds = b.intRange(o, "TimeoutSeconds", loc, 1, maxIntegerField)
		t.HeartbeatSeconds = b.intRange(o, "HeartbeatSeconds", loc, 1, maxIntegerField)
		t.TimeoutSecondsPath = b.plainPath(o, "TimeoutSecondsPath", loc)
		t.HeartbeatSecondsPath = b.plainPath(o, "HeartbeatSecondsPath", loc)
		if cv, ok := o.Get("Credentials"); ok {
			t.Credentials = cv
			t.CredentialsTemplate = b.templateValue(cv, "Credentials", loc, true)
		}
	} else {
		if a, ok := o.Get("Arguments"); ok {
			t.Arguments, t.HasArgs = a, true
			b.literalOrExpr(a, "Arguments", loc, "an object or a JSONata expression", isObject)
		}
		t.TimeoutSeconds, t.TimeoutSecondsExpr = b.intOrExpr(o, "TimeoutSeconds", loc, 1, maxIntegerField)
		t.HeartbeatSeconds, t.HeartbeatSecondsExpr = b.intOrExpr(o, "HeartbeatSeconds", loc, 1, maxIntegerField)
		if cv, ok := o.Get("Credentials"); ok {
			t.Credentials = cv
			if _, isObj := cv.(*value.Object); !isObj {
				b.typeErr(loc, "Credentials", "an object", cv)
			}
		}
	}
	if t.TimeoutSeconds != nil && t.HeartbeatSeconds != nil && *t.HeartbeatSeconds >= *t.TimeoutSeconds {
		b.schema(ptr(loc, "HeartbeatSeconds"), "The value of field 'HeartbeatSeconds' must be smaller than the value of field 'TimeoutSeconds'")
	}
	t.Retry = b.retry(o, loc)
	t.Catch, edges = b.catch(o, loc, c.QueryLanguage, edges)
	return t, edges
}

func (b *builder) choice(o *value.Object, loc string, c Common, edges []edge) (*Choice, []edge) {
	ch := &Choice{Common: c}
	b.required(o, loc, "Choices")
	if d, ok := b.str(o, "Default", loc); ok {
		ch.Default = d
	}
	cv, ok := o.Get("Choices")
	if ok {
		arr, isArr := cv.([]any)
		if !isArr {
			b.typeErr(loc, "Choices", "an array", cv)
		} else if len(arr) == 0 {
			b.schema(ptr(loc, "Choices"), "The field 'Choices' must contain at least one choice rule")
		}
		for i, rv := range arr {
			rloc := ptr(loc, "Choices", strconv.Itoa(i))
			r, ok := b.choiceRule(rv, rloc, c.QueryLanguage)
			if !ok {
				continue
			}
			ch.Choices = append(ch.Choices, r)
			if r.Next != "" {
				edges = append(edges, edge{r.Next, rloc, "Next"})
			}
		}
	}
	if ch.Default != "" {
		edges = append(edges, edge{ch.Default, loc, "Default"})
	}
	return ch, edges
}

func (b *builder) choiceRule(v any, loc, ql string) (ChoiceRule, bool) {
	var r ChoiceRule
	o, ok := v.(*value.Object)
	if !ok {
		b.schema(loc, "A choice rule must be an object, not %s", value.TypeName(v))
		return r, false
	}
	b.required(o, loc, "Next")
	r.Next, _ = b.str(o, "Next", loc)
	r.Comment, _ = b.str(o, "Comment", loc)
	if av, ok := o.Get("Assign"); ok {
		r.Assign, r.AssignTemplate, r.HasAssign = b.assign(av, ql, loc)
	}
	if ql == JSONata {
		b.fieldsOf(o, loc, jsonataChoiceRuleFields)
		b.required(o, loc, "Condition")
		if cond, ok := o.Get("Condition"); ok {
			r.Condition = cond
			b.literalOrExpr(cond, "Condition", loc, "a JSONata expression or a boolean", isBool)
		}
		if out, ok := o.Get("Output"); ok {
			r.Output, r.HasOutput = out, true
		}
		b.jsonataFields(o, loc, "Condition", "Output", "Assign")
		return r, true
	}
	for _, k := range []string{"Condition", "Output"} {
		if o.Has(k) {
			b.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
		}
	}
	rule, ds := choice.Compile(o, loc)
	b.diags = append(b.diags, ds...)
	r.Rule = rule
	return r, true
}

func (b *builder) wait(o *value.Object, loc string, c Common) *Wait {
	w := &Wait{Common: c}
	keys := []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}
	n := 0
	for _, k := range keys {
		if o.Has(k) {
			n++
		}
	}
	if n != 1 {
		b.schema(loc, "Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]")
	}
	if c.QueryLanguage == JSONPath {
		w.Seconds = b.intRange(o, "Seconds", loc, 0, maxIntegerField)
		w.SecondsPath = b.plainPath(o, "SecondsPath", loc)
		w.TimestampPath = b.plainPath(o, "TimestampPath", loc)
		if s, ok := b.str(o, "Timestamp", loc); ok {
			w.Timestamp = s
			b.timestamp(s, ptr(loc, "Timestamp"), w)
		}
		return w
	}
	if sv, ok := o.Get("Seconds"); ok {
		if s, isStr := sv.(string); isStr && isJSONata(s) {
			w.SecondsExpr = s
		} else if p := b.intValue(sv, "Seconds", loc, 0, maxIntegerField); p != nil {
			w.Seconds = p
			w.SecondsExpr = *p
		}
	}
	if s, ok := b.str(o, "Timestamp", loc); ok {
		if isJSONata(s) {
			w.TimestampExpr = s
		} else {
			w.Timestamp = s
			b.timestamp(s, ptr(loc, "Timestamp"), w)
		}
	}
	return w
}

// timestamp checks a literal Wait timestamp: RFC 3339 with an uppercase T
// and Z or a numeric offset.
func (b *builder) timestamp(s, loc string, w *Wait) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || strings.ContainsAny(s, "tz") {
		b.schema(loc, "The value of field 'Timestamp' must be an ISO-8601 extended offset date-time format string")
		return
	}
	w.TimestampTime = t
}

func (b *builder) fail(o *value.Object, loc string, c Common) *Fail {
	f := &Fail{Common: c}
	b.exclusive(o, loc, "Error", "ErrorPath")
	b.exclusive(o, loc, "Cause", "CausePath")
	f.Error, _ = b.str(o, "Error", loc)
	f.Cause, _ = b.str(o, "Cause", loc)
	if c.QueryLanguage == JSONPath {
		f.ErrorPath, f.ErrorExpr = b.failPath(o, "ErrorPath", loc)
		f.CausePath, f.CauseExpr = b.failPath(o, "CausePath", loc)
	}
	return f
}

// failPath reads ErrorPath/CausePath: a path or an intrinsic call.
func (b *builder) failPath(o *value.Object, key, loc string) (*Path, Evaluator) {
	s, ok := b.str(o, key, loc)
	if !ok {
		return nil, nil
	}
	e, err := b.tc.CompileExprField(s, key)
	if err != nil {
		b.schema(ptr(loc, key), "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", key)
		return nil, nil
	}
	if p, ok := template.Path(e); ok {
		return &Path{Text: s, Path: p}, e
	}
	return nil, e
}

func (b *builder) parallel(o *value.Object, loc string, c Common, edges []edge) (*Parallel, []edge) {
	p := &Parallel{Common: c}
	b.required(o, loc, "Branches")
	if bv, ok := o.Get("Branches"); ok {
		arr, isArr := bv.([]any)
		if !isArr {
			b.typeErr(loc, "Branches", "an array", bv)
		} else if len(arr) == 0 {
			b.schema(ptr(loc, "Branches"), "The field 'Branches' must contain at least one branch")
		}
		for i, br := range arr {
			bloc := ptr(loc, "Branches", strconv.Itoa(i))
			if bo, ok := br.(*value.Object); ok {
				b.fieldsOf(bo, bloc, graphFields)
			}
			if g := b.nested(br, bloc, "Branches"); g != nil {
				p.Branches = append(p.Branches, g)
			}
		}
	}
	if c.QueryLanguage == JSONPath {
		p.Parameters = b.template(o, "Parameters", loc, false)
		p.ResultSelector = b.template(o, "ResultSelector", loc, true)
		p.ResultPath = b.refPath(o, "ResultPath", loc)
	} else if a, ok := o.Get("Arguments"); ok {
		p.Arguments, p.HasArgs = a, true
	}
	p.Retry = b.retry(o, loc)
	p.Catch, edges = b.catch(o, loc, c.QueryLanguage, edges)
	return p, edges
}

var graphFields = map[string]bool{"StartAt": true, "States": true, "Comment": true}

var processorFields = map[string]bool{"StartAt": true, "States": true, "Comment": true, "ProcessorConfig": true}

func (b *builder) mapState(o *value.Object, loc string, c Common, edges []edge) (*Map, []edge) {
	m := &Map{Common: c, ProcessorMode: "INLINE"}
	if !o.Has("ItemProcessor") && !o.Has("Iterator") {
		b.schema(loc, "These fields are required: [ItemProcessor]")
	}
	b.exclusive(o, loc, "ItemProcessor", "Iterator")
	b.exclusive(o, loc, "ItemSelector", "Parameters")
	b.exclusive(o, loc, "MaxConcurrency", "MaxConcurrencyPath")
	b.exclusive(o, loc, "ToleratedFailureCount", "ToleratedFailureCountPath")
	b.exclusive(o, loc, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	for _, field := range []string{"ItemProcessor", "Iterator"} {
		pv, ok := o.Get(field)
		if !ok {
			continue
		}
		ploc := ptr(loc, field)
		if po, ok := pv.(*value.Object); ok {
			b.fieldsOf(po, ploc, processorFields)
			b.processorConfig(po, ploc, m)
		}
		if g := b.nested(pv, ploc, field); g != nil && m.ItemProcessor == nil {
			m.ItemProcessor = g
		}
	}
	if l, ok := b.str(o, "Label", loc); ok {
		m.Label = l
		if len(l) > 40 || strings.ContainsAny(l, " <>{}[]?*\"#%\\^|~`$&,;:/") {
			b.add(diag.SeverityError, diag.InvalidLabelName, ptr(loc, "Label"), "Invalid label name: %s", l)
		}
	}
	for _, k := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
		v, ok := o.Get(k)
		if !ok {
			continue
		}
		if _, isObj := v.(*value.Object); !isObj {
			b.typeErr(loc, k, "an object", v)
			continue
		}
		switch k {
		case "ItemReader":
			m.ItemReader = v
			if rc, ok := v.(*value.Object).Get("ReaderConfig"); ok {
				if rco, ok := rc.(*value.Object); ok {
					b.exclusive(rco, ptr(loc, "ItemReader", "ReaderConfig"), "MaxItems", "MaxItemsPath")
				}
			}
		case "ItemBatcher":
			m.ItemBatcher = v
			bo := v.(*value.Object)
			bloc := ptr(loc, "ItemBatcher")
			b.exclusive(bo, bloc, "MaxItemsPerBatch", "MaxItemsPerBatchPath")
			b.exclusive(bo, bloc, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
		case "ResultWriter":
			m.ResultWriter = v
		}
	}
	if c.QueryLanguage == JSONPath {
		m.ItemsPath = b.path(o, "ItemsPath", loc, false)
		if o.Has("ItemSelector") {
			m.ItemSelector = b.template(o, "ItemSelector", loc, true)
		} else if o.Has("Parameters") {
			m.ItemSelector = b.template(o, "Parameters", loc, true)
		}
		m.ResultSelector = b.template(o, "ResultSelector", loc, true)
		m.ResultPath = b.refPath(o, "ResultPath", loc)
		if p := b.intRange(o, "MaxConcurrency", loc, 0, math.MaxInt32); p != nil {
			m.MaxConcurrency = *p
		}
		m.MaxConcurrencyPath = b.plainPath(o, "MaxConcurrencyPath", loc)
		m.ToleratedFailureCount = b.intRange(o, "ToleratedFailureCount", loc, 0, math.MaxInt32)
		m.ToleratedFailureCountPath = b.plainPath(o, "ToleratedFailureCountPath", loc)
		m.ToleratedFailurePercentage = b.percentage(o, loc)
		m.ToleratedFailurePercentagePath = b.plainPath(o, "ToleratedFailurePercentagePath", loc)
	} else {
		if iv, ok := o.Get("Items"); ok {
			m.Items, m.HasItems = iv, true
			b.literalOrExpr(iv, "Items", loc, "an array or a JSONata expression", isArray)
		}
		if sv, ok := o.Get("ItemSelector"); ok {
			m.ItemSelectorRaw = sv
		}
		var p *int64
		p, m.MaxConcurrencyExpr = b.intOrExpr(o, "MaxConcurrency", loc, 0, math.MaxInt32)
		if p != nil {
			m.MaxConcurrency = *p
		}
		m.ToleratedFailureCount, m.ToleratedFailureCountExpr = b.intOrExpr(o, "ToleratedFailureCount", loc, 0, math.MaxInt32)
		if v, ok := o.Get("ToleratedFailurePercentage"); ok {
			if s, isStr := v.(string); isStr && isJSONata(s) {
				m.ToleratedFailurePercentageExpr = s
			} else {
				m.ToleratedFailurePercentage = b.percentage(o, loc)
			}
		}
	}
	m.Retry = b.retry(o, loc)
	m.Catch, edges = b.catch(o, loc, c.QueryLanguage, edges)
	return m, edges
}

func (b *builder) percentage(o *value.Object, loc string) *float64 {
	v, ok := o.Get("ToleratedFailurePercentage")
	if !ok {
		return nil
	}
	f, ok := value.ToFloat(v)
	if !ok {
		b.typeErr(loc, "ToleratedFailurePercentage", "a number", v)
		return nil
	}
	if f < 0 || f > 100 {
		b.schema(ptr(loc, "ToleratedFailurePercentage"), "The value of field 'ToleratedFailurePercentage' must be between 0 and 100")
		return nil
	}
	return &f
}

func (b *builder) processorConfig(po *value.Object, ploc string, m *Map) {
	cv, ok := po.Get("ProcessorConfig")
	if !ok {
		return
	}
	cloc := ptr(ploc, "ProcessorConfig")
	co, ok := cv.(*value.Object)
	if !ok {
		b.typeErr(ploc, "ProcessorConfig", "an object", cv)
		return
	}
	b.fieldsOf(co, cloc, map[string]bool{"Mode": true, "ExecutionType": true})
	if mode, ok := b.str(co, "Mode", cloc); ok {
		if mode != "INLINE" && mode != "DISTRIBUTED" {
			b.schema(ptr(cloc, "Mode"), "The value of field 'Mode' must be one of [INLINE, DISTRIBUTED], not %q", mode)
		} else {
			m.ProcessorMode = mode
		}
	}
	if et, ok := b.str(co, "ExecutionType", cloc); ok {
		if et != "STANDARD" && et != "EXPRESS" {
			b.schema(ptr(cloc, "ExecutionType"), "The value of field 'ExecutionType' must be one of [STANDARD, EXPRESS], not %q", et)
		} else {
			m.ExecutionType = et
		}
	}
	if m.ProcessorMode == "DISTRIBUTED" && !co.Has("ExecutionType") {
		b.schema(cloc, "These fields are required: [ExecutionType]")
	}
}

// ---------------------------------------------------------------------------
// Retry and Catch

func (b *builder) errorEquals(o *value.Object, loc string, last bool, list string) []string {
	v, ok := o.Get("ErrorEquals")
	if !ok {
		return nil
	}
	eloc := ptr(loc, "ErrorEquals")
	arr, ok := v.([]any)
	if !ok {
		b.typeErr(loc, "ErrorEquals", "an array", v)
		return nil
	}
	if len(arr) == 0 {
		b.schema(eloc, "The field 'ErrorEquals' must contain at least one error name")
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			b.schema(ptr(eloc, strconv.Itoa(i)), "Error names must be strings, not %s", value.TypeName(e))
			continue
		}
		out = append(out, s)
	}
	for _, s := range out {
		if s == "States.ALL" {
			if len(arr) > 1 {
				b.schema(eloc, "'States.ALL' must appear alone in 'ErrorEquals'")
			}
			if !last {
				b.schema(eloc, "A %s with 'States.ALL' in 'ErrorEquals' must be the last one", list)
			}
			break
		}
	}
	return out
}

func (b *builder) retry(o *value.Object, loc string) []Retrier {
	v, ok := o.Get("Retry")
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		b.typeErr(loc, "Retry", "an array", v)
		return nil
	}
	out := make([]Retrier, 0, len(arr))
	for i, rv := range arr {
		rloc := ptr(loc, "Retry", strconv.Itoa(i))
		ro, ok := rv.(*value.Object)
		if !ok {
			b.schema(rloc, "A retrier must be an object, not %s", value.TypeName(rv))
			continue
		}
		b.fieldsOf(ro, rloc, retrierFields)
		b.required(ro, rloc, "ErrorEquals")
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0}
		r.ErrorEquals = b.errorEquals(ro, rloc, i == len(arr)-1, "retrier")
		r.Comment, _ = b.str(ro, "Comment", rloc)
		if p := b.intRange(ro, "IntervalSeconds", rloc, 1, maxIntegerField); p != nil {
			r.IntervalSeconds = *p
		}
		if p := b.intRange(ro, "MaxAttempts", rloc, 0, maxIntegerField); p != nil {
			r.MaxAttempts = *p
		}
		if bv, ok := ro.Get("BackoffRate"); ok {
			if f, ok := value.ToFloat(bv); !ok {
				b.typeErr(rloc, "BackoffRate", "a number", bv)
			} else if f < 1.0 {
				b.schema(ptr(rloc, "BackoffRate"), "The value of field 'BackoffRate' must be greater than or equal to 1.0")
			} else {
				r.BackoffRate = f
			}
		}
		r.MaxDelaySeconds = b.intRange(ro, "MaxDelaySeconds", rloc, 1, maxDelaySeconds)
		if js, ok := b.str(ro, "JitterStrategy", rloc); ok {
			if js != "FULL" && js != "NONE" {
				b.schema(ptr(rloc, "JitterStrategy"), "The value of field 'JitterStrategy' must be one of [FULL, NONE], not %q", js)
			} else {
				r.JitterStrategy = js
			}
		}
		out = append(out, r)
	}
	return out
}

func (b *builder) catch(o *value.Object, loc, ql string, edges []edge) ([]Catcher, []edge) {
	v, ok := o.Get("Catch")
	if !ok {
		return nil, edges
	}
	arr, ok := v.([]any)
	if !ok {
		b.typeErr(loc, "Catch", "an array", v)
		return nil, edges
	}
	out := make([]Catcher, 0, len(arr))
	for i, cv := range arr {
		cloc := ptr(loc, "Catch", strconv.Itoa(i))
		co, ok := cv.(*value.Object)
		if !ok {
			b.schema(cloc, "A catcher must be an object, not %s", value.TypeName(cv))
			continue
		}
		keys := co.Keys()
		sorted := append([]string(nil), keys...)
		sort.Strings(sorted)
		for _, k := range sorted {
			l, ok := catcherFields[k]
			switch {
			case !ok:
				b.schema(cloc, "Field '%s' is not supported", k)
			case l == langJSONPath && ql == JSONata:
				b.schema(cloc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", k)
			case l == langJSONata && ql == JSONPath:
				b.schema(cloc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
			}
		}
		b.required(co, cloc, "ErrorEquals", "Next")
		var c Catcher
		c.ErrorEquals = b.errorEquals(co, cloc, i == len(arr)-1, "catcher")
		c.Comment, _ = b.str(co, "Comment", cloc)
		if n, ok := b.str(co, "Next", cloc); ok {
			c.Next = n
			edges = append(edges, edge{n, cloc, "Next"})
		}
		if ql == JSONPath {
			c.ResultPath = b.refPath(co, "ResultPath", cloc)
		} else {
			if out, ok := co.Get("Output"); ok {
				c.Output, c.HasOutput = out, true
			}
			b.jsonataFields(co, cloc, "Output", "Assign")
		}
		if av, ok := co.Get("Assign"); ok {
			c.Assign, c.AssignTemplate, c.HasAssign = b.assign(av, ql, cloc)
		}
		out = append(out, c)
	}
	return out, edges
}

func isObject(v any) bool { _, ok := v.(*value.Object); return ok }
func isBool(v any) bool   { _, ok := v.(bool); return ok }
func isArray(v any) bool  { _, ok := v.([]any); return ok }
