package aws

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// tables numbers the tables the tests create: the dynalite server is
// shared by every run of the package's tests (go test -count=N), and a name
// cannot be created twice.
var tables atomic.Int64

// createTable makes a table keyed by the string attribute id, named base and
// a number, and returns the name.
func createTable(t *testing.T, inv *Invoker, base string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", base, tables.Add(1))
	_, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:dynamodb:createTable", fmt.Sprintf(`{"TableName":%q,
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, name)))
	if err != nil {
		t.Fatal(err)
	}
	// dynalite answers CreateTable with the table CREATING and refuses items
	// (ResourceNotFoundException) until it is ACTIVE, even with
	// --createTableMs 0: wait as a client of DynamoDB would.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:dynamodb:describeTable", fmt.Sprintf(`{"TableName":%q}`, name)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(value.EncodeString(out), `"TableStatus":"ACTIVE"`) {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s not ACTIVE after 30s: %s", name, value.EncodeString(out))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDynamoDBSDKAgainstDynalite(t *testing.T) {
	inv := testInvoker(map[string]string{"dynamodb": startDynalite(t)})
	table := createTable(t, inv, "sdk_table")
	run := func(action, params string) (string, error) {
		params = strings.ReplaceAll(params, `"sdk_table"`, strconv.Quote(table))
		out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:dynamodb:"+action, params))
		return value.EncodeString(out), err
	}
	out, err := run("putItem", `{"TableName":"sdk_table","Item":{"id":{"S":"id1"},"data":{"S":"HelloWorld"},"n":{"N":"42"},"bin":{"B":"AQID"},"tags":{"SS":["a","b"]},"nested":{"M":{"ok":{"BOOL":true},"l":{"L":[{"NULL":true},{"N":"1.5"}]}}}}}`)
	if err != nil || out != `{}` {
		t.Fatalf("putItem = %s, %v", out, err)
	}
	out, err = run("updateItem", `{"TableName":"sdk_table","Key":{"id":{"S":"id1"}},"UpdateExpression":"set S=:r","ExpressionAttributeValues":{":r":{"S":"HelloWorldUpdated"}},"ReturnValues":"UPDATED_NEW"}`)
	if err != nil || out != `{"Attributes":{"S":{"S":"HelloWorldUpdated"}}}` {
		t.Fatalf("updateItem = %s, %v", out, err)
	}
	out, err = run("getItem", `{"TableName":"sdk_table","Key":{"id":{"S":"id1"}}}`)
	want := `{"Item":{"S":{"S":"HelloWorldUpdated"},"bin":{"B":"AQID"},"data":{"S":"HelloWorld"},"id":{"S":"id1"},"n":{"N":"42"},"nested":{"M":{"l":{"L":[{"NULL":true},{"N":"1.5"}]},"ok":{"BOOL":true}}},"tags":{"SS":["a","b"]}}}`
	if err != nil || out != want {
		t.Fatalf("getItem =\n%s\nwant\n%s (%v)", out, want, err)
	}
	// A failed condition keeps DynamoDB's modeled exception name.
	_, err = run("putItem", `{"TableName":"sdk_table","Item":{"id":{"S":"id1"}},"ConditionExpression":"attribute_not_exists(id)"}`)
	wantFault(t, err, "DynamoDb.ConditionalCheckFailedException", "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: ")
	// An unmodeled error (ValidationException) is DynamoDb.DynamoDbException,
	// as recorded on AWS (error_handling__aws_sdk__dynamodb_invalid_param).
	_, err = run("putItem", `{"TableName":"sdk_table","Item":null}`)
	wantFault(t, err, "DynamoDb.DynamoDbException", "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null (Service: DynamoDb, Status Code: 400, Request ID: ")
	_, err = run("getItem", `{"TableName":"no_such_table","Key":{"id":{"S":"x"}}}`)
	wantFault(t, err, "DynamoDb.ResourceNotFoundException", "")
	out, err = run("deleteItem", `{"TableName":"sdk_table","Key":{"id":{"S":"id1"}},"ReturnValues":"ALL_OLD"}`)
	if err != nil || !strings.HasPrefix(out, `{"Attributes":{"S":{"S":"HelloWorldUpdated"}`) {
		t.Fatalf("deleteItem = %s, %v", out, err)
	}
	out, err = run("scan", `{"TableName":"sdk_table"}`)
	if err != nil || out != `{"Count":0,"Items":[],"ScannedCount":0}` {
		t.Fatalf("scan = %s, %v", out, err)
	}
	out, err = run("describeTable", `{"TableName":"sdk_table"}`)
	if err != nil || !strings.Contains(out, `"TableName":`+strconv.Quote(table)) || !strings.Contains(out, `"CreationDateTime":"20`) {
		t.Fatalf("describeTable = %s, %v", out, err)
	}
}

func TestDynamoDBOptimizedAgainstDynalite(t *testing.T) {
	inv := testInvoker(map[string]string{"dynamodb": startDynalite(t)})
	table := createTable(t, inv, "opt_table")
	run := func(action, params string) (*value.Object, error) {
		params = strings.ReplaceAll(params, `"opt_table"`, strconv.Quote(table))
		out, err := inv.Invoke(ctx(t), task("arn:aws:states:::dynamodb:"+action, params))
		o, _ := out.(*value.Object)
		return o, err
	}
	strip := func(o *value.Object) string {
		c := o.ShallowCopy()
		c.Delete("SdkHttpMetadata")
		c.Delete("SdkResponseMetadata")
		return c.String()
	}
	out, err := run("putItem", `{"TableName":"opt_table","Item":{"id":{"S":"id1"},"data":{"S":"HelloWorld"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Keys(), ","); got != "SdkHttpMetadata,SdkResponseMetadata" {
		t.Fatalf("putItem keys = %s", got)
	}
	hm, _ := out.Get("SdkHttpMetadata")
	h := hm.(*value.Object)
	if got := strings.Join(h.Keys(), ","); got != "AllHttpHeaders,HttpHeaders,HttpStatusCode" {
		t.Fatalf("SdkHttpMetadata keys = %s", got)
	}
	all, _ := h.Get("AllHttpHeaders")
	single, _ := h.Get("HttpHeaders")
	status, _ := h.Get("HttpStatusCode")
	rid, _ := single.(*value.Object).Get("x-amzn-RequestId")
	rm, _ := out.Get("SdkResponseMetadata")
	if status != int64(200) || rid == nil || value.EncodeString(rm) != `{"RequestId":`+value.EncodeString(rid)+`}` {
		t.Fatalf("metadata = %s", out)
	}
	if ct, _ := all.(*value.Object).Get("Content-Type"); value.EncodeString(ct) != `["application/x-amz-json-1.0"]` {
		t.Fatalf("AllHttpHeaders = %s", value.EncodeString(all))
	}
	if ct, _ := single.(*value.Object).Get("Content-Length"); ct != "2" {
		t.Fatalf("HttpHeaders = %s", value.EncodeString(single))
	}

	out, err = run("updateItem", `{"TableName":"opt_table","Key":{"id":{"S":"id1"}},"UpdateExpression":"set S=:r","ExpressionAttributeValues":{":r":{"S":"HelloWorldUpdated"}},"ReturnValues":"UPDATED_NEW"}`)
	if err != nil || strip(out) != `{"Attributes":{"S":{"S":"HelloWorldUpdated"}}}` || !strings.HasPrefix(strings.Join(out.Keys(), ","), "Attributes,SdkHttpMetadata,SdkResponseMetadata") {
		t.Fatalf("updateItem = %v, %v", out, err)
	}
	out, err = run("getItem", `{"TableName":"opt_table","Key":{"id":{"S":"id1"}}}`)
	if err != nil || strip(out) != `{"Item":{"S":{"S":"HelloWorldUpdated"},"data":{"S":"HelloWorld"},"id":{"S":"id1"}}}` {
		t.Fatalf("getItem = %v, %v", out, err)
	}
	_, err = run("updateItem", `{"TableName":"opt_table","Key":{"id":{"S":"id1"}},"UpdateExpression":"set S=:r","ConditionExpression":"S = :old","ExpressionAttributeValues":{":r":{"S":"x"},":old":{"S":"nope"}}}`)
	wantFault(t, err, "DynamoDB.ConditionalCheckFailedException",
		"The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: ")
	_, err = run("putItem", `{"TableName":"opt_table","Item":null}`)
	wantFault(t, err, "DynamoDB.AmazonDynamoDBException", "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: ")
	out, err = run("deleteItem", `{"TableName":"opt_table","Key":{"id":{"S":"id1"}}}`)
	if err != nil || strip(out) != `{}` {
		t.Fatalf("deleteItem = %v, %v", out, err)
	}
	out, err = run("getItem", `{"TableName":"opt_table","Key":{"id":{"S":"id1"}}}`)
	if err != nil || strip(out) != `{}` {
		t.Fatalf("getItem after delete = %v, %v", out, err)
	}
}

// TestJavaHashMapOrder checks AllHttpHeaders' order against AWS recordings
// (services__lambda_task_service__invoke, ..._DYNAMODB_PUT_UPDATE_GET_ITEM).
func TestJavaHashMapOrder(t *testing.T) {
	id := func(s string) string { return s }
	for _, tc := range []struct{ in, want []string }{
		{[]string{"Connection", "Content-Length", "Content-Type", "Date", "Server", "x-amz-crc32", "x-amzn-RequestId"},
			[]string{"Server", "Connection", "x-amzn-RequestId", "x-amz-crc32", "Content-Length", "Date", "Content-Type"}},
		{[]string{"Connection", "Content-Length", "Content-Type", "Date", "X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length", "x-amzn-RequestId", "X-Amzn-Trace-Id"},
			[]string{"X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length", "Connection", "x-amzn-RequestId", "Content-Length", "Date", "X-Amzn-Trace-Id", "Content-Type"}},
	} {
		if got := javaHashMapOrder(tc.in, id); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("order = %v\nwant %v", got, tc.want)
		}
	}
}
