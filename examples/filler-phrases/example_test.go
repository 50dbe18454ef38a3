// Package fillerphrases tests the filler-phrase counter example workflow
// (Transcribe, a polling loop, Athena) with the mocked test cases of its
// mocks.json, through the stepwisetest API.
package fillerphrases

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/stepwisetest"
)

const (
	startJob     = "aws-sdk:transcribe:startTranscriptionJob"
	getJob       = "aws-sdk:transcribe:getTranscriptionJob"
	startQuery   = "athena:startQueryExecution.sync"
	queryResults = "athena:getQueryResults"
)

func loadInput(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("input.json")
	require.NoError(t, err)
	return string(data)
}

func run(t *testing.T, testCase string, opts ...stepwisetest.Option) *stepwisetest.Execution {
	t.Helper()
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	return m.Run(t, loadInput(t), append([]stepwisetest.Option{stepwisetest.MockCase("mocks.json", testCase)}, opts...)...)
}

// scheduled returns the parameters (the effective input) of each TaskScheduled
// event for resource, as JSON text, in order. The history names a resource
// as Step Functions does: resourceType "aws-sdk:transcribe" or "athena", and
// resource "getTranscriptionJob" or "startQueryExecution.sync".
func scheduled(ex *stepwisetest.Execution, resource string) []string {
	var params []string
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.TaskScheduledEventDetails); ok && d.ResourceType+":"+d.Resource == resource {
			params = append(params, d.Parameters.String())
		}
	}
	return params
}

// waits returns how long each Wait state lasted, by its entered and exited
// events.
func waits(ex *stepwisetest.Execution) []time.Duration {
	var out []time.Duration
	var entered time.Time
	for _, e := range ex.Events {
		switch e.Type {
		case "WaitStateEntered":
			entered = e.Timestamp
		case "WaitStateExited":
			out = append(out, e.Timestamp.Sub(entered))
		}
	}
	return out
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

func TestHappyPathCountsTheFillerPhrase(t *testing.T) {
	ex := run(t, "HappyPath")

	ex.AssertSucceeded(t)
	// FillerPhraseCount is Athena's VarCharValue "14" turned into a number
	// by States.StringToJson; LanguageCode is what Transcribe identified.
	ex.AssertOutputJSON(t, `{
		"MediaFileUri": "s3://bucket-012345678901-us-east-2-you-know-media/Podcast_Episode.m4a",
		"TranscriptionJobName": "Podcast_Episode.m4a",
		"LanguageCode": "en-US",
		"QueryExecutionId": "8f3c2a1e-5b7d-4e2f-9a61-0c4d7e9b1f23",
		"FillerPhraseCount": 14}`)
	ex.AssertStatesVisited(t, "StartTranscriptionJob", "Wait", "GetTranscriptionJob", "TranscriptionJobStatus",
		"AthenaStartQueryExecutionUsingPreparedStatement", "AthenaGetQueryResults", "QueryExecutionSuccess")
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"WaitStateEntered", "WaitStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ChoiceStateEntered", "ChoiceStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", // .sync
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"PassStateEntered", "PassStateExited",
		"ExecutionSucceeded")

	// The requests, built from the EventBridge event and the job.
	assert.Equal(t, []string{`{"Media":{"MediaFileUri":"s3://bucket-012345678901-us-east-2-you-know-media/Podcast_Episode.m4a"},` +
		`"TranscriptionJobName":"Podcast_Episode.m4a","IdentifyLanguage":true,"OutputBucketName":"bucket-012345678901-us-east-2-you-know-results"}`},
		scheduled(ex, startJob))
	assert.Equal(t, []string{`{"TranscriptionJobName":"Podcast_Episode.m4a"}`}, scheduled(ex, getJob))
	assert.Equal(t, []string{`{"QueryString":"EXECUTE you_know_count","ExecutionParameters":["'Podcast_Episode.m4a'"],"WorkGroup":"primary",` +
		`"QueryExecutionContext":{"Catalog":"AwsDataCatalog","Database":"you_know"},` +
		`"ResultConfiguration":{"OutputLocation":"s3://bucket-012345678901-us-east-2-you-know-athena-results/"}}`},
		scheduled(ex, startQuery))
	assert.Equal(t, []string{`{"QueryExecutionId":"8f3c2a1e-5b7d-4e2f-9a61-0c4d7e9b1f23","MaxResults":2}`}, scheduled(ex, queryResults))

	// ResultSelector and ResultPath keep the query's id, state and count
	// beside the transcription job.
	out, ok := ex.StateOutput("AthenaGetQueryResults", 0)
	require.True(t, ok)
	query, _ := out.(*value.Object).Get("Query")
	assert.Equal(t, `{"QueryExecutionId":"8f3c2a1e-5b7d-4e2f-9a61-0c4d7e9b1f23","State":"SUCCEEDED","Result":{"Column":"item_count","ItemCount":"14"}}`,
		value.EncodeString(query))

	assert.Equal(t, []time.Duration{60 * time.Second}, waits(ex))
	assert.Equal(t, 60*time.Second, ex.Duration(), "one Wait; the tasks take no virtual time")
}

// The job is QUEUED, then IN_PROGRESS twice, then COMPLETED: the loop
// waits four times before the query runs.
func TestPollingLoopWaitsUntilTheJobCompletes(t *testing.T) {
	ex := run(t, "SlowTranscription")

	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{
		"MediaFileUri": "s3://bucket-012345678901-us-east-2-you-know-media/Podcast_Episode.m4a",
		"TranscriptionJobName": "Podcast_Episode.m4a",
		"LanguageCode": "en-GB",
		"QueryExecutionId": "8f3c2a1e-5b7d-4e2f-9a61-0c4d7e9b1f23",
		"FillerPhraseCount": 14}`)
	poll := []string{"Wait", "GetTranscriptionJob", "TranscriptionJobStatus"}
	var want []string
	want = append(want, "StartTranscriptionJob")
	for range 4 {
		want = append(want, poll...)
	}
	want = append(want, "AthenaStartQueryExecutionUsingPreparedStatement", "AthenaGetQueryResults", "QueryExecutionSuccess")
	ex.AssertStatesVisited(t, want...)

	var statuses []string
	for n := 0; ; n++ {
		out, ok := ex.StateOutput("GetTranscriptionJob", n)
		if !ok {
			break
		}
		job, _ := out.(*value.Object).Get("TranscriptionJob")
		status, _ := job.(*value.Object).Get("TranscriptionJobStatus")
		statuses = append(statuses, status.(string))
	}
	assert.Equal(t, []string{"QUEUED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"}, statuses)
	// Every poll asks for the same job, whose name the previous response carried.
	assert.Equal(t, []string{
		`{"TranscriptionJobName":"Podcast_Episode.m4a"}`, `{"TranscriptionJobName":"Podcast_Episode.m4a"}`,
		`{"TranscriptionJobName":"Podcast_Episode.m4a"}`, `{"TranscriptionJobName":"Podcast_Episode.m4a"}`,
	}, scheduled(ex, getJob))
	assert.Len(t, scheduled(ex, startQuery), 1, "the query runs once, after COMPLETED")
	assert.Equal(t, []time.Duration{time.Minute, time.Minute, time.Minute, time.Minute}, waits(ex))
	assert.Equal(t, 4*time.Minute, ex.Duration())
	assert.Equal(t, 4, count(ex.EventTypes(), "ChoiceStateExited"))
}

func TestFailedTranscriptionFailsTheExecution(t *testing.T) {
	ex := run(t, "TranscriptionFailed")

	ex.AssertFailed(t, "TranscriptionJobFailed")
	// CausePath takes the cause from the job's FailureReason.
	ex.AssertCause(t, "The media format that you specified doesn't match the detected media format. Check the media format and try your request again.")
	ex.AssertStatesVisited(t, "StartTranscriptionJob",
		"Wait", "GetTranscriptionJob", "TranscriptionJobStatus",
		"Wait", "GetTranscriptionJob", "TranscriptionJobStatus",
		"Failed")
	assert.Empty(t, scheduled(ex, startQuery), "no query for a failed job")
	assert.Equal(t, 2*time.Minute, ex.Duration())
	types := ex.EventTypes()
	assert.Equal(t, []string{"ChoiceStateExited", "FailStateEntered", "ExecutionFailed"}, types[len(types)-3:])
}

// A failed Athena query fails the .sync task with States.TaskFailed; the
// definition has no Catch, so the execution fails with it.
func TestFailedQueryFailsTheExecution(t *testing.T) {
	ex := run(t, "QueryFailed")

	ex.AssertFailed(t, "States.TaskFailed")
	ex.AssertCause(t, `{"QueryExecution":{"QueryExecutionId":"0b9d7c55-3f1e-4a2b-8c6d-5e4f3a2b1c0d","Query":"EXECUTE you_know_count",`+
		`"Status":{"State":"FAILED","StateChangeReason":"TABLE_NOT_FOUND: line 1:75: Table 'awsdatacatalog.you_know.transcripts' does not exist"},"WorkGroup":"primary"}}`)
	ex.AssertStatesVisited(t, "StartTranscriptionJob", "Wait", "GetTranscriptionJob", "TranscriptionJobStatus",
		"AthenaStartQueryExecutionUsingPreparedStatement")
	assert.Empty(t, scheduled(ex, queryResults))
	types := ex.EventTypes()
	// The query was submitted (TaskSubmitted), then failed.
	assert.Equal(t, []string{"TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskFailed", "ExecutionFailed"}, types[len(types)-5:])
}

// A Go function stands in for Athena's GetQueryResults: it runs the
// prepared statement's count, regexp_extract_all(transcript, 'you know'),
// on a transcript, and answers in GetQueryResults' shape.
func TestGoFunctionCountsATranscript(t *testing.T) {
	const transcript = "So, you know, we moved the service to Step Functions. You know what I mean? " +
		"It was, you know, easier than we thought, and you know the rest."
	type request struct{ QueryExecutionId string }
	var asked []string
	getResults := func(ctx context.Context, in request) (any, error) {
		asked = append(asked, in.QueryExecutionId)
		n := len(regexp.MustCompile(`you know`).FindAllStringIndex(transcript, -1))
		return map[string]any{"ResultSet": map[string]any{"Rows": []any{
			map[string]any{"Data": []any{map[string]any{"VarCharValue": "item_count"}}},
			map[string]any{"Data": []any{map[string]any{"VarCharValue": value.EncodeString(int64(n))}}},
		}}}, nil
	}
	ex := run(t, "HappyPath", stepwisetest.Func("AthenaGetQueryResults", stepwisetest.Typed(getResults)))

	ex.AssertSucceeded(t)
	obj := ex.Output.(*value.Object)
	got, _ := obj.Get("FillerPhraseCount")
	// Three lower-case "you know" (the match is case-sensitive, as Athena's
	// regexp is): "You know what I mean" does not count.
	assert.Equal(t, int64(3), got)
	assert.Equal(t, []string{"8f3c2a1e-5b7d-4e2f-9a61-0c4d7e9b1f23"}, asked)
}
