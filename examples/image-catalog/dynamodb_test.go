package imagecatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/examples/internal/dynalite"
	stepwiseaws "github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/stepwisetest"
)

// This file runs the image catalog in hybrid mode: Rekognition and SNS are
// Go functions, the two DynamoDB updateItem states go through the real
// integrations/aws invoker to dynalite, a local DynamoDB, and the test reads
// the catalog back with the AWS SDK.

// Rekognition's answers for the images of this test, as Go values whose
// JSON has Rekognition's member names.
type (
	parent struct{ Name string }
	label  struct {
		Name       string
		Confidence float64
		Parents    []parent
	}
	detection struct {
		DetectedText string
		Type         string
		Id           int
		ParentId     *int `json:",omitempty"`
		Confidence   float64
	}
	moderationLabel struct {
		Confidence float64
		Name       string
		ParentName string
	}
	imageRequest struct {
		Image struct{ S3Object struct{ Bucket, Name string } }
	}
)

// rekognition is a fake Rekognition: it flags the images under flagged/,
// and sees a bicycle and a shed, and the words BIKES ONLY, in every image.
func rekognition(reg *gofunc.Registry) {
	zero := 0
	handle := func(action string, answer func(img imageRequest) any) {
		reg.HandleResource("arn:aws:states:::aws-sdk:rekognition:"+action, func(ctx context.Context, input any) (any, error) {
			var img imageRequest
			if err := json.Unmarshal(value.Encode(input), &img); err != nil {
				return nil, err
			}
			if img.Image.S3Object.Bucket != "image-catalog-ingestion-123456789012" {
				return nil, stepwisetest.TaskError("Rekognition.InvalidS3ObjectException", "Unable to get object metadata from S3.")
			}
			data, err := json.Marshal(answer(img))
			if err != nil {
				return nil, err
			}
			return value.Decode(data)
		})
	}
	handle("detectModerationLabels", func(img imageRequest) any {
		labels := []moderationLabel{}
		if strings.HasPrefix(img.Image.S3Object.Name, "flagged/") {
			labels = append(labels, moderationLabel{Confidence: 87.5, Name: "Weapons", ParentName: "Violence"})
		}
		return map[string]any{"ModerationLabels": labels, "ModerationModelVersion": "7.0"}
	})
	handle("detectLabels", func(imageRequest) any {
		return map[string]any{"Labels": []label{
			{Name: "Bicycle", Confidence: 97.5, Parents: []parent{{"Vehicle"}, {"Transportation"}}},
			{Name: "Shed", Confidence: 88.125, Parents: []parent{{"Building"}}},
		}}
	})
	handle("detectText", func(imageRequest) any {
		return map[string]any{"TextDetections": []detection{
			{DetectedText: "BIKES ONLY", Type: "LINE", Id: 0, Confidence: 98.5},
			{DetectedText: "BIKES", Type: "WORD", Id: 1, ParentId: &zero, Confidence: 98.75},
			{DetectedText: "ONLY", Type: "WORD", Id: 2, ParentId: &zero, Confidence: 98.25},
		}}
	})
}

// sns records the messages published.
type sns struct {
	mu       sync.Mutex
	messages []string
}

func (s *sns) register(reg *gofunc.Registry) {
	reg.HandleResource("arn:aws:states:::sns:publish", func(ctx context.Context, input any) (any, error) {
		msg, _ := input.(*value.Object).Get("Message")
		s.mu.Lock()
		defer s.mu.Unlock()
		s.messages = append(s.messages, msg.(string))
		return value.DecodeString(fmt.Sprintf(`{"MessageId":"msg-%d"}`, len(s.messages)))
	})
}

func TestCatalogInDynamoDB(t *testing.T) {
	endpoint := dynalite.Start(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: sdkaws.String(endpoint)})
	dynamo := stepwiseaws.New(stepwiseaws.Options{
		LoadOptions: []func(*config.LoadOptions) error{
			config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(creds),
		},
		Endpoints: map[string]string{"dynamodb": endpoint},
	})
	fakes := gofunc.New()
	rekognition(fakes)
	var notifications sns
	notifications.register(fakes)
	// Go functions first; what they do not handle (the DynamoDB states) goes
	// to AWS, here dynalite.
	invoker := gofunc.Chain(fakes, dynamo)

	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	runImage := func(key string) *stepwisetest.Execution {
		return m.Run(t, fmt.Sprintf(`{"bucket":"image-catalog-ingestion-123456789012","key":%q}`, key),
			stepwisetest.Fallback(invoker), stepwisetest.ExecutionName(strings.ReplaceAll(key, "/", "-")))
	}
	getItem := func(key string) map[string]types.AttributeValue {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      sdkaws.String("ImageCatalog"),
			Key:            map[string]types.AttributeValue{"Id": &types.AttributeValueMemberS{Value: key}},
			ConsistentRead: sdkaws.Bool(true),
		})
		require.NoError(t, err)
		return out.Item
	}

	// Before the table exists, DynamoDB's error fails a branch, the Parallel
	// state and the execution, with the name Step Functions gives it.
	ex := runImage("bike-shed.png")
	ex.AssertFailed(t, "DynamoDB.ResourceNotFoundException")
	assert.True(t, strings.HasPrefix(ex.Cause, "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: "),
		"cause: %s", ex.Cause)

	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            sdkaws.String("ImageCatalog"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: sdkaws.String("Id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: sdkaws.String("Id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	require.NoError(t, dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String("ImageCatalog")}, 30*time.Second))

	// The uploader's item exists already: UpdateItem's SET adds the two
	// attributes and keeps the others.
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: sdkaws.String("ImageCatalog"),
		Item: map[string]types.AttributeValue{
			"Id":         &types.AttributeValueMemberS{Value: "bike-shed.png"},
			"uploadedBy": &types.AttributeValueMemberS{Value: "ana"},
		},
	})
	require.NoError(t, err)

	ex = runImage("bike-shed.png")
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{
		"bucket": "image-catalog-ingestion-123456789012",
		"key": "bike-shed.png",
		"moderationResult": {"ModerationLabels": [], "ModerationModelVersion": "7.0"},
		"catalog": {"objects": ["Bicycle", "Shed"], "text": ["BIKES ONLY"]}}`)
	assert.Empty(t, notifications.messages)
	// Both updateItem calls reached the service: their results carry the
	// HTTP metadata of DynamoDB's responses.
	var statuses []any
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.TaskOutputEventDetails); ok && e.Type == "TaskSucceeded" && d.ResourceType == "dynamodb" {
			meta, _ := d.Output.Value.(*value.Object).Get("SdkHttpMetadata")
			status, _ := meta.(*value.Object).Get("HttpStatusCode")
			statuses = append(statuses, status)
		}
	}
	assert.Equal(t, []any{int64(200), int64(200)}, statuses)

	item := getItem("bike-shed.png")
	require.NotNil(t, item, "the catalog item")
	strs := map[string]string{}
	for name, v := range item {
		s, ok := v.(*types.AttributeValueMemberS)
		require.True(t, ok, "attribute %s is a string", name)
		strs[name] = s.Value
	}
	assert.Equal(t, map[string]string{
		"Id":         "bike-shed.png",
		"uploadedBy": "ana",
		// States.JsonToString of the Labels and TextDetections: compact JSON,
		// members in Rekognition's order, numbers as they came.
		"detectedObjects": `[{"Name":"Bicycle","Confidence":97.5,"Parents":[{"Name":"Vehicle"},{"Name":"Transportation"}]},` +
			`{"Name":"Shed","Confidence":88.125,"Parents":[{"Name":"Building"}]}]`,
		"detectedText": `[{"DetectedText":"BIKES ONLY","Type":"LINE","Id":0,"Confidence":98.5},` +
			`{"DetectedText":"BIKES","Type":"WORD","Id":1,"ParentId":0,"Confidence":98.75},` +
			`{"DetectedText":"ONLY","Type":"WORD","Id":2,"ParentId":0,"Confidence":98.25}]`,
	}, strs)

	// A flagged image goes to the moderators and is not catalogued.
	ex = runImage("flagged/arsenal.png")
	ex.AssertSucceeded(t)
	ex.AssertStatesVisited(t, "Check for inappropriate content", "Inappropriate content detected?", "Notify content moderators")
	assert.Equal(t, []string{`The image s3://image-catalog-ingestion-123456789012/flagged/arsenal.png was flagged by Amazon Rekognition: ` +
		`[{"Confidence":87.5,"Name":"Weapons","ParentName":"Violence"}]`}, notifications.messages)
	assert.Nil(t, getItem("flagged/arsenal.png"))

	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: sdkaws.String("ImageCatalog")})
	require.NoError(t, err)
	assert.Equal(t, int32(1), scan.Count, "only the appropriate image is in the catalog")
}
