package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/aws"
)

// validateResponse is the shape of AWS's ValidateStateMachineDefinition
// response.
type validateResponse struct {
	Result      string            `json:"result"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	Truncated   bool              `json:"truncated"`
}

const validateUsage = `usage: stepwise validate [--json] FILE

Checks a state machine definition (JSON or YAML) and prints every problem
found, as AWS's ValidateStateMachineDefinition reports them.

  --json   print the result as JSON: {"result":"OK"|"FAIL","diagnostics":[...]}

Exit status: 0 valid, 1 invalid, 2 usage error or unreadable file.
`

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	asJSON := false
	var files []string
	for i, a := range args {
		switch {
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Fprint(stdout, validateUsage)
			return 0
		case a == "--":
			files = append(files, args[i+1:]...)
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(stderr, "stepwise validate: unknown flag %s\n", a)
			fmt.Fprint(stderr, validateUsage)
			return 2
		default:
			files = append(files, a)
			continue
		}
		if a == "--" {
			break
		}
	}
	if len(files) != 1 {
		fmt.Fprint(stderr, validateUsage)
		return 2
	}
	file := files[0]
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		fmt.Fprintf(stderr, "stepwise validate: %v\n", err)
		return 2
	}

	opts := asl.Options{}
	switch {
	case strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml"):
		opts.Format = asl.FormatYAML
	case strings.HasSuffix(file, ".json"):
		opts.Format = asl.FormatJSON
	}
	ds := asl.ValidateWithOptions(data, opts)
	valid := !ds.HasErrors()
	if valid {
		// Valid ASL that the engine cannot run yet gets a warning each, and
		// so does a resource no integration serves (AWS rejects those at
		// creation; here they run only when mocked).
		if sm, err := asl.ParseWithOptions(data, opts); err == nil {
			if prog, err := engine.Compile(sm); err == nil {
				ds = append(ds, prog.Unsupported()...)
			}
			ds = append(ds, aws.New(aws.Options{}).ResourceWarnings(sm)...)
		}
	}

	if asJSON {
		resp := validateResponse{Result: "OK", Diagnostics: ds}
		if !valid {
			resp.Result = "FAIL"
		}
		if resp.Diagnostics == nil {
			resp.Diagnostics = []diag.Diagnostic{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintf(stderr, "stepwise validate: writing result: %v\n", err)
			return 2
		}
	} else {
		errs, warns := 0, 0
		for _, d := range ds {
			if d.Severity == diag.SeverityError {
				errs++
			} else {
				warns++
			}
			fmt.Fprintf(stdout, "%s: %s\n", file, d)
		}
		if valid {
			fmt.Fprintf(stdout, "%s: valid (%s)\n", file, plural(warns, "warning"))
		} else {
			fmt.Fprintf(stdout, "%s: invalid (%s, %s)\n", file, plural(errs, "error"), plural(warns, "warning"))
		}
	}
	if !valid {
		return 1
	}
	return 0
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
