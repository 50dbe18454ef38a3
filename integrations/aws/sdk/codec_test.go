package sdk

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	rektypes "github.com/aws/aws-sdk-go-v2/service/rekognition/types"

	"github.com/stepwise/stepwise/asl/value"
)

func ddbCodec() *Codec {
	return NewCodec(
		&types.AttributeValueMemberB{}, &types.AttributeValueMemberBOOL{}, &types.AttributeValueMemberBS{},
		&types.AttributeValueMemberL{}, &types.AttributeValueMemberM{}, &types.AttributeValueMemberN{},
		&types.AttributeValueMemberNS{}, &types.AttributeValueMemberNULL{}, &types.AttributeValueMemberS{},
		&types.AttributeValueMemberSS{},
	)
}

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecodeDynamoDBPutItem(t *testing.T) {
	c := ddbCodec()
	in := mustDecode(t, `{"TableName":"T","Item":{"id":{"S":"a"},"n":{"N":"1.5"},"b":{"B":"AAEC"},"ok":{"BOOL":true},
		"nul":{"NULL":true},"l":{"L":[{"S":"x"},{"N":"2"}]},"m":{"M":{"k":{"SS":["p","q"]}}}},
		"ConditionExpression":"attribute_not_exists(id)","ReturnValues":"ALL_OLD"}`)
	v, err := c.Decode(in, reflect.TypeOf(&dynamodb.PutItemInput{}))
	if err != nil {
		t.Fatal(err)
	}
	got := v.Interface().(*dynamodb.PutItemInput)
	want := &dynamodb.PutItemInput{
		TableName: ptr("T"),
		Item: map[string]types.AttributeValue{
			"id":  &types.AttributeValueMemberS{Value: "a"},
			"n":   &types.AttributeValueMemberN{Value: "1.5"},
			"b":   &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
			"ok":  &types.AttributeValueMemberBOOL{Value: true},
			"nul": &types.AttributeValueMemberNULL{Value: true},
			"l":   &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberN{Value: "2"}}},
			"m":   &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberSS{Value: []string{"p", "q"}}}},
		},
		ConditionExpression: ptr("attribute_not_exists(id)"),
		ReturnValues:        types.ReturnValueAllOld,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	// Encoding the input back gives the same members, maps sorted by key.
	enc := value.EncodeString(c.Encode(got))
	wantJSON := `{"ConditionExpression":"attribute_not_exists(id)","Item":{"b":{"B":"AAEC"},"id":{"S":"a"},"l":{"L":[{"S":"x"},{"N":"2"}]},"m":{"M":{"k":{"SS":["p","q"]}}},"n":{"N":"1.5"},"nul":{"NULL":true},"ok":{"BOOL":true}},"ReturnValues":"ALL_OLD","TableName":"T"}`
	if enc != wantJSON {
		t.Fatalf("encode:\n got %s\nwant %s", enc, wantJSON)
	}
}

func TestEncodeOutputShapes(t *testing.T) {
	c := NewCodec()
	ts := time.Date(2024, 5, 6, 7, 8, 9, 120_000_000, time.UTC)
	out := &rekognition.DetectLabelsOutput{
		LabelModelVersion: ptr("3.0"),
		Labels: []rektypes.Label{{
			Name:       ptr("Car"),
			Confidence: ptr(float32(99.1)),
			Instances:  []rektypes.Instance{},
		}},
	}
	got := value.EncodeString(c.Encode(out))
	want := `{"LabelModelVersion":"3.0","Labels":[{"Confidence":99.1,"Instances":[],"Name":"Car"}]}`
	if got2 := value.EncodeString(sortedForTest(c.Encode(out))); got2 != want {
		t.Fatalf("got %s (raw %s)\nwant %s", got2, got, want)
	}
	if s := FormatInstant(ts); s != "2024-05-06T07:08:09.120Z" {
		t.Fatalf("FormatInstant = %s", s)
	}
	if s := FormatInstant(ts.Truncate(time.Second)); s != "2024-05-06T07:08:09Z" {
		t.Fatalf("FormatInstant = %s", s)
	}
	if s := FormatInstant(ts.Add(456_789)); s != "2024-05-06T07:08:09.120456789Z" {
		t.Fatalf("FormatInstant = %s", s)
	}
	// ResultMetadata and nil members are dropped; an empty output is {}.
	if s := value.EncodeString(c.EncodeOrEmpty(&dynamodb.PutItemOutput{})); s != `{}` {
		t.Fatalf("empty output = %s", s)
	}
}

func sortedForTest(v any) any {
	o, ok := v.(*value.Object)
	if !ok {
		if a, ok := v.([]any); ok {
			for i := range a {
				a[i] = sortedForTest(a[i])
			}
		}
		return v
	}
	keys := append([]string(nil), o.Keys()...)
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	n := value.NewObject(len(keys))
	for _, k := range keys {
		mv, _ := o.Get(k)
		n.Append(k, sortedForTest(mv))
	}
	return n
}

func TestDecodeErrors(t *testing.T) {
	c := ddbCodec()
	typ := reflect.TypeOf(&dynamodb.PutItemInput{})
	for _, tc := range []struct{ in, want string }{
		{`{"TableName":"T","Nope":1}`, `$: the field "Nope" is not supported by Step Functions`},
		{`{"TableName":["x"]}`, `$.TableName: expected a string, got an array`},
		{`{"Item":{"id":{"S":"a","N":"1"}}}`, `$.Item.id: expected an object with exactly one member`},
		{`{"Item":{"id":{"Q":"a"}}}`, `$.Item.id: "Q" is not a AttributeValue variant`},
		{`{"Item":{"id":{"B":"!!"}}}`, `$.Item.id.B: invalid base64`},
		{`[1]`, `$: expected an object, got an array`},
	} {
		_, err := c.Decode(mustDecode(t, tc.in), typ)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want prefix %q", tc.in, err, tc.want)
		}
	}
	// Numbers: integers, integral floats and digit strings fit int32 fields.
	v, err := c.Decode(mustDecode(t, `{"TableName":"T","Limit":5.0}`), reflect.TypeOf(&dynamodb.ScanInput{}))
	if err != nil || *v.Interface().(*dynamodb.ScanInput).Limit != 5 {
		t.Fatalf("Limit: %v", err)
	}
	if _, err := c.Decode(mustDecode(t, `{"Limit":5.5}`), reflect.TypeOf(&dynamodb.ScanInput{})); err == nil {
		t.Fatal("5.5 accepted as an integer")
	}
	if _, err := c.Decode(mustDecode(t, `{"Limit":99999999999}`), reflect.TypeOf(&dynamodb.ScanInput{})); err == nil {
		t.Fatal("out-of-range int32 accepted")
	}
}

func TestDecodeDeepNestingDoesNotPanic(t *testing.T) {
	s := strings.Repeat(`{"L":[`, 300) + `{"S":"x"}` + strings.Repeat(`]}`, 300)
	in := mustDecode(t, `{"TableName":"T","Item":{"a":`+s+`}}`)
	if _, err := ddbCodec().Decode(in, reflect.TypeOf(&dynamodb.PutItemInput{})); err == nil {
		t.Fatal("expected a nesting error")
	}
}

func ptr[T any](v T) *T { return &v }
