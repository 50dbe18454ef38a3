// Package imagecatalog tests the serverless image catalog example workflow
// (Rekognition moderation, a Choice, SNS, a Parallel of Rekognition and
// DynamoDB calls) with the mocked test cases of its mocks.json, through the
// stepwisetest API; dynamodb_test.go runs it against a local DynamoDB.
package imagecatalog

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/stepwisetest"
)

const (
	moderate   = "aws-sdk:rekognition:detectModerationLabels"
	labels     = "aws-sdk:rekognition:detectLabels"
	text       = "aws-sdk:rekognition:detectText"
	updateItem = "dynamodb:updateItem"
	publish    = "sns:publish"
)

// The DynamoDB attributes the branches write: the Labels and TextDetections
// of mocks.json's HarbourCafeLabels and HarbourCafeText, as
// States.JsonToString writes them (compact, members in order).
const (
	wantObjects = `[{"Name":"Cup","Confidence":99.5,"Parents":[]},{"Name":"Harbor","Confidence":93.25,"Parents":[{"Name":"Water"}]}]`
	wantText    = `[{"DetectedText":"HARBOUR CAFE","Type":"LINE","Id":0,"Confidence":99.25},` +
		`{"DetectedText":"HARBOUR","Type":"WORD","Id":1,"ParentId":0,"Confidence":99.5},` +
		`{"DetectedText":"CAFE","Type":"WORD","Id":2,"ParentId":0,"Confidence":99}]`
)

// The output of an image that is catalogued: the input, the moderation
// result (no labels), and what the Parallel state's ResultSelector picked:
// every label name, and the LINE text detections (not the WORDs).
const wantCatalogued = `{
	"bucket": "image-catalog-ingestion-123456789012",
	"key": "harbour-cafe.jpeg",
	"moderationResult": {"ModerationLabels": [], "ModerationModelVersion": "7.0"},
	"catalog": {"objects": ["Cup", "Harbor"], "text": ["HARBOUR CAFE"]}}`

func loadInput(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("input.json")
	require.NoError(t, err)
	return string(data)
}

func run(t *testing.T, testCase string) *stepwisetest.Execution {
	t.Helper()
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	return m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", testCase))
}

// scheduled returns the parameters of each TaskScheduled event for resource
// ("aws-sdk:rekognition:detectText", "dynamodb:updateItem": the event's
// resourceType and resource), as JSON text, in order.
func scheduled(ex *stepwisetest.Execution, resource string) []string {
	var params []string
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.TaskScheduledEventDetails); ok && d.ResourceType+":"+d.Resource == resource {
			params = append(params, d.Parameters.String())
		}
	}
	return params
}

func count(l []string, s string) int {
	n := 0
	for _, e := range l {
		if e == s {
			n++
		}
	}
	return n
}

// assertCatalogued checks a run that took the Parallel path.
func assertCatalogued(t *testing.T, ex *stepwisetest.Execution) {
	t.Helper()
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, wantCatalogued)

	visited := ex.StatesVisited()
	require.GreaterOrEqual(t, len(visited), 3)
	assert.Equal(t, []string{"Check for inappropriate content", "Inappropriate content detected?", "Process image"}, visited[:3])
	// The branches run concurrently: their states interleave in any order.
	assert.ElementsMatch(t, []string{"Detect objects in image", "Record objects in database", "Detect text in image", "Record text in database"}, visited[3:])

	image := `{"Image":{"S3Object":{"Bucket":"image-catalog-ingestion-123456789012","Name":"harbour-cafe.jpeg"}}}`
	assert.Equal(t, []string{image}, scheduled(ex, labels))
	assert.Equal(t, []string{image}, scheduled(ex, text))
	assert.ElementsMatch(t, []string{
		`{"TableName":"ImageCatalog","Key":{"Id":{"S":"harbour-cafe.jpeg"}},"UpdateExpression":"set detectedObjects=:o","ExpressionAttributeValues":{":o":{"S":` + quote(wantObjects) + `}}}`,
		`{"TableName":"ImageCatalog","Key":{"Id":{"S":"harbour-cafe.jpeg"}},"UpdateExpression":"set detectedText=:t","ExpressionAttributeValues":{":t":{"S":` + quote(wantText) + `}}}`,
	}, scheduled(ex, updateItem))
	assert.Empty(t, scheduled(ex, publish), "nobody is notified about an appropriate image")

	types := ex.EventTypes()
	for _, typ := range []string{"ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateExited"} {
		assert.Equal(t, 1, count(types, typ), typ)
	}
	assert.Equal(t, 5, count(types, "TaskSucceeded"), "the moderation check, then two Rekognition and two DynamoDB calls in the branches")
}

func TestHappyPathCataloguesTheImage(t *testing.T) {
	ex := run(t, "HappyPath")
	assertCatalogued(t, ex)
	image := `{"Image":{"S3Object":{"Bucket":"image-catalog-ingestion-123456789012","Name":"harbour-cafe.jpeg"}}}`
	assert.Equal(t, []string{image}, scheduled(ex, moderate))
	// Each branch gets the Parallel state's input, and its updateItem's
	// ResultPath null leaves the branch's output as the detection's.
	ex.AssertStateInputJSON(t, "Detect text in image", 0, `{
		"bucket": "image-catalog-ingestion-123456789012", "key": "harbour-cafe.jpeg",
		"moderationResult": {"ModerationLabels": [], "ModerationModelVersion": "7.0"}}`)
	out, ok := ex.StateOutput("Record objects in database", 0)
	require.True(t, ok)
	in, ok := ex.StateInput("Record objects in database", 0)
	require.True(t, ok)
	assert.Equal(t, in, out)
	assert.Equal(t, time.Duration(0), ex.Duration())
}

func TestInappropriateImageNotifiesTheModerators(t *testing.T) {
	ex := run(t, "InappropriateImage")

	ex.AssertSucceeded(t)
	ex.AssertStatesVisited(t, "Check for inappropriate content", "Inappropriate content detected?", "Notify content moderators")
	ex.AssertOutputJSON(t, `{
		"bucket": "image-catalog-ingestion-123456789012",
		"key": "harbour-cafe.jpeg",
		"moderationResult": {"ModerationLabels": [
			{"Confidence": 91.5, "Name": "Drinking", "ParentName": "Alcohol", "TaxonomyLevel": 2},
			{"Confidence": 91.5, "Name": "Alcohol", "ParentName": "", "TaxonomyLevel": 1}],
			"ModerationModelVersion": "7.0"},
		"notification": {"MessageId": "3f8e2b71-6c4d-5a9e-b1f0-7d2c8e4a6b19"}}`)
	labelsJSON := `[{"Confidence":91.5,"Name":"Drinking","ParentName":"Alcohol","TaxonomyLevel":2},{"Confidence":91.5,"Name":"Alcohol","ParentName":"","TaxonomyLevel":1}]`
	assert.Equal(t, []string{`{"TopicArn":"arn:aws:sns:us-east-1:123456789012:image-catalog-moderation",` +
		`"Subject":"Image flagged for manual moderation",` +
		`"Message":` + quote("The image s3://image-catalog-ingestion-123456789012/harbour-cafe.jpeg was flagged by Amazon Rekognition: "+labelsJSON) + `}`},
		scheduled(ex, publish))
	assert.Empty(t, scheduled(ex, labels))
	assert.Empty(t, scheduled(ex, updateItem), "a flagged image is not catalogued")
	assert.Equal(t, 0, count(ex.EventTypes(), "ParallelStateEntered"))
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ChoiceStateEntered", "ChoiceStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ExecutionSucceeded")
}

// An image that is not in the bucket: Rekognition's
// InvalidS3ObjectException is not retried and not caught.
func TestMissingImageFailsTheExecution(t *testing.T) {
	ex := run(t, "ImageNotFound")

	ex.AssertFailed(t, "Rekognition.InvalidS3ObjectException")
	ex.AssertCause(t, "Unable to get object metadata from S3. Check object key, region and/or access permissions. (Service: Rekognition, Status Code: 400, Request ID: 5d3f1c2a-8b4e-4f6a-9c7d-2e1b0a9f8c7d)")
	ex.AssertStatesVisited(t, "Check for inappropriate content")
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
		"ExecutionFailed")
}

// Throttling is retried: 2s, then 4s (IntervalSeconds 2, BackoffRate 2).
func TestThrottledModerationIsRetried(t *testing.T) {
	ex := run(t, "ThrottledThenCatalogued")

	assertCatalogued(t, ex)
	assert.Len(t, scheduled(ex, moderate), 3, "two throttled calls and a third that answers")
	assert.Equal(t, 2, count(ex.EventTypes(), "TaskFailed"))
	assert.Equal(t, 6*time.Second, ex.Duration())
	assert.Equal(t, "Check for inappropriate content", ex.StatesVisited()[0])
	assert.Equal(t, 1, count(ex.StatesVisited(), "Check for inappropriate content"), "retries stay in the state")
}

// A branch's failure fails the Parallel state, and with it the execution.
func TestMissingTableFailsTheParallelState(t *testing.T) {
	ex := run(t, "CatalogTableMissing")

	ex.AssertFailed(t, "DynamoDB.ResourceNotFoundException")
	ex.AssertCause(t, "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: 8VQ6T2LJ0S3M5N7P9R1U4W6Y8A0C2E4G6I8K0M2O4Q6S8U0W2Y4; Proxy: null)")
	types := ex.EventTypes()
	assert.Equal(t, 1, count(types, "ParallelStateFailed"))
	assert.Equal(t, 0, count(types, "ParallelStateExited"))
	assert.Equal(t, "ExecutionFailed", types[len(types)-1])
	_, exited := ex.StateOutput("Process image", 0)
	assert.False(t, exited)
}

// quote is s as a JSON string.
func quote(s string) string { return value.EncodeString(s) }
