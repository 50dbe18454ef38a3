package aws

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

const json11 = "application/x-amz-json-1.1"

func wantFault(t *testing.T, err error, name, causePrefix string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *fault.Error %s", err, err, name)
	}
	if fe.Name != name || !strings.HasPrefix(fe.Cause, causePrefix) {
		t.Fatalf("error = %q cause %q\nwant %q cause prefix %q", fe.Name, fe.Cause, name, causePrefix)
	}
}

func TestRekognition(t *testing.T) {
	srv := newFakeService(t, json11, func(target string, body *value.Object) (int, string) {
		switch target {
		case "RekognitionService.DetectModerationLabels":
			return 200, `{"ModerationLabels":[{"Confidence":97.5,"Name":"Violence","ParentName":"","TaxonomyLevel":1}],"ModerationModelVersion":"7.0"}`
		case "RekognitionService.DetectLabels":
			return 200, `{"LabelModelVersion":"3.0","Labels":[{"Name":"Car","Confidence":99.25,"Instances":[{"BoundingBox":{"Width":0.5,"Height":0.25,"Left":0.1,"Top":0.2},"Confidence":98.5}],"Parents":[{"Name":"Vehicle"}]}]}`
		case "RekognitionService.DetectText":
			return 400, `{"__type":"InvalidS3ObjectException","Message":"Unable to get object metadata from S3. Check object key, region and/or access permissions."}`
		}
		return 400, `{"__type":"UnknownOperationException"}`
	})
	inv := testInvoker(map[string]string{"rekognition": srv.URL})

	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:rekognition:detectModerationLabels",
		`{"Image":{"S3Object":{"Bucket":"b","Name":"cat.jpg"}},"MinConfidence":60}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"ModerationLabels":[{"Confidence":97.5,"Name":"Violence","ParentName":"","TaxonomyLevel":1}],"ModerationModelVersion":"7.0"}` {
		t.Fatalf("DetectModerationLabels = %s", got)
	}

	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:rekognition:detectLabels",
		`{"Image":{"Bytes":"aGVsbG8="},"MaxLabels":5,"Features":["GENERAL_LABELS"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"LabelModelVersion":"3.0","Labels":[{"Confidence":99.25,"Instances":[{"BoundingBox":{"Height":0.25,"Left":0.1,"Top":0.2,"Width":0.5},"Confidence":98.5}],"Name":"Car","Parents":[{"Name":"Vehicle"}]}]}` {
		t.Fatalf("DetectLabels = %s", got)
	}

	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:rekognition:detectText", `{"Image":{"S3Object":{"Bucket":"b","Name":"missing.png"}}}`))
	wantFault(t, err, "Rekognition.InvalidS3ObjectException",
		"Unable to get object metadata from S3. Check object key, region and/or access permissions. (Service: Rekognition, Status Code: 400, Request ID: req-1234)")

	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, want := range []struct{ target, body string }{
		{"RekognitionService.DetectModerationLabels", `{"Image":{"S3Object":{"Bucket":"b","Name":"cat.jpg"}},"MinConfidence":60}`},
		{"RekognitionService.DetectLabels", `{"Features":["GENERAL_LABELS"],"Image":{"Bytes":"aGVsbG8="},"MaxLabels":5}`},
		{"RekognitionService.DetectText", `{"Image":{"S3Object":{"Bucket":"b","Name":"missing.png"}}}`},
	} {
		if reqs[i].Target != want.target || !sameJSON(t, reqs[i].Body, want.body) {
			t.Errorf("request %d = %s %s\nwant %s %s", i, reqs[i].Target, reqs[i].Body, want.target, want.body)
		}
		if !strings.Contains(reqs[i].Auth, "Credential=AKIDTEST/") || !strings.Contains(reqs[i].Auth, "/us-east-1/rekognition/aws4_request") {
			t.Errorf("request %d not signed for rekognition in us-east-1: %s", i, reqs[i].Auth)
		}
	}
}

func TestTranscribe(t *testing.T) {
	srv := newFakeService(t, json11, func(target string, body *value.Object) (int, string) {
		switch target {
		case "Transcribe.StartTranscriptionJob":
			return 200, `{"TranscriptionJob":{"TranscriptionJobName":"job1","TranscriptionJobStatus":"IN_PROGRESS","LanguageCode":"en-US","Media":{"MediaFileUri":"s3://b/a.mp3"},"CreationTime":1.7000000001E9,"StartTime":1700000000.25}}`
		case "Transcribe.GetTranscriptionJob":
			return 400, `{"__type":"BadRequestException","Message":"The requested job couldn't be found. Check the job name and try your request again."}`
		}
		return 400, `{"__type":"UnknownOperationException"}`
	})
	inv := testInvoker(map[string]string{"transcribe": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:transcribe:startTranscriptionJob",
		`{"TranscriptionJobName":"job1","LanguageCode":"en-US","Media":{"MediaFileUri":"s3://b/a.mp3"},"OutputBucketName":"out"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"TranscriptionJob":{"CreationTime":"2023-11-14T22:13:20.100Z","LanguageCode":"en-US","Media":{"MediaFileUri":"s3://b/a.mp3"},"StartTime":"2023-11-14T22:13:20.250Z","TranscriptionJobName":"job1","TranscriptionJobStatus":"IN_PROGRESS"}}`
	if got := value.EncodeString(out); got != want {
		t.Fatalf("StartTranscriptionJob =\n%s\nwant\n%s", got, want)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:transcribe:getTranscriptionJob", `{"TranscriptionJobName":"nope"}`))
	wantFault(t, err, "Transcribe.BadRequestException", "The requested job couldn't be found.")
	reqs := srv.requests()
	if reqs[0].Target != "Transcribe.StartTranscriptionJob" ||
		!sameJSON(t, reqs[0].Body, `{"LanguageCode":"en-US","Media":{"MediaFileUri":"s3://b/a.mp3"},"OutputBucketName":"out","TranscriptionJobName":"job1"}`) {
		t.Errorf("request 0 = %+v", reqs[0])
	}
	if reqs[1].Target != "Transcribe.GetTranscriptionJob" || !sameJSON(t, reqs[1].Body, `{"TranscriptionJobName":"nope"}`) {
		t.Errorf("request 1 = %+v", reqs[1])
	}
}

func athenaFake(t *testing.T, states ...string) *fakeService {
	polls := 0
	return newFakeService(t, json11, func(target string, body *value.Object) (int, string) {
		switch target {
		case "AmazonAthena.StartQueryExecution":
			return 200, `{"QueryExecutionId":"q-1"}`
		case "AmazonAthena.GetQueryExecution":
			st := states[min(polls, len(states)-1)]
			polls++
			return 200, `{"QueryExecution":{"QueryExecutionId":"q-1","Query":"SELECT 1","Status":{"State":"` + st + `","SubmissionDateTime":1.7E9}}}`
		case "AmazonAthena.GetQueryResults":
			return 200, `{"ResultSet":{"ResultSetMetadata":{"ColumnInfo":[{"Name":"x","Type":"integer","CatalogName":"hive","Nullable":"UNKNOWN","Precision":10,"Scale":0,"CaseSensitive":false}]},"Rows":[{"Data":[{"VarCharValue":"x"}]},{"Data":[{"VarCharValue":"1"}]}]},"UpdateCount":0}`
		case "AmazonAthena.StopQueryExecution":
			return 400, `{"__type":"InvalidRequestException","Message":"Query has already finished","AthenaErrorCode":"INVALID_INPUT"}`
		}
		return 400, `{"__type":"UnknownOperationException"}`
	})
}

func TestAthenaSDK(t *testing.T) {
	srv := athenaFake(t, "SUCCEEDED")
	inv := testInvoker(map[string]string{"athena": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:athena:startQueryExecution",
		`{"QueryString":"SELECT 1","WorkGroup":"primary","ClientRequestToken":"tok-0123456789012345678901234567","ResultConfiguration":{"OutputLocation":"s3://b/out/"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"QueryExecutionId":"q-1"}` {
		t.Fatalf("StartQueryExecution = %s", got)
	}
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:athena:getQueryResults", `{"QueryExecutionId":"q-1","MaxResults":10}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ResultSet":{"ResultSetMetadata":{"ColumnInfo":[{"CaseSensitive":false,"CatalogName":"hive","Name":"x","Nullable":"UNKNOWN","Precision":10,"Scale":0,"Type":"integer"}]},"Rows":[{"Data":[{"VarCharValue":"x"}]},{"Data":[{"VarCharValue":"1"}]}]},"UpdateCount":0}`
	if got := value.EncodeString(out); got != want {
		t.Fatalf("GetQueryResults =\n%s\nwant\n%s", got, want)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:athena:stopQueryExecution", `{"QueryExecutionId":"q-1"}`))
	wantFault(t, err, "Athena.InvalidRequestException", "Query has already finished (Service: Athena, Status Code: 400, Request ID: req-1234)")

	reqs := srv.requests()
	if reqs[0].Target != "AmazonAthena.StartQueryExecution" || !sameJSON(t, reqs[0].Body,
		`{"ClientRequestToken":"tok-0123456789012345678901234567","QueryString":"SELECT 1","ResultConfiguration":{"OutputLocation":"s3://b/out/"},"WorkGroup":"primary"}`) {
		t.Errorf("request 0 = %+v", reqs[0])
	}
	if reqs[1].Target != "AmazonAthena.GetQueryResults" || !sameJSON(t, reqs[1].Body, `{"MaxResults":10,"QueryExecutionId":"q-1"}`) {
		t.Errorf("request 1 = %+v", reqs[1])
	}
}

func TestAthenaOptimizedSync(t *testing.T) {
	srv := athenaFake(t, "QUEUED", "RUNNING", "SUCCEEDED")
	inv := testInvoker(map[string]string{"athena": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::athena:startQueryExecution.sync",
		`{"QueryString":"SELECT 1","WorkGroup":"primary","ClientRequestToken":"tok-0123456789012345678901234567"}`))
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	qe, _ := o.Get("QueryExecution")
	if got := value.EncodeString(qe); got != `{"Query":"SELECT 1","QueryExecutionId":"q-1","Status":{"State":"SUCCEEDED","SubmissionDateTime":"2023-11-14T22:13:20Z"}}` {
		t.Fatalf("QueryExecution = %s", got)
	}
	if !o.Has("SdkHttpMetadata") || !o.Has("SdkResponseMetadata") {
		t.Fatalf("missing SDK metadata: %s", value.EncodeString(o))
	}
	var targets []string
	for _, r := range srv.requests() {
		targets = append(targets, r.Target)
	}
	if got := strings.Join(targets, ","); got != "AmazonAthena.StartQueryExecution,AmazonAthena.GetQueryExecution,AmazonAthena.GetQueryExecution,AmazonAthena.GetQueryExecution" {
		t.Fatalf("requests = %s", got)
	}

	failed := athenaFake(t, "RUNNING", "FAILED")
	inv = testInvoker(map[string]string{"athena": failed.URL})
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::athena:startQueryExecution.sync", `{"QueryString":"SELECT x","ClientRequestToken":"tok-0123456789012345678901234567"}`))
	wantFault(t, err, fault.TaskFailed, `{"QueryExecution":{"Query":"SELECT 1","QueryExecutionId":"q-1","Status":{"State":"FAILED"`)

	// The task timeout bounds the polling.
	slow := athenaFake(t, "RUNNING")
	inv = testInvoker(map[string]string{"athena": slow.URL})
	tk := task("arn:aws:states:::athena:startQueryExecution.sync", `{"QueryString":"SELECT 1","ClientRequestToken":"tok-0123456789012345678901234567"}`)
	tk.TimeoutSeconds = 1
	_, err = inv.Invoke(ctx(t), tk)
	wantFault(t, err, fault.Timeout, "")

	// Optimized errors use the SDK for Java 1.x names and cause format.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::athena:stopQueryExecution", `{"QueryExecutionId":"q-1"}`))
	wantFault(t, err, "Athena.InvalidRequestException",
		"Query has already finished (Service: AmazonAthena; Status Code: 400; Error Code: InvalidRequestException; Request ID: req-1234; Proxy: null)")
}

func TestLambdaInvoke(t *testing.T) {
	var gotPath, gotBody, gotType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotPath, gotBody, gotType = r.URL.Path, string(b), r.Header.Get("X-Amz-Invocation-Type")
		w.Header().Set("x-amzn-RequestId", "req-9")
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(r.URL.Path, "missing"):
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(404)
			io.WriteString(w, `{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:111111111111:function:missing"}`)
		case strings.Contains(r.URL.Path, "boom"):
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `{"errorMessage":"bad","errorType":"ValueError"}`)
		default:
			io.WriteString(w, `{"ok":true,"echo":`+string(b)+`}`)
		}
	}))
	defer srv.Close()
	inv := testInvoker(map[string]string{"lambda": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::lambda:invoke", `{"FunctionName":"fn","Payload":{"b":1,"a":[true]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/2015-03-31/functions/fn/invocations" || gotBody != `{"b":1,"a":[true]}` {
		t.Fatalf("request %s %s (%s)", gotPath, gotBody, gotType)
	}
	o := out.(*value.Object)
	if got := strings.Join(o.Keys(), ","); got != "ExecutedVersion,Payload,SdkHttpMetadata,SdkResponseMetadata,StatusCode" {
		t.Fatalf("keys = %s", got)
	}
	p, _ := o.Get("Payload")
	if got := value.EncodeString(p); got != `{"ok":true,"echo":{"b":1,"a":[true]}}` {
		t.Fatalf("Payload = %s", got)
	}
	sc, _ := o.Get("StatusCode")
	rm, _ := o.Get("SdkResponseMetadata")
	if sc != int64(200) || value.EncodeString(rm) != `{"RequestId":"req-9"}` {
		t.Fatalf("StatusCode %v, SdkResponseMetadata %s", sc, value.EncodeString(rm))
	}

	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::lambda:invoke", `{"FunctionName":"boom","Payload":"x"}`))
	wantFault(t, err, "ValueError", `{"errorMessage":"bad","errorType":"ValueError"}`)
	if gotBody != `"x"` {
		t.Fatalf("string payload sent as %s", gotBody)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::lambda:invoke", `{"FunctionName":"missing"}`))
	wantFault(t, err, "Lambda.ResourceNotFoundException",
		"Function not found: arn:aws:lambda:us-east-1:111111111111:function:missing (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-9; Proxy: null)")

	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::lambda:invoke.waitForTaskToken", `{"FunctionName":"fn","Payload":{"token":"t"}}`))
	if _, ok := out.(integrations.Pending); err != nil || !ok {
		t.Fatalf("waitForTaskToken = %v, %v", out, err)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	srv := athenaFake(t, "SUCCEEDED")
	t.Setenv("AWS_ENDPOINT_URL_ATHENA", srv.URL)
	inv := testInvoker(nil)
	if _, err := inv.Invoke(ctx(t), task("arn:aws:states:us-west-2::aws-sdk:athena:getQueryExecution", `{"QueryExecutionId":"q-1"}`)); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Auth, "/us-west-2/athena/aws4_request") {
		t.Fatalf("requests = %+v (want one, signed for the ARN's region us-west-2)", reqs)
	}
}

func TestAssumeRole(t *testing.T) {
	var stsBody string
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		stsBody = string(b)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/r/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	defer sts.Close()
	srv := athenaFake(t, "SUCCEEDED")
	inv := testInvoker(map[string]string{"athena": srv.URL, "sts": sts.URL})
	tk := task("arn:aws:states:::aws-sdk:athena:getQueryExecution", `{"QueryExecutionId":"q-1"}`)
	tk.Credentials, _ = value.DecodeString(`{"RoleArn":"arn:aws:iam::111111111111:role/r"}`)
	if _, err := inv.Invoke(ctx(t), tk); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stsBody, "Action=AssumeRole") || !strings.Contains(stsBody, "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fr") {
		t.Fatalf("STS request = %s", stsBody)
	}
	if reqs := srv.requests(); !strings.Contains(reqs[0].Auth, "Credential=ASIAROLE/") {
		t.Fatalf("not signed with the role's credentials: %s", reqs[0].Auth)
	}
}

func TestHandlesAndUnknown(t *testing.T) {
	inv := testInvoker(nil)
	for res, want := range map[string]bool{
		"arn:aws:states:::aws-sdk:dynamodb:putItem":                  true,
		"arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken": true,
		"arn:aws:states:::aws-sdk:dynamodb:putItem.sync":             false,
		"arn:aws:states:::aws-sdk:dynamodb:PutItem":                  false,
		"arn:aws:states:::aws-sdk:dynamodb:noSuchAction":             false,
		"arn:aws:states:::aws-sdk:dynamodb:options":                  false,
		"arn:aws:states:::aws-sdk:s3:getObject":                      true,
		"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue":     true,
		"arn:aws:states:::aws-sdk:nosuchservice:getThing":            false,
		"arn:aws:states:::aws-sdk:rekognition:detectLabels":          true,
		"arn:aws:states:::aws-sdk:transcribe:startTranscriptionJob":  true,
		"arn:aws:states:::dynamodb:getItem":                          true,
		"arn:aws:states:::dynamodb:query":                            false,
		"arn:aws:states:::athena:startQueryExecution.sync":           true,
		"arn:aws:states:::athena:getQueryResults.sync":               false,
		"arn:aws:states:::lambda:invoke":                             true,
		"arn:aws:lambda:us-east-1:111111111111:function:f":           true,
		"arn:aws:states:us-east-1:111111111111:activity:a":           false,
		"not an arn": false,
	} {
		if got := inv.Handles(&integrations.Task{Resource: res}); got != want {
			t.Errorf("Handles(%s) = %v, want %v", res, got, want)
		}
	}
	// An unknown resource is States.Runtime, which no Catch takes, and
	// says how to mock the state.
	_, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:nosuchservice:getThing", `{}`))
	wantFault(t, err, fault.Runtime, `the resource "arn:aws:states:::aws-sdk:nosuchservice:getThing" of state "S" is not an integration Stepwise can call`)
	if fe := err.(*fault.Error); !strings.Contains(fe.Cause, "Mock it (a MockConfigFile test case") {
		t.Fatalf("cause does not say how to mock: %s", fe.Cause)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:athena:getQueryExecution", `{"QueryExecutionId":"q","Bogus":1}`))
	wantFault(t, err, fault.Runtime, `invalid parameters for athena: $: the field "Bogus" is not supported by Step Functions`)
}
