package orderbatches

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/examples/internal/dynalite"
	stepwiseaws "github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/stepwisetest"
)

// TestMigrateCSVToDynamoDB runs migrate.asl.json: a CSV of 60 customers in
// a directory standing in for S3 goes to dynalite, a local DynamoDB, 25
// rows per BatchWriteItem through the real integrations/aws invoker; the
// test reads the table back with the AWS SDK.
func TestMigrateCSVToDynamoDB(t *testing.T) {
	endpoint := dynalite.Start(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	root := t.TempDir()
	var csv strings.Builder
	csv.WriteString("customer_id,name,country\n")
	for i := range 60 {
		fmt.Fprintf(&csv, "c%02d,\"Customer, %d\",%s\n", i, i, []string{"FR", "DE", "PT"}[i%3])
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "crm-export"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "crm-export", "customers.csv"), []byte(csv.String()), 0o644))

	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: sdkaws.String(endpoint)})
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            sdkaws.String("Customers"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: sdkaws.String("CustomerId"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: sdkaws.String("CustomerId"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	require.NoError(t, dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String("Customers")}, 30*time.Second))

	dynamo := stepwiseaws.New(stepwiseaws.Options{
		LoadOptions: []func(*config.LoadOptions) error{config.WithRegion("us-east-1"), config.WithCredentialsProvider(creds)},
		Endpoints:   map[string]string{"dynamodb": endpoint},
	})
	m := stepwisetest.MustLoad(t, "migrate.asl.json")
	ex := m.Run(t, `{"bucket":"crm-export","key":"customers.csv"}`, stepwisetest.Objects(items.Dir{Root: root}), stepwisetest.Fallback(dynamo))
	ex.AssertSucceeded(t)
	// One result per batch: 25, 25 and 10 rows, none left unprocessed.
	ex.AssertOutputJSON(t, `[{"unprocessed":{}},{"unprocessed":{}},{"unprocessed":{}}]`)

	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: sdkaws.String("Customers"), ConsistentRead: sdkaws.Bool(true)})
	require.NoError(t, err)
	require.Len(t, out.Items, 60)
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: sdkaws.String("Customers"),
		Key: map[string]types.AttributeValue{"CustomerId": &types.AttributeValueMemberS{Value: "c41"}}, ConsistentRead: sdkaws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberS{Value: "Customer, 41"}, got.Item["Name"])
	assert.Equal(t, &types.AttributeValueMemberS{Value: "PT"}, got.Item["Country"])
}
