package aws

import (
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/integrations"
)

// Recognizes reports whether a Task Resource names something Stepwise can
// run without a mock or Go function: an AWS integration this invoker
// serves (aws-sdk, optimized, a Lambda function ARN), an activity, or a
// nested execution (states:startExecution, which package nested runs). It
// calls nothing and loads no configuration.
func (inv *Invoker) Recognizes(resource string) bool {
	if inv.Handles(&integrations.Task{Resource: resource}) {
		return true
	}
	parts := strings.Split(resource, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "states" {
		if parts[5] == "activity" && parts[6] != "" {
			return true
		}
		if parts[5] == "states" && strings.HasPrefix(parts[6], "startExecution") {
			r, ok := parseResource(resource)
			return ok && r.action == "startExecution"
		}
	}
	return false
}

// ResourceWarnings returns a WARNING for each Task state of sm whose
// Resource Stepwise does not recognise, worded as AWS rejects such a
// resource at CreateStateMachine. Locally the state can still run when a
// mock or a Go function covers it; otherwise it fails with States.Runtime.
func (inv *Invoker) ResourceWarnings(sm *asl.StateMachine) diag.List {
	var out diag.List
	var walk func(g *asl.Graph)
	walk = func(g *asl.Graph) {
		if g == nil {
			return
		}
		for _, name := range g.Order {
			switch s := g.States[name].(type) {
			case *asl.Task:
				if !inv.Recognizes(s.Resource) {
					out = append(out, diag.Diagnostic{
						Severity: diag.SeverityWarning,
						Code:     "SCHEMA_VALIDATION_FAILED",
						Message: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. "+
							"Stepwise can run this state only with a mock (--mocks) or a Go function", s.Resource),
						Location: s.Location + "/Resource",
					})
				}
			case *asl.Parallel:
				for _, b := range s.Branches {
					walk(b)
				}
			case *asl.Map:
				walk(s.ItemProcessor)
			}
		}
	}
	walk(&sm.Graph)
	return out
}
