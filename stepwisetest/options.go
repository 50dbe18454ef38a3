package stepwisetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/integrations/mock"
)

// Option configures one run.
type Option struct {
	apply func(*settings) error
}

// settings are what the options of one run set.
type settings struct {
	mocks        *mock.Config
	mockFile     string
	testCase     string
	stateMachine string
	funcs        *gofunc.Registry
	fallback     integrations.Invoker
	start        time.Time
	seed         int64
	execution    string
	maxEvents    int64
	objects      items.Objects
}

// DefaultSeed is the seed of the random source behind UUIDs, task tokens,
// States.MathRandom and retry jitter, unless Seed says otherwise.
const DefaultSeed = 1

func defaultSettings() *settings {
	return &settings{
		funcs: gofunc.New(),
		start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		seed:  DefaultSeed,
	}
}

// MockCase answers Task states from the test case named testCase of the
// Step Functions Local MockConfigFile at path. The state machine whose test
// case it is is given by StateMachineName, or else is the file's only state
// machine, or else the one named after the definition file (its base name
// without .asl.json, .json or .yaml). States the test case does not mock go
// to the functions registered with Func and ResourceFunc, then to Fallback.
func MockCase(path, testCase string) Option {
	return Option{func(s *settings) error {
		cfg, err := mock.Load(path)
		if err != nil {
			return err
		}
		s.mocks, s.mockFile, s.testCase = cfg, path, testCase
		return nil
	}}
}

// MockConfig is MockCase for a configuration already parsed with mock.Parse
// or mock.Load, for example from an embed.FS.
func MockConfig(cfg *mock.Config, testCase string) Option {
	return Option{func(s *settings) error {
		s.mocks, s.mockFile, s.testCase = cfg, "mock configuration", testCase
		return nil
	}}
}

// StateMachineName sets the state machine's name: the one looked up in the
// mock configuration, and $$.StateMachine.Name.
func StateMachineName(name string) Option {
	return Option{func(s *settings) error { s.stateMachine = name; return nil }}
}

// Func answers the Task state named state with fn, in preference to a mock
// and to a function registered for the state's resource. fn gets the
// task's effective input (Parameters or Arguments applied) as a value of
// package asl/value, and returns its raw result (before ResultSelector and
// ResultPath): a value, or any Go value encoding/json can encode. An error
// made with TaskError fails the task with that error name; any other error
// fails it with States.TaskFailed. See JSON and Typed for other function
// shapes.
func Func(state string, fn func(ctx context.Context, input any) (any, error)) Option {
	return Option{func(s *settings) error {
		s.funcs.HandleState(state, normalized(fn))
		return nil
	}}
}

// ResourceFunc answers Task states whose Resource is arn (as written in the
// definition, for example "arn:aws:states:::lambda:invoke") with fn, as Func
// does.
func ResourceFunc(arn string, fn func(ctx context.Context, input any) (any, error)) Option {
	return Option{func(s *settings) error {
		s.funcs.HandleResource(arn, normalized(fn))
		return nil
	}}
}

// Fallback answers the Task states that neither the mock test case nor a
// registered function answers (without it they fail with
// States.Runtime, saying no integration is configured).
func Fallback(inv integrations.Invoker) Option {
	return Option{func(s *settings) error { s.fallback = inv; return nil }}
}

// Objects gives Distributed Maps an object store: what an ItemReader
// reads and a ResultWriter writes, such as items.Dir{Root: "testdata/s3"}
// (the object bucket/key is the file testdata/s3/bucket/key) or
// items.NewS3(client). Without it, a Map with an ItemReader fails with
// States.Runtime unless the test case mocks the Map state (the mocked
// result is the items).
func Objects(objs items.Objects) Option {
	return Option{func(s *settings) error { s.objects = objs; return nil }}
}

// Start sets the virtual clock's start time, which is the execution's start
// time ($$.Execution.StartTime). The default is 2026-01-01T00:00:00Z.
func Start(t time.Time) Option {
	return Option{func(s *settings) error { s.start = t; return nil }}
}

// Seed seeds the random source behind UUIDs, task tokens,
// States.MathRandom and retry jitter (default DefaultSeed).
func Seed(seed int64) Option {
	return Option{func(s *settings) error { s.seed = seed; return nil }}
}

// ExecutionName sets the execution's name ($$.Execution.Name). The default
// is the mock test case's name, or "test".
func ExecutionName(name string) Option {
	return Option{func(s *settings) error { s.execution = name; return nil }}
}

// MaxHistoryEvents sets the history limit of the execution: AWS stops a
// STANDARD execution whose history reaches 25,000 events with
// States.Runtime, and so does a run by default; n < 0 lifts the limit.
func MaxHistoryEvents(n int64) Option {
	return Option{func(s *settings) error { s.maxEvents = n; return nil }}
}

// TaskError returns an error that fails a task with the error name and
// cause given, for Retry and Catch to match, as a service error would.
func TaskError(name, cause string) error { return fault.New(name, cause) }

// JSON adapts a function that takes and returns JSON text for Func and
// ResourceFunc.
func JSON(fn func(ctx context.Context, input string) (string, error)) func(ctx context.Context, input any) (any, error) {
	return func(ctx context.Context, input any) (any, error) {
		out, err := fn(ctx, value.EncodeString(input))
		if err != nil {
			return nil, err
		}
		v, err := value.DecodeString(out)
		if err != nil {
			return nil, fmt.Errorf("the function returned invalid JSON: %w", err)
		}
		return v, nil
	}
}

// Typed adapts a function on Go types for Func and ResourceFunc: the input
// is decoded into In with encoding/json, and the result converted as
// encoding/json would encode it (a struct's fields keep their order).
func Typed[In, Out any](fn func(ctx context.Context, input In) (Out, error)) func(ctx context.Context, input any) (any, error) {
	return func(ctx context.Context, input any) (any, error) {
		var in In
		if err := json.Unmarshal(value.Encode(input), &in); err != nil {
			return nil, fmt.Errorf("decoding the task input into %T: %w", in, err)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// normalized wraps fn so that its result becomes a value.
func normalized(fn func(ctx context.Context, input any) (any, error)) gofunc.Func {
	return func(ctx context.Context, input any) (any, error) {
		out, err := fn(ctx, input)
		if err != nil {
			return nil, err
		}
		v, err := toValue(out)
		if err != nil {
			return nil, fmt.Errorf("the function's result: %w", err)
		}
		return v, nil
	}
}

// toValue converts a Go value to a value: with value.FromGo when it can,
// else through encoding/json.
func toValue(v any) (any, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return value.Decode(raw)
	}
	if out, err := value.FromGo(v); err == nil {
		return out, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return value.Decode(data)
}

// inputValue converts Run's input.
func inputValue(input any) (any, error) {
	switch x := input.(type) {
	case nil:
		return value.NewObject(0), nil
	case string:
		return value.DecodeString(x)
	case []byte:
		return value.Decode(x)
	case json.RawMessage:
		return value.Decode(x)
	}
	return toValue(input)
}

// engineOptions builds the engine's options for machine m.
func (s *settings) engineOptions(m *Machine) (engine.Options, error) {
	smName := s.stateMachine
	var mocked integrations.Invoker
	if s.mocks != nil {
		if smName == "" {
			var err error
			if smName, err = mockStateMachine(s.mocks, m.name); err != nil {
				return engine.Options{}, fmt.Errorf("%s: %w", s.mockFile, err)
			}
		}
		tc, err := s.mocks.TestCase(smName, s.testCase)
		if err != nil {
			return engine.Options{}, fmt.Errorf("%s: %w", s.mockFile, err)
		}
		mocked = tc.Invoker(nil)
	}
	if smName == "" {
		smName = m.name
	}
	name := s.execution
	if name == "" {
		name = s.testCase
	}
	if name == "" {
		name = "test"
	}
	return engine.Options{
		Runtime:          local.New(local.Options{VirtualClock: true, Start: s.start, Seed: s.seed}),
		Invoker:          gofunc.Chain(s.funcs, mocked, s.fallback),
		ExecutionName:    name,
		StateMachineName: smName,
		StartTime:        s.start,
		MaxHistoryEvents: s.maxEvents,
		Objects:          s.objects,
	}, nil
}

// mockStateMachine picks the state machine of a mock configuration for a
// definition whose file has the base name defName (may be ""): the
// configuration's only state machine, else the one named defName.
func mockStateMachine(cfg *mock.Config, defName string) (string, error) {
	names := cfg.StateMachines()
	if len(names) == 1 {
		return names[0], nil
	}
	if defName != "" && slices.Contains(names, defName) {
		return defName, nil
	}
	return "", fmt.Errorf("several state machines and none named after the definition: choose one with StateMachineName (have: %s)", strings.Join(names, ", "))
}
