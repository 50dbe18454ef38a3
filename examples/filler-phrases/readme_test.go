package fillerphrases

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/examples/internal/readmetest"
)

// TestReadmeCommands runs the README's command lines from the repository
// root, as a reader would, and checks what they print.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/stepwise")
	}
	cmds := readmetest.Commands(t, "README.md")
	require.Len(t, cmds, 2, "the run line and the test line")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	sw := readmetest.Build(t, root)

	// stepwise run ... --test-case HappyPath prints the report the README
	// shows, whose count is the mocked Athena row's "14".
	c := cmds[0]
	require.Equal(t, "run", c.Args[0])
	assert.Contains(t, c.Args, "HappyPath")
	stdout, stderr, err := sw.Run(c.Args)
	require.NoError(t, err, "stderr: %s", stderr)
	require.NotEmpty(t, c.Output, "the README shows the run's output")
	got, err := value.DecodeString(stdout)
	require.NoError(t, err, "stdout: %s", stdout)
	shown, err := value.DecodeString(c.Output)
	require.NoError(t, err)
	assert.True(t, value.Equal(shown, got), "README shows\n%s\nthe command printed\n%s", c.Output, stdout)
	count, _ := got.(*value.Object).Get("FillerPhraseCount")
	assert.Equal(t, int64(14), count)

	// stepwise test ... --expect passes every case of mocks.json.
	c = cmds[1]
	require.Equal(t, "test", c.Args[0])
	stdout, stderr, err = sw.Run(c.Args)
	require.NoError(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	for _, name := range []string{"HappyPath", "SlowTranscription", "TranscriptionFailed", "QueryFailed"} {
		assert.Contains(t, stdout, "PASS  "+name)
	}
	assert.Contains(t, stdout, "4 passed, 0 failed")
}
