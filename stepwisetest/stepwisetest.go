// Package stepwisetest tests Amazon States Language state machines from
// go test: load a definition, answer its Task states with a Step Functions
// Local MockConfigFile test case and/or Go functions, run it under a virtual
// clock (Wait states and retry back-off take no real time, and runs are
// deterministic), then assert on how it ended, the states it went through
// and their data.
//
//	func TestHappyPath(t *testing.T) {
//		m := stepwisetest.MustLoad(t, "statemachine.asl.json")
//		ex := m.Run(t, `{"TargetLambda":"pay","Payload":{"orderId":"o-1"}}`,
//			stepwisetest.MockCase("mocks.json", "HappyPath"),        // mocks "Get Circuit Status"
//			stepwisetest.Func("Execute Lambda", stepwisetest.JSON(pay))) // a Go function
//		ex.AssertSucceeded(t)
//		ex.AssertOutputJSON(t, `{"orderId":"o-1","status":"PAID"}`)
//		ex.AssertStatesVisited(t, "Get Circuit Status", "Is Circuit Closed", "Execute Lambda")
//		ex.AssertStateOutputJSON(t, "Get Circuit Status", 0, `{...}`)
//	}
//
// The helpers take a TestingT, which *testing.T satisfies and which is
// compatible with testify's require.TestingT and assert.TestingT.
package stepwisetest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/engine"
)

// TestingT is the part of *testing.T the helpers use. Anything that
// satisfies it also satisfies testify's require.TestingT and
// assert.TestingT.
type TestingT interface {
	Errorf(format string, args ...any)
	FailNow()
	Helper()
}

// Machine is a parsed and validated state machine definition, ready to run
// any number of times (concurrently too).
type Machine struct {
	sm   *asl.StateMachine
	prog *engine.Program // sm, compiled once for every run
	name string          // the definition file's base name, or ""
}

// Parse parses a definition (JSON or YAML). An invalid definition's error
// lists every problem found.
func Parse(data []byte) (*Machine, error) {
	return parse(data, "")
}

// Load reads and parses the definition in the file at path.
func Load(path string) (*Machine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(data, path)
}

// LoadFS reads and parses the definition named name in fsys, for example an
// embed.FS.
func LoadFS(fsys fs.FS, name string) (*Machine, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return parse(data, name)
}

// MustParse is Parse that fails the test on error.
func MustParse(t TestingT, data []byte) *Machine {
	t.Helper()
	return must(t, "MustParse", "definition")(Parse(data))
}

// MustLoad is Load that fails the test on error.
func MustLoad(t TestingT, path string) *Machine {
	t.Helper()
	return must(t, "MustLoad", path)(Load(path))
}

// MustLoadFS is LoadFS that fails the test on error.
func MustLoadFS(t TestingT, fsys fs.FS, name string) *Machine {
	t.Helper()
	return must(t, "MustLoadFS", name)(LoadFS(fsys, name))
}

func must(t TestingT, fn, what string) func(*Machine, error) *Machine {
	return func(m *Machine, err error) *Machine {
		t.Helper()
		if err != nil {
			t.Errorf("stepwisetest.%s: %s: %v", fn, what, err)
			t.FailNow()
		}
		return m
	}
}

func parse(data []byte, file string) (*Machine, error) {
	sm, err := asl.Parse(data)
	if err != nil {
		var dl diag.List
		if errors.As(err, &dl) {
			return nil, fmt.Errorf("invalid definition (%d problems):\n%w", len(dl), err)
		}
		return nil, fmt.Errorf("invalid definition: %w", err)
	}
	prog, err := engine.Compile(sm)
	if err != nil {
		return nil, err
	}
	return &Machine{sm: sm, prog: prog, name: baseName(file)}, nil
}

// baseName is a file's name without directory and extensions such as
// .asl.json or .yaml; "" for "".
func baseName(file string) string {
	if file == "" {
		return ""
	}
	b := path.Base(filepath.ToSlash(file))
	for _, ext := range []string{".json", ".yaml", ".yml", ".asl"} {
		b = strings.TrimSuffix(b, ext)
	}
	return b
}

// Run runs the state machine once on input and returns the execution,
// failing the test (FailNow) when it cannot run at all: a mock file that
// cannot be read, an unknown test case, an input that is not JSON. How the
// execution ended, failures included, is for the caller to assert.
//
// input is JSON text when it is a string, []byte or json.RawMessage; nil
// stands for {}; any other Go value is converted as encoding/json would
// (maps, slices, numbers, structs). The run's context is t's Context when
// t has one (as *testing.T does).
func (m *Machine) Run(t TestingT, input any, opts ...Option) *Execution {
	t.Helper()
	ctx := context.Background()
	if c, ok := t.(interface{ Context() context.Context }); ok {
		ctx = c.Context()
	}
	ex, err := m.Execute(ctx, input, opts...)
	if err != nil {
		t.Errorf("stepwisetest: Run: %v", err)
		t.FailNow()
	}
	return ex
}

// Execute is Run for code without a TestingT: it returns the problems that
// keep the execution from running as an error.
func (m *Machine) Execute(ctx context.Context, input any, opts ...Option) (*Execution, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o.apply == nil {
			continue
		}
		if err := o.apply(s); err != nil {
			return nil, err
		}
	}
	in, err := inputValue(input)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	eopts, err := s.engineOptions(m)
	if err != nil {
		return nil, err
	}
	res, err := m.prog.Run(ctx, in, eopts)
	if err != nil {
		return nil, err
	}
	return &Execution{Result: res}, nil
}
