package stepwisetest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/stepwisetest"
)

const readsJSON = `{"StartAt":"M","States":{"M":{"Type":"Map",
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"Double","States":{"Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}}},
	"End":true}}}`

func TestObjects(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bkt"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "bkt", "items.json"), []byte(`[1,2,3]`), 0o644))
	m := stepwisetest.MustParse(t, []byte(readsJSON))
	double := stepwisetest.Func("Double", stepwisetest.Typed(func(_ context.Context, n int) (int, error) { return 2 * n, nil }))

	ex := m.Run(t, `{}`, stepwisetest.Objects(items.Dir{Root: root}), double)
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `[2,4,6]`)
	ex.AssertEventTypes(t, "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
		"MapStateSucceeded", "MapStateExited", "ExecutionSucceeded")

	// Without Objects the Map fails, saying how to give one.
	ex = m.Run(t, `{}`, double)
	ex.AssertFailed(t, fault.Runtime)
	require.Contains(t, ex.Cause, "stepwisetest.Objects")
}
