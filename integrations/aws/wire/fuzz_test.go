package wire

import (
	"net/http"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// FuzzWire feeds arbitrary parameters and response bodies to one operation
// of each protocol: building and decoding return errors, never panic.
func FuzzWire(f *testing.F) {
	f.Add(`{"TableName":"t","Item":{"a":{"S":"x"}}}`, `{"Attributes":{"a":{"M":{}}}}`, uint16(200), uint8(0))
	f.Add(`{"Bucket":"b","Key":"k/../x","Body":{"a":1}}`, `<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>`, uint16(200), uint8(1))
	f.Add(`{"TopicArn":"x","MessageAttributes":{"k":{"DataType":"String"}}}`, `<ErrorResponse><Error><Code>NotFound</Code></Error></ErrorResponse>`, uint16(404), uint8(2))
	f.Add(`{"FunctionName":"f","Qualifier":"1","Payload":"e30="}`, `{"x":1}`, uint16(200), uint8(3))
	f.Add(`{"Filters":{"k":["a","b"]}}`, `{"scrapers":[{"scraperId":1}]}`, uint16(500), uint8(4))
	ops := []struct{ service, op string }{
		{"dynamodb", "PutItem"}, {"s3", "ListObjectsV2"}, {"sns", "Publish"}, {"lambda", "Invoke"}, {"amp", "ListScrapers"},
		{"s3", "GetObject"}, {"sqs", "ReceiveMessage"}, {"apigateway", "GetRestApi"},
	}
	c := model.Embedded()
	svcs := map[string]*model.Service{}
	for _, o := range ops {
		s, _, err := c.Service(o.service)
		if err != nil {
			f.Fatal(err)
		}
		svcs[o.service] = s
	}
	f.Fuzz(func(t *testing.T, params, body string, status uint16, which uint8) {
		o := ops[int(which)%len(ops)]
		svc := svcs[o.service]
		if v, err := value.DecodeString(params); err == nil {
			_, _ = Build(svc, o.op, v)
		}
		h := http.Header{}
		h.Set("X-Amzn-Errortype", body)
		h.Set("Content-Type", "application/json")
		_, _ = Decode(svc, o.op, &Response{Status: int(status), Header: h, Body: []byte(body)})
	})
}
