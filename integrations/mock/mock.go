// Package mock answers Task states from a mock configuration in the format of
// AWS Step Functions Local's MockConfigFile:
//
//	{
//	  "StateMachines": {
//	    "MyMachine": {"TestCases": {"HappyPath": {"TaskState": "MyResponse"}}}
//	  },
//	  "MockedResponses": {
//	    "MyResponse": {
//	      "0":   {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
//	      "1-2": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}
//	    }
//	  }
//	}
//
// A test case maps Task state names to mocked responses. A mocked response
// lists what each call of the state gives, by call number counted from 0 per
// state in the order the calls are made (retries and Map iterations count);
// a key is one number ("0") or an inclusive range ("1-3"). "Return" is the
// raw task result (before ResultSelector and ResultPath); "Throw" fails the
// attempt with the given Error and Cause, which Retry and Catch see.
//
// Tasks of every kind are mocked alike: request-response, .sync,
// .waitForTaskToken (the mock stands for the callback and returns the final
// outcome directly) and activities.
//
// Step Functions Local's documentation asks for both Error and Cause in a
// Throw; this package also accepts either or both left out (or null), which
// then read as empty: a Throw of {} stands for a callback failure sent with
// neither (SendTaskFailure without error and cause), and a Throw of
// {"Error": "States.Timeout"} for a timeout, which has no cause.
//
// Step Functions Local requires a mocked response for every call of a mocked
// state and fails the execution when one is missing. This package does the
// same: a call with no response fails with States.Runtime (which no Retry or
// Catch handles, so the execution fails) and a cause naming the state, the
// call number and the response.
//
// A state the test case does not name is passed to a fallback Invoker
// (Step Functions Local's hybrid mode, where such tasks call the real
// service); with no fallback the task fails with States.TaskFailed and a
// cause saying no integration is configured.
package mock

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// Config is a parsed and validated mock configuration file.
type Config struct {
	machines  []string               // state machine names, in file order
	testCases map[string]*machineCfg // by state machine name
	responses map[string]*Response   // by mocked response name
	respOrder []string               // response names, in file order
}

type machineCfg struct {
	order      []string                     // test case names, in file order
	cases      map[string]map[string]string // test case → state → response name
	stateOrder map[string][]string          // test case → state names in file order
}

// Response is one mocked response: what each call of a state gives.
type Response struct {
	Name    string
	Entries []Entry // sorted by From; ranges do not overlap
}

// Entry is what the calls From..To (inclusive, counted from 0) of a mocked
// state give: a Return value, or a Throw error when Throw is not nil.
type Entry struct {
	From, To int
	Return   any          // a value.Value; meaningful when Throw is nil
	Throw    *fault.Error // the error thrown, or nil
}

// Lookup returns the entry for call number n.
func (r *Response) Lookup(n int) (Entry, bool) {
	i := sort.Search(len(r.Entries), func(i int) bool { return r.Entries[i].To >= n })
	if i < len(r.Entries) && r.Entries[i].From <= n {
		return r.Entries[i], true
	}
	return Entry{}, false
}

// describe lists the call numbers a response covers, e.g. "0, 1-3".
func (r *Response) describe() string {
	parts := make([]string, len(r.Entries))
	for i, e := range r.Entries {
		if e.From == e.To {
			parts[i] = strconv.Itoa(e.From)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", e.From, e.To)
		}
	}
	return strings.Join(parts, ", ")
}

// ConfigError is a problem found in a mock configuration file, located by a
// JSON pointer into the file.
type ConfigError struct {
	Location string // JSON pointer, e.g. /MockedResponses/R/0/Throw
	Msg      string
}

func (e *ConfigError) Error() string {
	if e.Location == "" {
		return "mock config: " + e.Msg
	}
	return "mock config: " + e.Location + ": " + e.Msg
}

// ConfigErrors is every problem of one file.
type ConfigErrors []*ConfigError

func (l ConfigErrors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Load reads and parses a mock configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mock config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse parses and validates a mock configuration. On failure the error is
// a ConfigErrors listing every problem found.
func Parse(data []byte) (*Config, error) {
	doc, err := value.Decode(data)
	if err != nil {
		return nil, ConfigErrors{{Msg: err.Error()}}
	}
	p := &parser{}
	c := p.config(doc)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return c, nil
}

type parser struct{ errs ConfigErrors }

func (p *parser) errorf(loc, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{Location: loc, Msg: fmt.Sprintf(format, args...)})
}

func ptr(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		s = strings.ReplaceAll(s, "~", "~0")
		b.WriteString(strings.ReplaceAll(s, "/", "~1"))
	}
	return b.String()
}

func (p *parser) config(doc any) *Config {
	root, ok := doc.(*value.Object)
	if !ok {
		p.errorf("", "the file must hold a JSON object, not %s", value.TypeName(doc))
		return nil
	}
	c := &Config{testCases: map[string]*machineCfg{}, responses: map[string]*Response{}}
	for i := 0; i < root.Len(); i++ {
		if k, _ := root.At(i); k != "StateMachines" && k != "MockedResponses" {
			p.errorf(ptr(k), "unknown field %q (expected StateMachines and MockedResponses)", k)
		}
	}
	// MockedResponses first, so test cases can be checked against them.
	if v, ok := root.Get("MockedResponses"); ok {
		if o, ok := v.(*value.Object); ok {
			for i := 0; i < o.Len(); i++ {
				name, rv := o.At(i)
				if r := p.response(name, rv); r != nil {
					c.responses[name] = r
					c.respOrder = append(c.respOrder, name)
				}
			}
		} else {
			p.errorf(ptr("MockedResponses"), "must be an object, not %s", value.TypeName(v))
		}
	} else {
		p.errorf("", "missing field MockedResponses")
	}
	v, ok := root.Get("StateMachines")
	if !ok {
		p.errorf("", "missing field StateMachines")
		return c
	}
	sms, ok := v.(*value.Object)
	if !ok {
		p.errorf(ptr("StateMachines"), "must be an object, not %s", value.TypeName(v))
		return c
	}
	for i := 0; i < sms.Len(); i++ {
		name, smv := sms.At(i)
		loc := ptr("StateMachines", name)
		smo, ok := smv.(*value.Object)
		if !ok {
			p.errorf(loc, "must be an object with TestCases, not %s", value.TypeName(smv))
			continue
		}
		m := &machineCfg{cases: map[string]map[string]string{}, stateOrder: map[string][]string{}}
		for j := 0; j < smo.Len(); j++ {
			if k, _ := smo.At(j); k != "TestCases" {
				p.errorf(ptr("StateMachines", name, k), "unknown field %q (expected TestCases)", k)
			}
		}
		tcv, ok := smo.Get("TestCases")
		if !ok {
			p.errorf(loc, "missing field TestCases")
			continue
		}
		tco, ok := tcv.(*value.Object)
		if !ok {
			p.errorf(ptr("StateMachines", name, "TestCases"), "must be an object, not %s", value.TypeName(tcv))
			continue
		}
		for j := 0; j < tco.Len(); j++ {
			tcName, sv := tco.At(j)
			tloc := ptr("StateMachines", name, "TestCases", tcName)
			so, ok := sv.(*value.Object)
			if !ok {
				p.errorf(tloc, "a test case must map state names to mocked response names, not be %s", value.TypeName(sv))
				continue
			}
			states := map[string]string{}
			var order []string
			for k := 0; k < so.Len(); k++ {
				state, rv := so.At(k)
				rn, ok := rv.(string)
				if !ok {
					p.errorf(ptr("StateMachines", name, "TestCases", tcName, state), "must be the name of a mocked response (a string), not %s", value.TypeName(rv))
					continue
				}
				if _, ok := c.responses[rn]; !ok {
					p.errorf(ptr("StateMachines", name, "TestCases", tcName, state), "mocked response %q is not defined in MockedResponses", rn)
					continue
				}
				states[state] = rn
				order = append(order, state)
			}
			m.cases[tcName] = states
			m.stateOrder[tcName] = order
			m.order = append(m.order, tcName)
		}
		c.testCases[name] = m
		c.machines = append(c.machines, name)
	}
	return c
}

func (p *parser) response(name string, v any) *Response {
	loc := ptr("MockedResponses", name)
	o, ok := v.(*value.Object)
	if !ok {
		p.errorf(loc, "a mocked response must be an object keyed by call number, not %s", value.TypeName(v))
		return nil
	}
	if o.Len() == 0 {
		p.errorf(loc, "a mocked response needs at least one call, such as \"0\"")
		return nil
	}
	r := &Response{Name: name}
	bad := false
	for i := 0; i < o.Len(); i++ {
		key, ev := o.At(i)
		eloc := ptr("MockedResponses", name, key)
		from, to, err := parseKey(key)
		if err != nil {
			p.errorf(eloc, "%v", err)
			bad = true
			continue
		}
		e, ok := p.entry(eloc, ev)
		if !ok {
			bad = true
			continue
		}
		e.From, e.To = from, to
		r.Entries = append(r.Entries, e)
	}
	slices.SortFunc(r.Entries, func(a, b Entry) int { return a.From - b.From })
	for i := 1; i < len(r.Entries); i++ {
		if r.Entries[i].From <= r.Entries[i-1].To {
			p.errorf(loc, "call numbers overlap: %s", r.describe())
			bad = true
			break
		}
	}
	if bad {
		return nil
	}
	return r
}

// maxCall bounds call numbers so ranges stay sane.
const maxCall = 1 << 30

// parseKey reads "3" or "1-3".
func parseKey(key string) (int, int, error) {
	num := func(s string) (int, bool) {
		if s == "" || len(s) > 10 {
			return 0, false
		}
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n <= maxCall
	}
	a, b, isRange := strings.Cut(key, "-")
	from, ok := num(a)
	if !ok {
		return 0, 0, fmt.Errorf("call key %q must be a call number such as \"0\" or an inclusive range such as \"1-3\"", key)
	}
	if !isRange {
		return from, from, nil
	}
	to, ok := num(b)
	if !ok {
		return 0, 0, fmt.Errorf("call key %q must be a call number such as \"0\" or an inclusive range such as \"1-3\"", key)
	}
	if to < from {
		return 0, 0, fmt.Errorf("call range %q ends before it starts", key)
	}
	return from, to, nil
}

func (p *parser) entry(loc string, v any) (Entry, bool) {
	o, ok := v.(*value.Object)
	if !ok || o.Len() != 1 {
		p.errorf(loc, "must be an object with exactly one field, Return or Throw")
		return Entry{}, false
	}
	k, x := o.At(0)
	switch k {
	case "Return":
		return Entry{Return: x}, true
	case "Throw":
		t, ok := x.(*value.Object)
		if !ok {
			p.errorf(loc+"/Throw", "must be an object with Error and Cause, not %s", value.TypeName(x))
			return Entry{}, false
		}
		f := &fault.Error{}
		good := true
		for i := 0; i < t.Len(); i++ {
			fk, fv := t.At(i)
			s, isStr := fv.(string)
			switch fk {
			case "Error", "Cause":
				if fv == nil {
					continue // null: absent
				}
				if !isStr {
					p.errorf(loc+"/Throw/"+fk, "must be a string, not %s", value.TypeName(fv))
					good = false
				} else if fk == "Error" {
					f.Name = s
				} else {
					f.Cause = s
				}
			default:
				p.errorf(loc+"/Throw/"+fk, "unknown field %q (expected Error and Cause)", fk)
				good = false
			}
		}
		return Entry{Throw: f}, good
	default:
		p.errorf(loc, "unknown field %q (expected Return or Throw)", k)
		return Entry{}, false
	}
}

// StateMachines returns the state machine names, in file order.
func (c *Config) StateMachines() []string { return slices.Clone(c.machines) }

// TestCases returns the test case names of a state machine, in file order.
func (c *Config) TestCases(stateMachine string) []string {
	if m := c.testCases[stateMachine]; m != nil {
		return slices.Clone(m.order)
	}
	return nil
}

// Responses returns the mocked response names, in file order.
func (c *Config) Responses() []string { return slices.Clone(c.respOrder) }

// Response returns a mocked response by name.
func (c *Config) Response(name string) (*Response, bool) {
	r, ok := c.responses[name]
	return r, ok
}

// TestCase selects one test case of one state machine.
func (c *Config) TestCase(stateMachine, testCase string) (*TestCase, error) {
	m := c.testCases[stateMachine]
	if m == nil {
		return nil, fmt.Errorf("mock config: no state machine %q in StateMachines (have: %s)", stateMachine, list(c.machines))
	}
	states, ok := m.cases[testCase]
	if !ok {
		return nil, fmt.Errorf("mock config: state machine %q has no test case %q (have: %s)", stateMachine, testCase, list(m.order))
	}
	tc := &TestCase{StateMachine: stateMachine, Name: testCase, states: map[string]*Response{}, order: m.stateOrder[testCase]}
	for s, rn := range states {
		tc.states[s] = c.responses[rn]
	}
	return tc, nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// TestCase is one test case: the mocked response of each mocked state.
type TestCase struct {
	StateMachine string
	Name         string
	states       map[string]*Response
	order        []string
}

// States returns the mocked state names, in file order.
func (tc *TestCase) States() []string { return slices.Clone(tc.order) }

// Response returns the mocked response of a state.
func (tc *TestCase) Response(state string) (*Response, bool) {
	r, ok := tc.states[state]
	return r, ok
}

// Invoker returns a fresh Invoker for one execution of the test case: call
// counters start at zero. Tasks of states the test case does not mock go to
// fallback, which may be nil.
func (tc *TestCase) Invoker(fallback integrations.Invoker) *Invoker {
	return &Invoker{tc: tc, fallback: fallback, calls: map[string]int{}}
}

// Invoker answers tasks from a test case. It is safe for concurrent use, as
// Map and Parallel branches call it concurrently; calls are numbered per
// state in the order Invoke is entered.
type Invoker struct {
	tc       *TestCase
	fallback integrations.Invoker

	mu    sync.Mutex
	calls map[string]int
}

// Handles reports whether the test case mocks the task's state (whether the
// Invoker answers it itself rather than through its fallback).
func (inv *Invoker) Handles(t *integrations.Task) bool {
	_, ok := inv.tc.states[t.StateName]
	return ok
}

// MocksState reports whether the test case mocks the state named (a Task,
// or a Distributed Map whose ItemReader it mocks); see
// integrations.StateMocker.
func (inv *Invoker) MocksState(name string) bool {
	_, ok := inv.tc.states[name]
	return ok
}

// Calls returns how many times a mocked state has been called.
func (inv *Invoker) Calls(state string) int {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.calls[state]
}

// Invoke answers one task.
func (inv *Invoker) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	r, ok := inv.tc.states[t.StateName]
	if !ok {
		if inv.fallback == nil {
			// States.Runtime: no Catch takes a state nothing can run.
			return nil, fault.New(fault.Runtime, fmt.Sprintf(
				"no integration is configured for resource %q (state %q is not mocked in test case %q of state machine %q, and there is no fallback): add a mocked response for it to the test case",
				t.Resource, t.StateName, inv.tc.Name, inv.tc.StateMachine))
		}
		return inv.fallback.Invoke(ctx, t)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	n := inv.calls[t.StateName]
	inv.calls[t.StateName] = n + 1
	inv.mu.Unlock()
	e, ok := r.Lookup(n)
	if !ok {
		return nil, fault.New(fault.Runtime, fmt.Sprintf(
			"no mocked response for call %d of state %q: mocked response %q of test case %q defines calls %s",
			n, t.StateName, r.Name, inv.tc.Name, r.describe()))
	}
	if e.Throw != nil {
		return nil, &fault.Error{Name: e.Throw.Name, Cause: e.Throw.Cause}
	}
	return value.Clone(e.Return), nil
}
