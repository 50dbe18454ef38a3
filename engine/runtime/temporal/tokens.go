package temporal

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/integrations"
)

// QueryTokens is the query that lists the task tokens an execution has
// handed out and that still wait for their outcome ([]string, sorted): the
// tokens of the Task states running with one (.waitForTaskToken tasks,
// Step Functions activities) from the moment the task is scheduled until
// its outcome is consumed. A client that receives a token (SendTaskSuccess
// on a server) finds the execution it belongs to with it.
const QueryTokens = "tokens"

// tokenTracker is the workflow's Runtime that remembers the live task
// tokens for QueryTokens. It records nothing in the workflow's history:
// replays are not affected.
type tokenTracker struct {
	*Runtime
	live map[string]bool
}

func trackTokens(rt *Runtime) *tokenTracker {
	return &tokenTracker{Runtime: rt, live: map[string]bool{}}
}

// Invoke records the task's token before the task is scheduled (so that a
// worker's quick answer finds it) and forgets it when the task did not
// leave it pending.
func (t *tokenTracker) Invoke(ctx context.Context, inv integrations.Invoker, task *integrations.Task) (any, error) {
	if task.TaskToken == "" {
		return t.Runtime.Invoke(ctx, inv, task)
	}
	t.live[task.TaskToken] = true
	out, err := t.Runtime.Invoke(ctx, inv, task)
	pending := false
	switch out.(type) {
	case integrations.Pending, *integrations.Pending:
		pending = err == nil
	}
	if !pending {
		delete(t.live, task.TaskToken)
	}
	return out, err
}

// AwaitTask waits for a token's outcome; the token is no longer live
// afterwards.
func (t *tokenTracker) AwaitTask(ctx context.Context, tok string, timeout, heartbeat time.Duration) (any, error) {
	defer delete(t.live, tok)
	return t.Runtime.AwaitTask(ctx, tok, timeout, heartbeat)
}

// tokens answers QueryTokens.
func (t *tokenTracker) tokens() ([]string, error) {
	out := make([]string, 0, len(t.live))
	for tok := range t.live {
		out = append(out, tok)
	}
	sort.Strings(out)
	return out, nil
}

// LiveTokens returns the task tokens the execution of workflowID (its
// latest run) waits for (QueryTokens). A worker must be running to answer.
func LiveTokens(ctx context.Context, c client.Client, workflowID string) ([]string, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", QueryTokens)
	if err != nil {
		return nil, fmt.Errorf("temporal: querying the tokens of %s: %w", workflowID, err)
	}
	var out []string
	if err := v.Get(&out); err != nil {
		return nil, fmt.Errorf("temporal: reading the tokens of %s: %w", workflowID, err)
	}
	return out, nil
}
