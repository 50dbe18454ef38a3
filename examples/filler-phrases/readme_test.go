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
	got := sw.CheckRun(t, cmds[0])
	count, _ := got.(*value.Object).Get("FillerPhraseCount")
	assert.Equal(t, int64(14), count)

	// stepwise test ... --expect passes every case of mocks.json.
	sw.CheckTest(t, cmds[1], "HappyPath", "SlowTranscription", "TranscriptionFailed", "QueryFailed")
}
