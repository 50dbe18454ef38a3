package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/diagram"
)

const graphUsage = `usage: stepwise graph FILE [flags]

Draws the state machine in FILE (JSON or YAML; - for standard input) as a
Graphviz dot or Mermaid graph: a node per state, edges for Next, Choice
rules, Default, Catch (dashed) and End, Parallel branches and Map item
processors as clusters.

flags:
  --format dot|mermaid    the output syntax (default: from --output's
                          extension, .mmd for Mermaid, else dot)
  --execution TRACE.json  draw an execution over the graph: states entered
                          in green, transitions taken in bold, the failed
                          state in red. TRACE is the output of
                          'stepwise run FILE --json --history' or a
                          GetExecutionHistory response
  --output FILE           write to FILE instead of standard output; .png,
                          .svg and .pdf are rendered with Graphviz's dot

Exit status: 0 drawn, 1 Graphviz is missing or failed, 2 usage error, invalid definition
or trace, or unreadable file.
`

// graphFlags are the parsed arguments of stepwise graph.
type graphFlags struct {
	file      string
	format    string
	execution string
	output    string
}

// parseGraphFlags accepts flags before and after the file name.
func parseGraphFlags(args []string) (*graphFlags, error) {
	f := &graphFlags{}
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.format, "format", "", "")
	fs.StringVar(&f.execution, "execution", "", "")
	fs.StringVar(&f.output, "output", "", "")
	file, err := parseFileAndFlags(fs, args)
	if err != nil {
		return nil, err
	}
	f.file = file

	return f, nil
}

// graphvizFormat is the Graphviz output format (-T) for --output, or "" when
// the file is written as text.
func graphvizFormat(output string) string {
	switch ext := strings.ToLower(filepath.Ext(output)); ext {
	case ".png", ".svg", ".pdf":
		return ext[1:]
	}
	return ""
}

func cmdGraph(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, graphUsage)
		return 0
	}
	f, err := parseGraphFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise graph: %v\n\n%s", err, graphUsage)
		return 2
	}
	image := graphvizFormat(f.output)
	format := diagram.Dot
	switch {
	case f.format != "":
		if format, err = diagram.ParseFormat(f.format); err != nil {
			fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
			return 2
		}
	case strings.EqualFold(filepath.Ext(f.output), ".mmd"):
		format = diagram.Mermaid
	}
	if image != "" && format != diagram.Dot {
		fmt.Fprintf(stderr, "stepwise graph: --output %s is rendered with Graphviz and needs --format dot; write Mermaid to a .mmd file\n", f.output)
		return 2
	}

	var def []byte
	if f.file == "-" {
		def, err = io.ReadAll(os.Stdin)
	} else {
		def, err = os.ReadFile(f.file)
	}
	if err != nil {
		fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
		return 2
	}
	opts := asl.Options{}
	switch {
	case strings.HasSuffix(f.file, ".yaml") || strings.HasSuffix(f.file, ".yml"):
		opts.Format = asl.FormatYAML
	case strings.HasSuffix(f.file, ".json"):
		opts.Format = asl.FormatJSON
	}
	sm, err := asl.ParseWithOptions(def, opts)
	if err != nil {
		var dl diag.List
		if errors.As(err, &dl) {
			fmt.Fprintf(stderr, "stepwise graph: %s: invalid definition (%s):\n", f.file, countNoun(len(dl), "problem"))
			for _, d := range dl {
				fmt.Fprintf(stderr, "  %s\n", d)
			}
		} else {
			fmt.Fprintf(stderr, "stepwise graph: %s: invalid definition: %v\n", f.file, err)
		}
		return 2
	}

	ropts := diagram.Options{Format: format}
	if f.execution != "" {
		data, err := os.ReadFile(f.execution)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
			return 2
		}
		tr, err := diagram.ParseTrace(data)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise graph: %s: %v\n", f.execution, err)
			return 2
		}
		if h := diagram.Analyze(sm, tr); len(h.Unknown) > 0 {
			fmt.Fprintf(stderr, "stepwise graph: warning: %s names states the definition lacks (%s); is it an execution of %s?\n",
				f.execution, strings.Join(h.Unknown, ", "), f.file)
		}
		ropts.Trace = tr
	}
	text, err := diagram.Render(sm, ropts)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
		return 2
	}

	switch {
	case image != "":
		return runGraphviz(ctx, text, image, f.output, stderr)
	case f.output != "":
		if err := os.WriteFile(f.output, []byte(text), 0o644); err != nil {
			fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
			return 2
		}
	default:
		if _, err := io.WriteString(stdout, text); err != nil {
			fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
			return 1
		}
	}
	return 0
}

// runGraphviz renders dot text to an image file with Graphviz's dot.
func runGraphviz(ctx context.Context, text, format, output string, stderr io.Writer) int {
	dot, err := exec.LookPath("dot")
	if err != nil {
		fmt.Fprintf(stderr, "stepwise graph: Graphviz's dot command is not installed, so %s cannot be rendered.\n"+
			"Install it (for example: apt-get install graphviz), or write the graph as text with\n"+
			"--format dot (or --output FILE.dot) and render it elsewhere.\n", output)
		return 1
	}
	cmd := exec.CommandContext(ctx, dot, "-T"+format, "-o", output)
	cmd.Stdin = strings.NewReader(text)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(stderr, "stepwise graph: dot -T%s failed: %v\n%s", format, err, errBuf.String())
		return 1
	}
	return 0
}
