package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
)

// runTemporalUsage documents the flags of stepwise run --backend temporal.
const runTemporalUsage = `
backends:
  --backend local|temporal  local (default): in process; temporal: as the workflow
                          stepwise.Execution on a Temporal server, run by stepwise worker
                          processes (with --mocks, the worker must have the same file)
  --address HOST:PORT     (temporal) the frontend (default $TEMPORAL_ADDRESS, else localhost:7233)
  --namespace NAME        (temporal) the namespace (default $TEMPORAL_NAMESPACE, else default)
  --task-queue NAME       (temporal) the task queue (default stepwise)
  --workflow-id ID        (temporal) the workflow ID (default: the execution name)
`

// temporalRunFlags are run's flags for the Temporal backend.
type temporalRunFlags struct {
	conn       *temporalConn
	workflowID string
}

// addTemporalRunFlags registers run's Temporal flags on fs.
func addTemporalRunFlags(fs *flag.FlagSet) *temporalRunFlags {
	f := &temporalRunFlags{conn: addConnFlags(fs)}
	fs.StringVar(&f.workflowID, "workflow-id", "", "")
	return f
}

// runTemporal is stepwise run --backend temporal: it starts the execution
// as a workflow, waits for its end and prints it as stepwise run does.
func runTemporal(ctx context.Context, f *runFlags, stdout, stderr io.Writer) int {
	if f.trace || f.virtualClock {
		fmt.Fprintln(stderr, "stepwise run: --trace and --virtual-clock need --backend local")
		return 2
	}
	if _, ok := loadMachine("run", f.file, stderr); !ok {
		return 2
	}
	def, err := os.ReadFile(f.file)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	input, err := readInput(f.input)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: invalid input: %v\n", err)
		return 2
	}
	tc, smName, err := f.mockCase()
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	var mocks *temporal.Mocks
	if tc != nil {
		// The mocked responses travel in the workflow input and the
		// workflow answers them itself, so mocked tasks end together as
		// in process, and the worker needs no mock file.
		mocks = temporal.NewMocks(tc)
	}
	start := time.Now().UTC()
	name := f.executionName
	if name == "" {
		name = "run-" + start.Format("20060102T150405.000000000Z")
	}
	in := temporal.ExecutionInput{
		Definition:       string(def),
		Input:            json.RawMessage(value.Encode(input)),
		ExecutionName:    name,
		StateMachineName: smName,
		Region:           "us-east-1",
		AccountID:        "123456789012",
		RoleArn:          "arn:aws:iam::123456789012:role/stepwise",
		PayloadLimit:     f.payloadLimit,
		Runtime:          temporal.RuntimeOptions{Mocks: mocks},
	}
	if f.payloadLimit == 0 {
		in.PayloadLimit = -1
	}
	tf := f.temporal
	c, err := tf.conn.dial(ctx, stderr, false)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: connecting to %s: %v\n", tf.conn.address, err)
		return 1
	}
	defer c.Close()
	id := tf.workflowID
	if id == "" {
		id = name
	}
	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: tf.conn.taskQueue}, in)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: starting the workflow: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "stepwise run: started workflow %s (run %s) on task queue %q\n", run.GetID(), run.GetRunID(), tf.conn.taskQueue)
	res, err := temporal.Result(ctx, run)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: workflow %s: %v\n", run.GetID(), err)
		return 1
	}
	code := 0
	if res.Status != engine.StatusSucceeded {
		code = 1
	}
	if f.json {
		doc := value.NewObject(5)
		doc.Append("status", res.Status)
		if res.Status == engine.StatusSucceeded {
			out, err := value.Decode(res.Output)
			if err != nil {
				fmt.Fprintf(stderr, "stepwise run: output: %v\n", err)
				return 1
			}
			doc.Append("output", out)
		} else {
			doc.Append("error", res.Error)
			doc.Append("cause", res.Cause)
		}
		if f.history {
			events, err := temporalEvents(ctx, c, run.GetID())
			if err != nil {
				fmt.Fprintf(stderr, "stepwise run: history: %v\n", err)
				return 1
			}
			doc.Append("events", events)
		}
		stdout.Write(append(value.Encode(doc), '\n'))
		return code
	}
	if code == 0 {
		stdout.Write(append([]byte(res.Output), '\n'))
		return 0
	}
	fmt.Fprintf(stderr, "execution %s\nerror: %s\ncause: %s\n", res.Status, res.Error, res.Cause)
	return code
}

// temporalEvents queries an execution's history and renders its events as
// stepwise run --json --history does locally.
func temporalEvents(ctx context.Context, c client.Client, workflowID string) ([]any, error) {
	raw, err := temporal.History(ctx, c, workflowID, "")
	if err != nil {
		return nil, err
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, err
	}
	list, _ := v.([]any)
	out := make([]any, 0, len(list))
	for _, item := range list {
		e, ok := item.(*value.Object)
		if !ok {
			continue
		}
		o := value.NewObject(5)
		id, _ := e.Get("id")
		prev, _ := e.Get("previousEventId")
		o.Append("id", id)
		o.Append("previousEventId", prev)
		if ts, ok := e.Get("timestamp"); ok {
			var ms int64
			switch n := ts.(type) {
			case float64:
				ms = int64(n*1000 + 0.5)
			case int64:
				ms = n * 1000
			}
			o.Append("timestamp", time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
		}
		typ, _ := e.Get("type")
		o.Append("type", typ)
		for i := 0; i < e.Len(); i++ {
			k, d := e.At(i)
			if strings.HasSuffix(k, "EventDetails") {
				o.Append("details", d)
			}
		}
		out = append(out, o)
	}
	return out, nil
}
