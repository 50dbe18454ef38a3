package imagecatalog

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

	// stepwise run ... --test-case HappyPath prints the output the README
	// shows: the mocked labels' names and the LINE text detection.
	got := sw.CheckRun(t, cmds[0])
	catalog, _ := got.(*value.Object).Get("catalog")
	assert.Equal(t, `{"objects":["Cup","Harbor"],"text":["HARBOUR CAFE"]}`, value.EncodeString(catalog))

	// stepwise test ... --expect passes every case of mocks.json.
	sw.CheckTest(t, cmds[1], "HappyPath", "InappropriateImage", "ImageNotFound", "ThrottledThenCatalogued", "CatalogTableMissing")
}
