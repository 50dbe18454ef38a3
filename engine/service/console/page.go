package console

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// Page is one execution for WritePage: a local simulation (stepwise run).
type Page struct {
	Machine          *asl.StateMachine
	StateMachineName string
	ExecutionName    string
	Region           string // "" : engine.DefaultRegion
	AccountID        string // "" : engine.DefaultAccountID
	Input            any    // the execution's input (a value.Value)
	// Result is how the run ended; its Events are the history (run with
	// Options.DiscardEvents false).
	Result *engine.Result
	// Steps are the run's traced steps (Options.Tracer), in any order.
	Steps []*engine.Step
}

// pageData is what the page's script reads: the execution view as the
// live console's API would answer it, the history and every visit.
type pageData struct {
	View   executionPageView `json:"view"`
	Events []json.RawMessage `json:"events"`
	Visits []Visit           `json:"visits"`
}

type executionPageView struct {
	Execution pageExecution `json:"execution"`
	GraphKey  string        `json:"graphKey"`
	Graph     *Graph        `json:"graph"`
	Summary   *Summary      `json:"summary"`
	Traced    bool          `json:"traced"`
}

type pageExecution struct {
	ExecutionArn    string  `json:"executionArn"`
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Status          string  `json:"status"`
	StartDate       float64 `json:"startDate"`
	StopDate        float64 `json:"stopDate,omitempty"`
	Input           string  `json:"input"`
	Output          *string `json:"output,omitempty"`
	Error           string  `json:"error,omitempty"`
	Cause           string  `json:"cause,omitempty"`
}

// WritePage writes the execution view of one run as a single HTML file
// that opens with no server: the styles, dagre, the console's script and
// the data are inline, and a Content-Security-Policy allows exactly those
// inline script and style blocks (by hash) and nothing else.
func WritePage(w io.Writer, p Page) error {
	if p.Machine == nil || p.Result == nil {
		return errors.New("console: a page needs the state machine and the result")
	}
	region, account := p.Region, p.AccountID
	if region == "" {
		region = engine.DefaultRegion
	}
	if account == "" {
		account = engine.DefaultAccountID
	}
	res := p.Result
	ex := pageExecution{
		ExecutionArn:    fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", region, account, p.StateMachineName, p.ExecutionName),
		StateMachineArn: fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, p.StateMachineName),
		Name:            p.ExecutionName, Status: res.Status, Input: value.EncodeString(p.Input),
		StartDate: float64(res.StartTime.UnixMilli()) / 1000, Error: res.Error, Cause: res.Cause,
	}
	if !res.StopTime.IsZero() {
		ex.StopDate = float64(res.StopTime.UnixMilli()) / 1000
	}
	if res.Status == engine.StatusSucceeded {
		out := value.EncodeString(res.Output)
		ex.Output = &out
	}
	d := pageData{Events: []json.RawMessage{}, Visits: []Visit{}}
	sum := NewSummary()
	for _, e := range res.Events {
		data, err := e.MarshalJSON()
		if err != nil {
			return fmt.Errorf("console: encoding event %d: %w", e.ID, err)
		}
		d.Events = append(d.Events, data)
		sum.Add(data)
	}
	sum.Finish(res.Status)
	steps := slices.Clone(p.Steps)
	slices.SortStableFunc(steps, func(a, b *engine.Step) int { return a.Seq - b.Seq })
	for _, s := range steps {
		d.Visits = append(d.Visits, VisitOf(s, 0))
	}
	d.View = executionPageView{Execution: ex, GraphKey: "page", Graph: BuildGraph(p.Machine), Summary: sum, Traced: len(steps) > 0}
	data, err := json.Marshal(d) // escapes <, > and &: the data cannot close its script element
	if err != nil {
		return fmt.Errorf("console: encoding the page data: %w", err)
	}

	css, err := fs.ReadFile(assets, "assets/console.css")
	if err != nil {
		return err
	}
	dagre, err := fs.ReadFile(assets, "assets/vendor/dagre.min.js")
	if err != nil {
		return err
	}
	script, err := fs.ReadFile(assets, "assets/console.js")
	if err != nil {
		return err
	}
	policy := "default-src 'none'; script-src " + cspHash(dagre) + " " + cspHash(script) +
		"; style-src " + cspHash(css) + "; img-src data:; base-uri 'none'; form-action 'none'"
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="` + html.EscapeString(policy) + "\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<title>" + html.EscapeString(p.StateMachineName+" · "+p.ExecutionName) + " · Stepwise</title>\n")
	b.WriteString("<style>")
	b.Write(css)
	b.WriteString("</style>\n</head>\n<body>\n")
	b.WriteString("<header class=\"top\"><span class=\"brand\">Stepwise</span><nav id=\"crumbs\"></nav></header>\n")
	b.WriteString("<main id=\"app\"></main>\n")
	b.WriteString("<script type=\"application/json\" id=\"stepwise-data\">")
	b.Write(data)
	b.WriteString("</script>\n<script>")
	b.Write(dagre)
	b.WriteString("</script>\n<script>")
	b.Write(script)
	b.WriteString("</script>\n</body>\n</html>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// cspHash is the CSP source of an inline block: 'sha256-<base64>'.
func cspHash(content []byte) string {
	sum := sha256.Sum256(content)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
