package wire

import (
	"net/http"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// BenchmarkPutItem builds a DynamoDB PutItem request and decodes its
// response: the generic client's own cost per call, without the network.
func BenchmarkPutItem(b *testing.B) {
	svc, _, err := model.Embedded().Service("dynamodb")
	if err != nil {
		b.Fatal(err)
	}
	in, _ := value.DecodeString(`{"TableName":"t","Item":{"id":{"S":"1"},"n":{"N":"2"},"m":{"M":{"a":{"L":[{"S":"x"},{"BOOL":true}]}}}},"ReturnValues":"ALL_OLD"}`)
	resp := &Response{Status: 200, Header: http.Header{}, Body: []byte(`{"Attributes":{"id":{"S":"1"},"n":{"N":"1"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.0}}`)}
	for b.Loop() {
		if _, err := Build(svc, "PutItem", in); err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(svc, "PutItem", resp); err != nil {
			b.Fatal(err)
		}
	}
}
