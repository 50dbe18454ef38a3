// Package orderbatches tests the order-batches example: a Distributed Map
// reading a CSV from a directory standing in for S3, in batches, with its
// results written back by a ResultWriter.
package orderbatches

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/stepwisetest"
)

const input = `{"bucket":"orders-in","key":"orders.csv","currency":"EUR"}`

// testS3 copies the example's s3 directory into a temporary one, so that
// what the ResultWriter writes stays out of the repository.
func testS3(t *testing.T) items.Dir {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.CopyFS(root, os.DirFS("s3")))
	return items.Dir{Root: root}
}

// charges is a Go function standing in for the charging Lambda: it
// records each batch it is called with and charges every order.
type charges struct {
	mu      sync.Mutex
	batches [][]string
}

func (c *charges) charge(_ context.Context, in string) (string, error) {
	var call struct {
		Payload struct {
			Currency string `json:"currency"`
			Orders   []struct {
				OrderID string  `json:"orderId"`
				Total   float64 `json:"total"`
			} `json:"orders"`
		}
	}
	if err := json.Unmarshal([]byte(in), &call); err != nil {
		return "", err
	}
	req := call.Payload
	var ids []string
	sum := 0.0
	for _, o := range req.Orders {
		ids = append(ids, o.OrderID)
		sum += o.Total
	}
	c.mu.Lock()
	c.batches = append(c.batches, ids)
	c.mu.Unlock()
	out, err := json.Marshal(map[string]any{"StatusCode": 200, "Payload": map[string]any{"charged": len(ids), "amount": sum, "currency": req.Currency}})
	return string(out), err
}

func TestChargesEveryOrderInBatchesOfThree(t *testing.T) {
	objs := testS3(t)
	c := &charges{}
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, input, stepwisetest.Objects(objs), stepwisetest.Func("Charge Batch", stepwisetest.JSON(c.charge)))
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"orders":"s3://orders-in/orders.csv","resultsBucket":"order-results"}`)
	ex.AssertEventTypes(t, "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
		"MapStateSucceeded", "MapStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded")
	assert.ElementsMatch(t, [][]string{{"o-1001", "o-1002", "o-1003"}, {"o-1004", "o-1005", "o-1006"}, {"o-1007"}}, c.batches)

	// The Map's result, before the Report state, names the manifest; the
	// result files hold each batch's output.
	out, ok := ex.StateOutput("Charge Orders", 0)
	require.True(t, ok)
	details, _ := out.(*value.Object).Get("charges")
	key, _ := details.(*value.Object).Get("ResultWriterDetails")
	manifestKey, _ := key.(*value.Object).Get("Key")
	require.True(t, strings.HasPrefix(manifestKey.(string), "charges/"), manifestKey)
	manifest := read(t, objs, "order-results", manifestKey.(string))
	assert.Contains(t, manifest, `"DestinationBucket":"order-results"`)
	succeeded := read(t, objs, "order-results", strings.TrimSuffix(manifestKey.(string), "manifest.json")+"SUCCEEDED_0.json")
	assert.Contains(t, succeeded, `\"charged\":3`)
	assert.Contains(t, succeeded, `\"charged\":1`)
	assert.Contains(t, succeeded, `\"amount\":99.95`)
}

func TestMockCases(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	for _, c := range []struct {
		name, output, errName string
	}{
		{"HappyPath", `{"orders":"s3://orders-in/orders.csv","resultsBucket":"order-results"}`, ""},
		{"OneBatchFails", `{"orders":"s3://orders-in/orders.csv","resultsBucket":"order-results"}`, ""},
		{"TwoBatchesFail", "", "ChargingFailed"},
		{"MockedOrders", `{"orders":"s3://orders-in/orders.csv","resultsBucket":"order-results"}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs := testS3(t)
			ex := m.Run(t, input, stepwisetest.MockCase("mocks.json", c.name), stepwisetest.Objects(objs))
			if c.errName != "" {
				ex.AssertFailed(t, c.errName)
				return
			}
			ex.AssertSucceeded(t)
			ex.AssertOutputJSON(t, c.output)
		})
	}
}

// The MockedOrders test case mocks the Map state itself: its ItemReader
// reads nothing, the two mocked orders are the items (one batch).
func TestMockedItemReader(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	objs := testS3(t)
	require.NoError(t, os.Remove(filepath.Join(objs.Root, "orders-in", "orders.csv")))
	ex := m.Run(t, input, stepwisetest.MockCase("mocks.json", "MockedOrders"), stepwisetest.Objects(objs))
	ex.AssertSucceeded(t)
}

func read(t *testing.T, objs items.Objects, bucket, key string) string {
	t.Helper()
	rc, err := objs.Open(context.Background(), bucket, key, "")
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}
