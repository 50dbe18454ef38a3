package aws

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// snsFake is a loopback SNS speaking the query protocol: form-encoded
// requests, XML responses.
type snsFake struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newSNSFake(t *testing.T) *snsFake {
	f := &snsFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		f.mu.Lock()
		f.forms = append(f.forms, form)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", "sns-req-1")
		switch {
		case form.Get("Action") != "Publish":
			w.WriteHeader(400)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>bad action</Message></Error><RequestId>sns-req-1</RequestId></ErrorResponse>`)
		case strings.HasSuffix(form.Get("TopicArn"), ":missing"):
			w.WriteHeader(404)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>sns-req-1</RequestId></ErrorResponse>`)
		case strings.HasSuffix(form.Get("TopicArn"), ".fifo") && form.Get("MessageGroupId") == "":
			w.WriteHeader(400)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: The MessageGroupId parameter is required for FIFO topics</Message></Error><RequestId>sns-req-1</RequestId></ErrorResponse>`)
		default:
			io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>5b1c3a5e-0000-4000-8000-000000000001</MessageId></PublishResult><ResponseMetadata><RequestId>sns-req-1</RequestId></ResponseMetadata></PublishResponse>`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *snsFake) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func TestSNSPublish(t *testing.T) {
	srv := newSNSFake(t)
	inv := testInvoker(map[string]string{"sns": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:111111111111:topic-1","Message":{"Message":"HelloWorld!","n":1},
		"MessageAttributes":{"my_attribute_no_1":{"DataType":"String","StringValue":"Hello"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	if got := strings.Join(o.Keys(), ","); got != "MessageId,SdkHttpMetadata,SdkResponseMetadata" {
		t.Fatalf("keys = %s (%s)", got, value.EncodeString(o))
	}
	if id, _ := o.Get("MessageId"); id != "5b1c3a5e-0000-4000-8000-000000000001" {
		t.Fatalf("MessageId = %v", id)
	}
	hm, _ := o.Get("SdkHttpMetadata")
	if sc, _ := hm.(*value.Object).Get("HttpStatusCode"); sc != int64(200) {
		t.Fatalf("SdkHttpMetadata = %s", value.EncodeString(hm))
	}
	if rm, _ := o.Get("SdkResponseMetadata"); value.EncodeString(rm) != `{"RequestId":"sns-req-1"}` {
		t.Fatalf("SdkResponseMetadata = %s", value.EncodeString(rm))
	}
	form := srv.requests()[0]
	want := url.Values{
		"Action": {"Publish"}, "Version": {"2010-03-31"},
		"TopicArn":                       {"arn:aws:sns:us-east-1:111111111111:topic-1"},
		"Message":                        {`{"Message":"HelloWorld!","n":1}`},
		"MessageAttributes.entry.1.Name": {"my_attribute_no_1"},
		"MessageAttributes.entry.1.Value.DataType":    {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"Hello"},
	}
	if form.Encode() != want.Encode() {
		t.Fatalf("SNS request\n%s\nwant\n%s", form.Encode(), want.Encode())
	}

	// .waitForTaskToken sends the message and leaves the outcome to the token.
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::sns:publish.waitForTaskToken", `{"TopicArn":"arn:aws:sns:us-east-1:111111111111:topic-1","Message":{"TaskToken":"tok-1"}}`))
	if _, ok := out.(integrations.Pending); err != nil || !ok {
		t.Fatalf("waitForTaskToken = %v, %v", out, err)
	}
	if m := srv.requests()[1].Get("Message"); m != `{"TaskToken":"tok-1"}` {
		t.Fatalf("callback message = %s", m)
	}

	// Errors: services__sns_task_service__publish_base_error_topic_arn and
	// services__sns_task_service__fifo_message_attribute__input_params0-True.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:111111111111:missing","Message":"m"}`))
	wantFault(t, err, "SNS.NotFoundException", "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: sns-req-1; Proxy: null)")
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:111111111111:t.fifo","Message":"m"}`))
	wantFault(t, err, "SNS.InvalidParameterException",
		"Invalid parameter: The MessageGroupId parameter is required for FIFO topics (Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter; Request ID: sns-req-1; Proxy: null)")
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestSQSSendMessage(t *testing.T) {
	srv := newFakeService(t, "application/x-amz-json-1.0", func(target string, body *value.Object) (int, string) {
		if target != "AmazonSQS.SendMessage" {
			return 400, `{"__type":"com.amazonaws.sqs#InvalidAction","message":"bad"}`
		}
		q, _ := body.Get("QueueUrl")
		mb, ok := body.Get("MessageBody")
		switch {
		case strings.HasSuffix(q.(string), "/missing"):
			return 400, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`
		case !ok:
			return 400, `{"__type":"com.amazonaws.sqs#MissingParameter","message":"The request must contain the parameter MessageBody."}`
		}
		return 200, `{"MD5OfMessageBody":"` + md5Hex(mb.(string)) + `","MessageId":"c0ffee00-0000-4000-8000-000000000002"}`
	})
	inv := testInvoker(map[string]string{"sqs": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q1","MessageBody":{"b":[1,2],"a":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	if got := strings.Join(o.Keys(), ","); got != "MD5OfMessageBody,MessageId,SdkHttpMetadata,SdkResponseMetadata" {
		t.Fatalf("keys = %s", got)
	}
	if md, _ := o.Get("MD5OfMessageBody"); md != md5Hex(`{"b":[1,2],"a":"x"}`) {
		t.Fatalf("MD5OfMessageBody = %v", md)
	}
	reqs := srv.requests()
	if reqs[0].Target != "AmazonSQS.SendMessage" ||
		!sameJSON(t, reqs[0].Body, `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q1","MessageBody":"{\"b\":[1,2],\"a\":\"x\"}"}`) {
		t.Fatalf("request = %+v", reqs[0])
	}
	if !strings.Contains(reqs[0].Auth, "/us-east-1/sqs/aws4_request") {
		t.Fatalf("not signed for sqs: %s", reqs[0].Auth)
	}

	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q1","MessageBody":{"TaskToken":"tok-2"}}`))
	if _, ok := out.(integrations.Pending); err != nil || !ok {
		t.Fatalf("waitForTaskToken = %v, %v", out, err)
	}

	// error_handling__task_service_sqs__send_message_empty_body: an error
	// the SDK does not model is SQS.AmazonSQSException.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q1"}`))
	wantFault(t, err, "SQS.AmazonSQSException",
		"The request must contain the parameter MessageBody. (Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: req-1234; Proxy: null)")
	// A modeled error is named after its exception class.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/missing","MessageBody":"m"}`))
	wantFault(t, err, "SQS.QueueDoesNotExistException",
		"The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist; Request ID: req-1234; Proxy: null)")

	// An unreachable endpoint is SQS.SdkClientException.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	inv = testInvoker(map[string]string{"sqs": dead.URL})
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"q","MessageBody":"m"}`))
	wantFault(t, err, "SQS.SdkClientException", "Unable to execute HTTP request: ")
}

func TestEventBridgePutEvents(t *testing.T) {
	srv := newFakeService(t, json11, func(target string, body *value.Object) (int, string) {
		if target != "AWSEvents.PutEvents" {
			return 400, `{"__type":"UnknownOperationException"}`
		}
		entries, _ := body.Get("Entries")
		var res []string
		failed := 0
		for i, e := range entries.([]any) {
			if src, ok := e.(*value.Object).Get("Source"); !ok || src == "" {
				failed++
				res = append(res, `{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid. Reason: Source is a required argument."}`)
				continue
			}
			res = append(res, `{"EventId":"ev-`+string(rune('0'+i))+`"}`)
		}
		return 200, `{"FailedEntryCount":` + string(rune('0'+failed)) + `,"Entries":[` + strings.Join(res, ",") + `]}`
	})
	inv := testInvoker(map[string]string{"events": srv.URL})
	tk := task("arn:aws:states:::events:putEvents", `{"Entries":[{"Detail":{"Message":"Hi"},"DetailType":"t","Source":"some.source","Resources":["arn:x"]},{"Detail":"{\"a\":1}","DetailType":"t","Source":"s2"}]}`)
	tk.Execution.StateMachineArn = "arn:aws:states:us-east-1:111111111111:stateMachine:sm"
	tk.Execution.ExecutionArn = "arn:aws:states:us-east-1:111111111111:execution:sm:exec-1"
	out, err := inv.Invoke(ctx(t), tk)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	if got := strings.Join(o.Keys(), ","); got != "Entries,FailedEntryCount,SdkHttpMetadata,SdkResponseMetadata" {
		t.Fatalf("keys = %s", got)
	}
	if e, _ := o.Get("Entries"); value.EncodeString(e) != `[{"EventId":"ev-0"},{"EventId":"ev-1"}]` {
		t.Fatalf("Entries = %s", value.EncodeString(e))
	}
	if n, _ := o.Get("FailedEntryCount"); n != int64(0) {
		t.Fatalf("FailedEntryCount = %v", n)
	}
	reqs := srv.requests()
	wantBody := `{"Entries":[
		{"Detail":"{\"Message\":\"Hi\"}","DetailType":"t","Source":"some.source","Resources":["arn:x","arn:aws:states:us-east-1:111111111111:stateMachine:sm","arn:aws:states:us-east-1:111111111111:execution:sm:exec-1"]},
		{"Detail":"{\"a\":1}","DetailType":"t","Source":"s2","Resources":["arn:aws:states:us-east-1:111111111111:stateMachine:sm","arn:aws:states:us-east-1:111111111111:execution:sm:exec-1"]}]}`
	if reqs[0].Target != "AWSEvents.PutEvents" || !sameJSON(t, reqs[0].Body, wantBody) {
		t.Fatalf("request = %s %s", reqs[0].Target, reqs[0].Body)
	}
	if !strings.Contains(reqs[0].Auth, "/us-east-1/events/aws4_request") {
		t.Fatalf("not signed for events: %s", reqs[0].Auth)
	}

	// services__events_task_service__put_events_no_source.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::events:putEvents.waitForTaskToken", `{"Entries":[{"Detail":{"Message":"a"},"DetailType":"t","Source":"some.source"},{"Detail":{"Message":"b"},"DetailType":"t"}]}`))
	wantFault(t, err, "EventBridge.FailedEntry",
		`{"Entries":[{"EventId":"ev-0"},{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid. Reason: Source is a required argument."}],"FailedEntryCount":1}`)

	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::events:putEvents.waitForTaskToken", `{"Entries":[{"Detail":{"TaskToken":"t"},"DetailType":"t","Source":"s"}]}`))
	if _, ok := out.(integrations.Pending); err != nil || !ok {
		t.Fatalf("waitForTaskToken = %v, %v", out, err)
	}
}

func TestEndpointFromEnvironmentPerService(t *testing.T) {
	srv := newSNSFake(t)
	t.Setenv("AWS_ENDPOINT_URL_SNS", srv.URL)
	other := newFakeService(t, "application/x-amz-json-1.0", func(string, *value.Object) (int, string) { return 500, `{}` })
	t.Setenv("AWS_ENDPOINT_URL", other.URL) // the service-specific variable wins
	inv := testInvoker(nil)
	if _, err := inv.Invoke(ctx(t), task("arn:aws:states:eu-west-1::sns:publish", `{"TopicArn":"arn:aws:sns:eu-west-1:111111111111:t","Message":"m"}`)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 1 || len(other.requests()) != 0 {
		t.Fatalf("SNS got %d requests, the generic endpoint %d", n, len(other.requests()))
	}
}

func TestAssumeRoleCachedPerRole(t *testing.T) {
	var mu sync.Mutex
	var forms []url.Values
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		forms = append(forms, form)
		n := len(forms)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLE`+string(rune('0'+n))+`</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/r/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	defer sts.Close()
	var auths []string
	sns := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m</MessageId></PublishResult><ResponseMetadata><RequestId>q</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	defer sns.Close()
	inv := testInvoker(map[string]string{"sns": sns.URL, "sts": sts.URL})
	publish := func(role string) {
		t.Helper()
		tk := task("arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:111111111111:t","Message":"m"}`)
		tk.Credentials, _ = value.DecodeString(`{"RoleArn":"` + role + `"}`)
		if _, err := inv.Invoke(ctx(t), tk); err != nil {
			t.Fatal(err)
		}
	}
	publish("arn:aws:iam::111111111111:role/a")
	publish("arn:aws:iam::111111111111:role/a")
	publish("arn:aws:iam::111111111111:role/b")
	if len(forms) != 2 {
		t.Fatalf("%d AssumeRole calls, want one per role: %v", len(forms), forms)
	}
	for i, role := range []string{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"} {
		f := forms[i]
		if f.Get("Action") != "AssumeRole" || f.Get("Version") != "2011-06-15" || f.Get("RoleArn") != role || f.Get("RoleSessionName") != "stepwise-exec-1" {
			t.Errorf("AssumeRole request %d = %v", i, f)
		}
	}
	for i, want := range []string{"ASIAROLE1/", "ASIAROLE1/", "ASIAROLE2/"} {
		if !strings.Contains(auths[i], "Credential="+want) {
			t.Errorf("publish %d signed with %s, want %s", i, auths[i], want)
		}
	}
}
