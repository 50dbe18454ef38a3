package orderbatches

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/examples/internal/readmetest"
)

// TestReadmeCommands runs this example's README command lines from the
// repository root, as a reader would, and checks what they print.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/stepwise")
	}
	cmds := readmetest.Commands(t, "README.md")
	require.Len(t, cmds, 2, "the run line and the test line")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	sw := readmetest.Build(t, root)
	sw.CheckRun(t, cmds[0])
	sw.CheckTest(t, cmds[1], "HappyPath", "OneBatchFails", "TwoBatchesFail", "MockedOrders")
}
