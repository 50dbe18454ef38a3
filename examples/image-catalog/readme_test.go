package imagecatalog

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
)

// readmeCommand is a `go run ./cmd/stepwise ...` line of README.md, with the
// block of output the README shows after it (if any).
type readmeCommand struct {
	args   []string // after "go run ./cmd/stepwise"
	output string   // the next ```json block, if before the next command
}

// readmeCommands reads the stepwise command lines of README.md.
func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	const prefix = "go run ./cmd/stepwise "
	var cmds []readmeCommand
	var inJSON bool
	var block []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, prefix):
			require.NotContains(t, line, `'`, "README command lines are split on spaces; no quoting")
			require.NotContains(t, line, `"`, "README command lines are split on spaces; no quoting")
			cmds = append(cmds, readmeCommand{args: strings.Fields(strings.TrimPrefix(line, prefix))})
		case line == "```json" && len(cmds) > 0 && cmds[len(cmds)-1].output == "":
			inJSON, block = true, nil
		case inJSON && line == "```":
			inJSON = false
			cmds[len(cmds)-1].output = strings.Join(block, "\n")
		case inJSON:
			block = append(block, line)
		}
	}
	return cmds
}

// buildStepwise builds cmd/stepwise into a temporary directory.
func buildStepwise(t *testing.T, root string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "stepwise")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/stepwise")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/stepwise: %s", out)
	return bin
}

// TestReadmeCommands runs the README's command lines from the repository
// root, as a reader would, and checks what they print.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/stepwise")
	}
	cmds := readmeCommands(t)
	require.Len(t, cmds, 2, "the run line and the test line")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := buildStepwise(t, root)

	run := func(args []string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	// stepwise run ... --test-case HappyPath prints the output the README
	// shows: the mocked labels' names and the LINE text detection.
	c := cmds[0]
	require.Equal(t, "run", c.args[0])
	assert.Contains(t, c.args, "HappyPath")
	stdout, stderr, err := run(c.args)
	require.NoError(t, err, "stderr: %s", stderr)
	require.NotEmpty(t, c.output, "the README shows the run's output")
	got, err := value.DecodeString(stdout)
	require.NoError(t, err, "stdout: %s", stdout)
	shown, err := value.DecodeString(c.output)
	require.NoError(t, err)
	assert.True(t, value.Equal(shown, got), "README shows\n%s\nthe command printed\n%s", c.output, stdout)
	catalog, _ := got.(*value.Object).Get("catalog")
	assert.Equal(t, `{"objects":["Cup","Harbor"],"text":["HARBOUR CAFE"]}`, value.EncodeString(catalog))

	// stepwise test ... --expect passes every case of mocks.json.
	c = cmds[1]
	require.Equal(t, "test", c.args[0])
	stdout, stderr, err = run(c.args)
	require.NoError(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	for _, name := range []string{"HappyPath", "InappropriateImage", "ImageNotFound", "ThrottledThenCatalogued", "CatalogTableMissing"} {
		assert.Contains(t, stdout, "PASS  "+name)
	}
	assert.Contains(t, stdout, "5 passed, 0 failed")
}
