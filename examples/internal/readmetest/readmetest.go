// Package readmetest runs the `go run ./cmd/stepwise ...` lines of an
// example's README.md, so that the tests of each example can check that
// what the README tells a reader to type works and prints what it shows.
package readmetest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stretchr/testify/require"
)

// Command is a `go run ./cmd/stepwise ...` line of a README, with the block
// of output the README shows after it (if any).
type Command struct {
	Args   []string // after "go run ./cmd/stepwise"
	Output string   // the next ```json block, if before the next command
}

// Commands reads the stepwise command lines of the README at path.
func Commands(t testing.TB, path string) []Command {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	const prefix = "go run ./cmd/stepwise "
	var cmds []Command
	var inJSON bool
	var block []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, prefix):
			require.NotContains(t, line, `'`, "README command lines are split on spaces; no quoting")
			require.NotContains(t, line, `"`, "README command lines are split on spaces; no quoting")
			cmds = append(cmds, Command{Args: strings.Fields(strings.TrimPrefix(line, prefix))})
		case line == "```json" && len(cmds) > 0 && cmds[len(cmds)-1].Output == "":
			inJSON, block = true, nil
		case inJSON && line == "```":
			inJSON = false
			cmds[len(cmds)-1].Output = strings.Join(block, "\n")
		case inJSON:
			block = append(block, line)
		}
	}
	return cmds
}

// Stepwise is the stepwise binary built from a repository, run from its
// root as a reader of the README would.
type Stepwise struct {
	Bin  string
	Root string
}

// Build builds cmd/stepwise of the repository at root into a temporary
// directory.
func Build(t testing.TB, root string) *Stepwise {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is not on PATH")
	bin := filepath.Join(t.TempDir(), "stepwise")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/stepwise")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/stepwise: %s", out)
	return &Stepwise{Bin: bin, Root: root}
}

// Run runs the binary with args from the repository root.
func (s *Stepwise) Run(args []string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(s.Bin, args...)
	cmd.Dir = s.Root
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// CheckRun runs c, a `run` line naming the HappyPath test case, requires
// what it prints to equal the JSON the README shows after it, and returns
// that output.
func (s *Stepwise) CheckRun(t testing.TB, c Command) any {
	t.Helper()
	require.Equal(t, "run", c.Args[0])
	require.Contains(t, c.Args, "HappyPath")
	stdout, stderr, err := s.Run(c.Args)
	require.NoError(t, err, "stderr: %s", stderr)
	require.NotEmpty(t, c.Output, "the README shows the run's output")
	got, err := value.DecodeString(stdout)
	require.NoError(t, err, "stdout: %s", stdout)
	shown, err := value.DecodeString(c.Output)
	require.NoError(t, err)
	require.True(t, value.Equal(shown, got), "README shows\n%s\nthe command printed\n%s", c.Output, stdout)
	return got
}

// CheckTest runs c, a `test` line, and requires it to pass each of cases
// and nothing else to fail.
func (s *Stepwise) CheckTest(t testing.TB, c Command, cases ...string) {
	t.Helper()
	require.Equal(t, "test", c.Args[0])
	stdout, stderr, err := s.Run(c.Args)
	require.NoError(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	for _, name := range cases {
		require.Contains(t, stdout, "PASS  "+name)
	}
	require.Contains(t, stdout, fmt.Sprintf("%d passed, 0 failed", len(cases)))
}
