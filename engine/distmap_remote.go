package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// This file lets a runtime run a map run's child executions elsewhere (the
// Temporal runtime: as child workflows), through the optional ChildRunner
// capability. The map run keeps its accounting (results, failures against
// the tolerance, the ResultWriter's spool): only the child's graph runs
// elsewhere. A runtime without it (the local one) runs children in
// process.

// ChildRunner is an optional capability of a Runtime: it runs a whole
// child execution of a Distributed Map elsewhere and returns its outcome.
// The engine type-asserts its Runtime on it; a runtime that does not
// implement it (the local one), or whose RunsChildren is false, has the
// child run in process.
type ChildRunner interface {
	// RunsChildren reports whether RunChild runs this execution's
	// children (asked, in the child's goroutine, before anything of the
	// child is decided: a Temporal workflow started before child
	// workflows keeps running its children in process).
	RunsChildren() bool
	// RunChild runs the child execution c to its end. When ctx ends
	// first (the map run fails or is aborted, or the execution stops),
	// the child is cancelled and its outcome is ABORTED.
	RunChild(ctx context.Context, c *ChildExecution) ChildOutcome
}

// ChildQueue is an optional capability of a ChildRunner: it takes more of
// a map run's children than may run at a time and runs at most the run's
// MaxConcurrency of them at once (ChildExecution.MaxConcurrency), so that
// it can hand many to a place of its own (the Temporal runtime: a shard
// workflow) even when few run at a time.
type ChildQueue interface {
	// ChildQueueDepth returns how many children of one item each, of a
	// map run whose MaxConcurrency is limit, the engine may hand to
	// RunChild at once: limit, when the runner does not queue them, or
	// more. A run whose children are batches of up to k items hands
	// depth/k of them (a run batched by bytes alone hands no more than
	// limit), so that what waits in the queue stays small. It is asked
	// once per map run, before its first child, when no child of the run
	// needs to run in process (none is observed or taken up from an
	// earlier run); a runner whose RunsChildren may be false must then
	// answer limit.
	ChildQueueDepth(limit int) int
}

// ChildNotStarted is the Status of a ChildOutcome whose child the runner
// held in its queue and never started: the map run ended first. The child
// has no execution; its item counts as not started (PENDING).
const ChildNotStarted = "PENDING"

// ChildExecution is a child execution of a map run, as an execution of its
// own: its state machine (the ItemProcessor) and the names and settings
// that make its context object ($$.Execution, $$.StateMachine) what an
// in-process child sees.
type ChildExecution struct {
	// Definition is the ItemProcessor as a state machine: JSON text with
	// its QueryLanguage, StartAt and States.
	Definition []byte
	// Input is the child's input: its item, or its batch object.
	Input any
	// ExecutionName is the child's name, ExecutionArn its ARN
	// ($$.Execution.Id), StateMachineName the map run's MACHINE/LABEL.
	ExecutionName    string
	ExecutionArn     string
	StateMachineName string
	Region           string
	AccountID        string
	RoleArn          string
	// Type is TypeStandard or TypeExpress.
	Type string
	// StartTime is $$.Execution.StartTime.
	StartTime time.Time
	// RedriveCount is $$.Execution.RedriveCount (STANDARD).
	RedriveCount int
	// MaxHistoryEvents is the child's history limit (0: none).
	MaxHistoryEvents int64
	// PayloadLimit is Options.PayloadLimit.
	PayloadLimit int
	// MapRunArn is the map run's ARN. MaxConcurrency is how many of its
	// children may run at once when the engine hands the runner more
	// (ChildQueue); 0 when the engine hands no more than may run.
	MapRunArn      string
	MaxConcurrency int
}

// ChildOutcome is how a child execution ended: Status is StatusSucceeded
// (with Output), StatusFailed or StatusTimedOut (with Error and Cause), or
// StatusAborted.
type ChildOutcome struct {
	Status       string
	Output       any
	Error, Cause string
}

// runChild runs the child of thread th (its log l) on input: through the
// runtime's ChildRunner when it has one and the child needs nothing only
// the process has (an observer of its events), in process otherwise.
func (r *mapRun) runChild(ctx context.Context, th *thread, l *childLog, input any) (any, error) {
	ex := r.ex
	cr, ok := ex.rt.(ChildRunner)
	if !ok || l.observed() || l.from != nil || !cr.RunsChildren() {
		// In process: from its checkpoint, for a child a resume or
		// redrive takes up (distmap_childcp.go).
		return ex.runChildGraph(ctx, th, r.sc.n.proc, input, l.from)
	}
	def, err := ex.machineOf(r.sc.n.proc)
	if err != nil {
		return nil, &stateError{name: fault.Runtime, cause: r.sc.prefix() + err.Error()}
	}
	typ := TypeStandard
	if r.s.ExecutionType == TypeExpress {
		typ = TypeExpress
	}
	name, arn := l.execName(), l.arn()
	if c := l.brief; c != nil {
		c.Name, c.Arn = name, arn
	}
	o := cr.RunChild(ctx, &ChildExecution{
		Definition:       def,
		Input:            input,
		ExecutionName:    name,
		ExecutionArn:     arn,
		StateMachineName: r.machineName(),
		Region:           ex.opts.Region,
		AccountID:        ex.opts.AccountID,
		RoleArn:          ex.opts.RoleArn,
		Type:             typ,
		StartTime:        l.start,
		RedriveCount:     l.redriveCount,
		MaxHistoryEvents: l.max,
		PayloadLimit:     ex.opts.PayloadLimit,
		MapRunArn:        r.arn,
		MaxConcurrency:   r.gate,
	})
	switch o.Status {
	case StatusSucceeded:
		l.succeeded = true
		return o.Output, nil
	case ChildNotStarted:
		if r.gate == 0 {
			return nil, &stateError{name: fault.Runtime, cause: fmt.Sprintf("%sthe child execution %s was not started", r.sc.prefix(), l.execName())}
		}
		return nil, errChildNotStarted
	case StatusAborted:
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, context.Canceled
	case StatusFailed, StatusTimedOut:
		return nil, &stateError{name: o.Error, cause: o.Cause}
	default:
		return nil, &stateError{name: fault.Runtime, cause: fmt.Sprintf("%sthe child execution %s ended %q", r.sc.prefix(), l.execName(), o.Status)}
	}
}

// errChildNotStarted is runChild's error for a child its runner's queue
// never started (ChildNotStarted).
var errChildNotStarted = errors.New("the child execution was not started")

// queueDepth sets how many children the run hands its runtime at once
// (r.window), and r.gate when that is more than r.limit: with a runtime
// that queues children (ChildQueue), none of them observed (but in
// summary) or taken up from an earlier run.
func (r *mapRun) queueDepth() {
	r.window = r.limit
	cq, ok := r.ex.rt.(ChildQueue)
	if !ok || (r.info != nil && !r.summary) || r.prior != nil {
		return
	}
	if _, ok := r.ex.rt.(ChildRunner); !ok {
		return
	}
	perChild := int64(1)
	if r.batching {
		if r.maxItems <= 0 {
			return // batches of unknown size
		}
		perChild = r.maxItems
	}
	if d := int64(cq.ChildQueueDepth(r.limit)) / perChild; d > int64(r.limit) {
		r.window, r.gate = int(d), r.limit
	}
}

// machineOf returns the item processor gp as a state machine of its own
// (processorDefinition), made once per compiled program rather than per
// child.
func (ex *execution) machineOf(gp *graphPlan) ([]byte, error) {
	gp.asMachine.Do(func() {
		gp.machineJSON, gp.machineError = processorDefinition(ex.prog.sm.Raw, gp.graph)
	})
	return gp.machineJSON, gp.machineError
}

// processorDefinition returns the item processor g of the definition def
// as a state machine of its own: its QueryLanguage, StartAt and States.
func processorDefinition(def any, g *asl.Graph) ([]byte, error) {
	node := def
	if g.Location != "" {
		for _, seg := range strings.Split(g.Location[1:], "/") {
			node = member(node, unescapePointer(seg))
		}
	}
	states := member(node, "States")
	if states == nil {
		return nil, errors.New("the item processor's definition was not found at " + g.Location)
	}
	o := value.NewObject(3)
	if g.QueryLanguage != "" {
		o.Append("QueryLanguage", g.QueryLanguage)
	}
	o.Append("StartAt", g.StartAt)
	o.Append("States", states)
	return value.Encode(o), nil
}
