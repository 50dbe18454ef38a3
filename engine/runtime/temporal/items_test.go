package temporal

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/engine"
)

// A Distributed Map that reads items or writes results fails on Temporal,
// naming the field and the state, rather than running without them; one
// that only batches its input's items runs.
func TestDistributedMapItemsAreRefused(t *testing.T) {
	for _, c := range []struct{ field, members string }{
		{"ItemReader", `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"k.json"}}`},
		{"ResultWriter", `"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}}`},
	} {
		t.Run(c.field, func(t *testing.T) {
			def := `{"StartAt":"Fan out","States":{"Fan out":{"Type":"Map",` + c.members + `,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
			r, _ := runEnv(t, nil, ExecutionInput{Definition: def, Input: []byte(`[1,2]`)}, nil)
			if r.res == nil || r.res.Status != engine.StatusFailed || r.res.Error != "States.Runtime" ||
				!strings.Contains(r.res.Cause, "The field '"+c.field+"' of state 'Fan out' cannot run here: the Temporal backend cannot read items") {
				t.Fatalf("result %+v (err %v)", r.res, r.err)
			}
		})
	}

	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatch":2},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	r, _ := runEnv(t, nil, ExecutionInput{Definition: def, Input: []byte(`[1,2,3]`)}, nil)
	if r.res == nil || r.res.Status != engine.StatusSucceeded || string(r.res.Output) != `[{"Items":[1,2]},{"Items":[3]}]` {
		t.Fatalf("batched: %+v (err %v)", r.res, r.err)
	}
}
