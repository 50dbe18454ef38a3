package asl

import (
	"time"

	"github.com/stepwise/stepwise/asl/choice"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
)

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// State types.
const (
	TypePass     = "Pass"
	TypeTask     = "Task"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// StateMachine is a parsed, validated definition with every path, template,
// intrinsic call and Choice rule compiled. It is immutable and safe to share
// between concurrent executions.
type StateMachine struct {
	Comment        string
	Version        string
	QueryLanguage  string // JSONPath (default) or JSONata
	TimeoutSeconds *int64
	Graph              // StartAt and States
	Raw            any // the definition as a value (ordered), for history and describe
	// Warnings are the WARNING diagnostics of a definition that parsed
	// (NO_DOLLAR, PASS_RESULT_IS_STATIC, ...).
	Warnings diag.List
}

// Graph is a set of states with an entry point: the top level, a Parallel
// branch or a Map's item processor.
type Graph struct {
	StartAt string
	States  map[string]State
	Order   []string // state names in definition order
	// QueryLanguage is the language of the enclosing level, inherited by
	// states that do not set their own.
	QueryLanguage string
	// Location is the JSON pointer of the graph: "" for the top level,
	// /States/P/Branches/0 or /States/M/ItemProcessor for nested ones.
	Location string
}

// State is one of *Pass, *Task, *Choice, *Wait, *Succeed, *Fail, *Parallel, *Map.
type State interface {
	Base() *Common
}

// Common holds the fields every state type may have. A field a state type
// does not allow is rejected by validation and stays zero.
type Common struct {
	Name          string
	Type          string
	Comment       string
	QueryLanguage string // effective language of this state (inherited if not set)
	Next          string
	End           bool

	// JSONPath mode.
	InputPath  *Path // nil: not set, "$". A set-but-null path is Path{Null: true}.
	OutputPath *Path
	// JSONata mode: Output is any value, with {% %} strings evaluated.
	Output    any
	HasOutput bool

	// Assign (both modes). In JSONPath mode AssignTemplate is compiled; in
	// JSONata mode Assign is the raw value with {% %} strings.
	Assign         any
	AssignTemplate *template.Template
	HasAssign      bool

	Location string // JSON pointer of the state, e.g. /States/Check
}

// Base returns the common fields.
func (c *Common) Base() *Common { return c }

// Path is a compiled InputPath/OutputPath/ResultPath/ItemsPath. Null means the
// field was set to JSON null (which has its own meaning in ASL).
type Path struct {
	Text string
	Null bool
	Path *jsonpath.Path // nil when Null
}

// Pass state.
type Pass struct {
	Common
	Result     any // literal; HasResult says whether it was set
	HasResult  bool
	ResultPath *Path
	Parameters *template.Template
}

// Task state.
type Task struct {
	Common
	Resource   string
	Parameters *template.Template // JSONPath mode
	Arguments  any                // JSONata mode (raw, with {% %} strings)
	HasArgs    bool

	ResultSelector *template.Template
	ResultPath     *Path

	TimeoutSeconds       *int64
	TimeoutSecondsPath   *jsonpath.Path
	TimeoutSecondsExpr   string // JSONata "{% %}" form
	HeartbeatSeconds     *int64
	HeartbeatSecondsPath *jsonpath.Path
	HeartbeatSecondsExpr string

	Credentials         any // raw; RoleArn / RoleArn.$ (compiled below in JSONPath mode)
	CredentialsTemplate *template.Template

	Retry []Retrier
	Catch []Catcher
}

// Retrier is one entry of Retry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64   // default 1
	MaxAttempts     int64   // default 3
	BackoffRate     float64 // default 2.0
	MaxDelaySeconds *int64
	JitterStrategy  string // FULL or NONE (default)
	Comment         string
}

// Catcher is one entry of Catch.
type Catcher struct {
	ErrorEquals    []string
	Next           string
	ResultPath     *Path // JSONPath mode; nil means "$"
	Output         any   // JSONata mode
	HasOutput      bool
	Assign         any
	AssignTemplate *template.Template
	HasAssign      bool
	Comment        string
}

// Choice state.
type Choice struct {
	Common
	Choices []ChoiceRule
	Default string
}

// ChoiceRule is one top-level entry of Choices.
type ChoiceRule struct {
	Rule           *choice.Rule // JSONPath mode
	Condition      any          // JSONata mode: "{% %}" string or a literal boolean
	Next           string
	Output         any
	HasOutput      bool
	Assign         any
	AssignTemplate *template.Template
	HasAssign      bool
	Comment        string
}

// Wait state: exactly one of the four ways to wait is set.
type Wait struct {
	Common
	Seconds       *int64
	SecondsPath   *jsonpath.Path
	SecondsExpr   any // JSONata: "{% %}" string or a number
	Timestamp     string
	TimestampPath *jsonpath.Path
	TimestampExpr string // JSONata "{% %}" string
	// TimestampTime is Timestamp parsed (zero when Timestamp is not set).
	TimestampTime time.Time
}

// Succeed state.
type Succeed struct {
	Common
}

// Fail state.
type Fail struct {
	Common
	Error     string
	Cause     string
	ErrorPath *Path // a JSONPath or an intrinsic call (IntrinsicError)
	CausePath *Path
	// ErrorExpr and CauseExpr hold an intrinsic call given as ErrorPath or
	// CausePath, or a JSONata expression in JSONata mode.
	ErrorExpr Evaluator
	CauseExpr Evaluator
}

// Evaluator is an expression that computes a value from the scope: a
// compiled intrinsic call or path used where AWS accepts either.
type Evaluator = template.Expr

// Parallel state.
type Parallel struct {
	Common
	Branches       []*Graph
	Parameters     *template.Template
	Arguments      any
	HasArgs        bool
	ResultSelector *template.Template
	ResultPath     *Path
	Retry          []Retrier
	Catch          []Catcher
}

// Map state: inline or distributed.
type Map struct {
	Common
	ItemProcessor *Graph // Iterator in legacy definitions
	ProcessorMode string // INLINE (default) or DISTRIBUTED
	ExecutionType string // STANDARD or EXPRESS, distributed only

	ItemsPath *Path // JSONPath mode
	Items     any   // JSONata mode: array or "{% %}" string
	HasItems  bool

	ItemSelector    *template.Template // ItemSelector, or legacy Parameters
	ItemSelectorRaw any                // JSONata mode

	ItemReader   any // raw, distributed only
	ItemBatcher  any // raw
	ResultWriter any // raw
	Label        string

	MaxConcurrency     int64
	MaxConcurrencyPath *jsonpath.Path
	MaxConcurrencyExpr string

	ToleratedFailureCount          *int64
	ToleratedFailureCountPath      *jsonpath.Path
	ToleratedFailureCountExpr      string
	ToleratedFailurePercentage     *float64
	ToleratedFailurePercentagePath *jsonpath.Path
	ToleratedFailurePercentageExpr string

	ResultSelector *template.Template
	ResultPath     *Path
	Retry          []Retrier
	Catch          []Catcher
}
