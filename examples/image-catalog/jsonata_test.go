package imagecatalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/stepwisetest"
)

// The JSONata variant (statemachine.jsonata.asl.json) runs the same test
// cases of mocks.json (its states have the same names) and must behave as
// the JSONPath machine does: the same outputs, the same service calls with
// the same parameters, the same events.

func runJSONata(t *testing.T, testCase string) *stepwisetest.Execution {
	t.Helper()
	m := stepwisetest.MustLoad(t, "statemachine.jsonata.asl.json")
	return m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", testCase))
}

func TestJSONataHappyPathCataloguesTheImage(t *testing.T) {
	ex := runJSONata(t, "HappyPath")
	assertCatalogued(t, ex)
	image := `{"Image":{"S3Object":{"Bucket":"image-catalog-ingestion-123456789012","Name":"harbour-cafe.jpeg"}}}`
	assert.Equal(t, []string{image}, scheduled(ex, moderate))
	// The branches read the image from the variable the first state
	// assigned; each gets the Parallel state's input, and a record state's
	// Output passes its input on, as ResultPath null does.
	ex.AssertStateInputJSON(t, "Detect text in image", 0, `{
		"bucket": "image-catalog-ingestion-123456789012", "key": "harbour-cafe.jpeg",
		"moderationResult": {"ModerationLabels": [], "ModerationModelVersion": "7.0"}}`)
	out, ok := ex.StateOutput("Record objects in database", 0)
	require.True(t, ok)
	in, ok := ex.StateInput("Record objects in database", 0)
	require.True(t, ok)
	assert.Equal(t, in, out)
}

func TestJSONataInappropriateImageNotifiesTheModerators(t *testing.T) {
	ex := runJSONata(t, "InappropriateImage")
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
	assert.Empty(t, scheduled(ex, updateItem), "a flagged image is not catalogued")
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ChoiceStateEntered", "ChoiceStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ExecutionSucceeded")
}

func TestJSONataMissingImageFailsTheExecution(t *testing.T) {
	ex := runJSONata(t, "ImageNotFound")
	ex.AssertFailed(t, "Rekognition.InvalidS3ObjectException")
	ex.AssertStatesVisited(t, "Check for inappropriate content")
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
		"ExecutionFailed")
}

func TestJSONataThrottledModerationIsRetried(t *testing.T) {
	ex := runJSONata(t, "ThrottledThenCatalogued")
	assertCatalogued(t, ex)
	assert.Len(t, scheduled(ex, moderate), 3, "two throttled calls and a third that answers")
	assert.Equal(t, 6*time.Second, ex.Duration())
}

func TestJSONataMissingTableFailsTheParallelState(t *testing.T) {
	ex := runJSONata(t, "CatalogTableMissing")
	ex.AssertFailed(t, "DynamoDB.ResourceNotFoundException")
	types := ex.EventTypes()
	assert.Equal(t, 1, count(types, "ParallelStateFailed"))
	assert.Equal(t, 0, count(types, "ParallelStateExited"))
}
