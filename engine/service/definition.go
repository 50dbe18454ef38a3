package service

import (
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/engine"
)

// definitionDiagnostics validates a definition as the Step Functions API
// does: JSON only (no YAML), a syntax error in Jackson's words, and the
// rules of the state machine type (typ "" is STANDARD).
func definitionDiagnostics(def, typ string) (*asl.StateMachine, diag.List) {
	if strings.TrimSpace(def) == "" {
		return nil, diag.List{{Severity: diag.SeverityError, Code: diag.SchemaValidationFailed, Message: "Definition must be a valid JSON object"}}
	}
	if e := jsonSyntax(def); e != nil {
		loc := e.location(def)
		return nil, diag.List{{Severity: diag.SeverityError, Code: diag.InvalidJSONDescription, Message: e.Message + "\n at " + loc, Location: loc}}
	}
	sm, err := asl.ParseWithOptions([]byte(def), asl.Options{Format: asl.FormatJSON})
	var ds diag.List
	if err != nil {
		ds, _ = err.(diag.List)
		if ds == nil {
			return nil, diag.List{{Severity: diag.SeverityError, Code: diag.SchemaValidationFailed, Message: err.Error()}}
		}
		ds = append(diag.List(nil), ds...)
	} else {
		ds = append(diag.List(nil), sm.Warnings...)
		// Valid ASL that the engine cannot run yet: a warning each.
		if prog, err := engine.Compile(sm); err == nil {
			ds = append(ds, prog.Unsupported()...)
		}
	}
	for i, d := range ds {
		// AWS names the two missing top-level fields in this order.
		if d.Location == "/" && d.Message == "These fields are required: [StartAt, States]" {
			ds[i].Message = "These fields are required: [States, StartAt]"
		}
	}
	if sm != nil && typ == "EXPRESS" {
		ds = append(ds, expressDiagnostics(&sm.Graph)...)
	}
	return sm, ds
}

// expressDiagnostics reports what an EXPRESS state machine may not use:
// callbacks (.waitForTaskToken), .sync integrations and activities, with
// AWS's messages.
func expressDiagnostics(g *asl.Graph) diag.List {
	var out diag.List
	for _, name := range g.Order {
		st := g.States[name]
		loc := st.Base().Location
		switch st := st.(type) {
		case *asl.Task:
			msg := ""
			switch r := st.Resource; {
			case strings.HasSuffix(r, ".waitForTaskToken"):
				// AWS's message ends with a space.
				msg = "Express state machine does not support '.waitForTaskToken' service integration "
			case strings.HasSuffix(r, ".sync") || strings.Contains(r, ".sync:"):
				msg = "Express state machine does not support '.sync' service integration"
			case strings.HasPrefix(r, "arn:") && strings.Contains(r, ":states:") && strings.Contains(r, ":activity:"):
				msg = "Express state machine does not support Activity ARN"
			}
			if msg != "" {
				out = append(out, diag.Diagnostic{Severity: diag.SeverityError, Code: diag.SchemaValidationFailed, Message: msg, Location: loc + "/Resource"})
			}
		case *asl.Parallel:
			for _, b := range st.Branches {
				out = append(out, expressDiagnostics(b)...)
			}
		case *asl.Map:
			if st.ItemProcessor != nil {
				out = append(out, expressDiagnostics(st.ItemProcessor)...)
			}
		}
	}
	return out
}
