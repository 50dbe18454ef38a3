package engine

import (
	"context"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// This file gives each child execution of a map run (distmap_run.go) what
// AWS gives it as an execution of its own: its context object ($$.Execution
// is the child: its ARN, name, input and start; $$.StateMachine is the
// map run's state machine, MACHINE/LABEL; there is no $$.Map, as the item
// is the child's input), the execution the Task states it runs report, and
// the limit on the events of its own history (a STANDARD child over it
// fails with States.Runtime, as an execution does).

// newChildLog makes th, a child's thread, the child execution of r on
// input, started now.
func (r *mapRun) newChildLog(th *thread, input any) *childLog {
	l := &childLog{run: r, input: input, start: r.ex.rt.Now(), max: r.childHistoryLimit()}
	th.log = l
	th.mapIt = nil
	return l
}

// childHistoryLimit is the limit of a child's history: the execution's
// (Options.MaxHistoryEvents) for STANDARD children, none for EXPRESS ones,
// as AWS limits only STANDARD executions.
func (r *mapRun) childHistoryLimit() int64 {
	if r.s.ExecutionType == TypeExpress {
		return 0
	}
	switch m := r.ex.opts.MaxHistoryEvents; {
	case m < 0:
		return 0
	case m == 0:
		return DefaultMaxHistoryEvents
	default:
		return m
	}
}

// historyLimitError is the failure of a child whose history reached its
// limit.
func historyLimitError() *stateError {
	return &stateError{name: fault.Runtime, cause: HistoryLimitCause}
}

// observed reports whether the child's events go to an observer; false
// for a nil log (a thread that is no child's).
func (l *childLog) observed() bool { return l != nil && l.child != nil }

// execName is the child's execution name, a UUID made when first needed.
func (l *childLog) execName() string {
	if l.name == "" {
		l.name = l.run.ex.rt.UUID()
	}
	return l.name
}

// arn is the child's execution ARN.
func (l *childLog) arn() string { return l.run.childArn(l.execName()) }

// machineName is the name of the children's state machine: MACHINE/LABEL.
func (r *mapRun) machineName() string { return r.ex.opts.StateMachineName + "/" + r.label }

// machineArn is the ARN of the children's state machine.
func (r *mapRun) machineArn() string { return r.ex.smArn + "/" + r.label }

// contextObjects returns the child's $$.Execution and $$.StateMachine, in
// the members and order of an execution of the child's type.
func (l *childLog) contextObjects() (execution, machine *value.Object) {
	if l.ctxExecution != nil {
		return l.ctxExecution, l.ctxMachine
	}
	ex, r := l.run.ex, l.run
	start := l.start.UTC().Format(timeLayout)
	e := value.NewObject(6)
	e.Append("Id", l.arn())
	e.Append("Input", l.input)
	if r.s.ExecutionType == TypeExpress {
		e.Append("Name", l.execName())
		e.Append("RoleArn", ex.opts.RoleArn)
		e.Append("StartTime", start)
	} else {
		e.Append("StartTime", start)
		e.Append("Name", l.execName())
		e.Append("RoleArn", ex.opts.RoleArn)
		e.Append("RedriveCount", int64(l.redriveCount))
	}
	m := value.NewObject(2)
	m.Append("Id", r.machineArn())
	m.Append("Name", r.machineName())
	l.ctxExecution, l.ctxMachine = e, m
	return e, m
}

// executionContext returns $$.Execution and $$.StateMachine for the state:
// its child execution's, or the execution's.
func (sc *stateRun) executionContext() (execution, machine *value.Object) {
	if l := sc.th.log; l != nil {
		return l.contextObjects()
	}
	return sc.ex.ctxExecution, sc.ex.ctxMachine
}

// taskExecution is the execution a task of the state runs in: its child
// execution, or the execution.
func (sc *stateRun) taskExecution() integrations.Execution {
	l := sc.th.log
	if l == nil {
		return sc.ex.taskExec
	}
	e := sc.ex.taskExec
	e.ExecutionArn, e.ExecutionName = l.arn(), l.execName()
	e.StateMachineArn, e.StateMachineName = l.run.machineArn(), l.run.machineName()
	return e
}

// childContext returns the context a child runs in: one of its own, which
// the history limit and, for an observed child, Abort cancel (it ends with
// ictx, when the run ends: the run reads the child's context after the
// child). A child that neither can stop runs in ictx.
func (r *mapRun) childContext(ictx context.Context, l *childLog) context.Context {
	if l.max <= 0 && !l.observed() {
		return ictx
	}
	cctx, cancel := r.ex.rt.WithCancel(ictx)
	l.stop = cancel
	if l.child != nil {
		l.child.abort = cancel
	}
	return cctx
}
