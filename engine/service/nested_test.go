package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations/mock"
)

const (
	acct = "arn:aws:states:us-east-1:123456789012:"
	// nestedChild doubles its input's n.
	nestedChild = `{"StartAt":"D","States":{"D":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`
)

// startTaskMachine is a parent whose one Task starts an execution.
func startTaskMachine(resource, params string, extra string) string {
	return `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution` + resource +
		`","Parameters":` + params + `,` + extra + `"End":true}}}`
}

// outputObject decodes an execution's JSON output.
func outputObject(t *testing.T, d *sfn.DescribeExecutionOutput) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &m); err != nil {
		t.Fatalf("output %q: %v", aws.ToString(d.Output), err)
	}
	return m
}

func startAndWait(t *testing.T, c *sfn.Client, smArn, name, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := c.StartExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return waitDone(t, c, *out.ExecutionArn)
}

func listNames(t *testing.T, c *sfn.Client, smArn string) []string {
	t.Helper()
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range l.Executions {
		names = append(names, *e.Name+"="+string(e.Status))
	}
	return names
}

func TestNestedPatterns(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	child := createMachine(t, c, "child", nestedChild, "")
	express := createMachine(t, c, "fast", nestedChild, types.StateMachineTypeExpress)
	params := func(sm, name string) string {
		return fmt.Sprintf(`{"StateMachineArn":%q,"Name":%q,"Input":{"n.$":"$.n"}}`, sm, name)
	}

	// .sync: the child's description, Input and Output as JSON text.
	syncP := createMachine(t, c, "sync", startTaskMachine(".sync", params(child, "s1"), ""), "")
	d := startAndWait(t, c, syncP, "p-sync", `{"n":2}`)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf(".sync: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	o := outputObject(t, d)
	if o["ExecutionArn"] != acct+"execution:child:s1" || o["Output"] != `{"doubled":4}` || o["Input"] != `{"n":2}` ||
		o["Status"] != "SUCCEEDED" || o["Name"] != "s1" || o["StateMachineArn"] != child {
		t.Errorf(".sync output %s", aws.ToString(d.Output))
	}
	if _, ok := o["StartDate"].(float64); !ok {
		t.Errorf(".sync StartDate %v", o["StartDate"])
	}
	if _, ok := o["StopDate"].(float64); !ok {
		t.Errorf(".sync StopDate %v", o["StopDate"])
	}

	// .sync:2: Input and Output as JSON values.
	sync2 := createMachine(t, c, "sync2", startTaskMachine(".sync:2", params(child, "s2"), `"OutputPath":"$.Output",`), "")
	if d := startAndWait(t, c, sync2, "p-sync2", `{"n":5}`); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"doubled":10}` {
		t.Errorf(".sync:2: %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}

	// .sync:2 of an EXPRESS child, with a generated name.
	fastP := createMachine(t, c, "syncfast", startTaskMachine(".sync:2",
		fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"n.$":"$.n"}}`, express), ""), "")
	d = startAndWait(t, c, fastP, "", `{"n":7}`)
	o = outputObject(t, d)
	if d.Status != types.ExecutionStatusSucceeded || fmt.Sprint(o["Output"]) != "map[doubled:14]" ||
		!strings.HasPrefix(fmt.Sprint(o["ExecutionArn"]), acct+"express:fast:") {
		t.Errorf("express .sync:2: %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}

	// Request-response: the ARN and the start date.
	rr := createMachine(t, c, "rr", startTaskMachine("", params(child, "r1"), ""), "")
	d = startAndWait(t, c, rr, "p-rr", `{"n":1}`)
	o = outputObject(t, d)
	if d.Status != types.ExecutionStatusSucceeded || o["ExecutionArn"] != acct+"execution:child:r1" || len(o) != 2 {
		t.Errorf("request-response: %s %s", d.Status, aws.ToString(d.Output))
	}
	if ms, ok := o["StartDate"].(float64); !ok || time.Since(time.UnixMilli(int64(ms))) > time.Minute {
		t.Errorf("request-response StartDate %v", o["StartDate"])
	}
	r1 := waitDone(t, c, acct+"execution:child:r1")
	if r1.Status != types.ExecutionStatusSucceeded || aws.ToString(r1.Output) != `{"doubled":2}` {
		t.Errorf("request-response child: %s %s", r1.Status, aws.ToString(r1.Output))
	}

	// Children and parents are executions like any other.
	if got := strings.Join(listNames(t, c, child), ","); got != "r1=SUCCEEDED,s2=SUCCEEDED,s1=SUCCEEDED" {
		t.Errorf("children listed: %s", got)
	}
	if got := strings.Join(listNames(t, c, syncP), ","); got != "p-sync=SUCCEEDED" {
		t.Errorf("parents listed: %s", got)
	}
}

func TestNestedWaitForTaskToken(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	// The child beats the parent's token's heart, then completes it.
	child := createMachine(t, c, "worker", `{"StartAt":"Beat","States":{
		"Beat":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat","Parameters":{"TaskToken.$":"$.token"},"ResultPath":null,"Next":"Reply"},
		"Reply":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
			"Parameters":{"TaskToken.$":"$.token","Output":{"from":"child"}},"End":true}}}`, "")
	parent := createMachine(t, c, "asker", startTaskMachine(".waitForTaskToken",
		fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"token.$":"$$.Task.Token"}}`, child), `"HeartbeatSeconds":60,"ResultPath":"$.reply",`), "")
	d := startAndWait(t, c, parent, "p", `{"q":1}`)
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"q":1,"reply":{"from":"child"}}` {
		t.Errorf("waitForTaskToken: %s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	// sendTaskFailure fails the parent's task with the child's error.
	failer := createMachine(t, c, "failer", `{"StartAt":"Fail","States":{"Fail":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
		"Parameters":{"TaskToken.$":"$.token","Error":"Child.Refused","Cause":"no"},"End":true}}}`, "")
	parent2 := createMachine(t, c, "asker2", startTaskMachine(".waitForTaskToken",
		fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"token.$":"$$.Task.Token"}}`, failer), ""), "")
	d = startAndWait(t, c, parent2, "p", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Child.Refused" || aws.ToString(d.Cause) != "no" {
		t.Errorf("sendTaskFailure: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	// A token that does not exist fails the child's task as the aws-sdk
	// integration names it.
	bad := createMachine(t, c, "bad", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
		"Parameters":{"TaskToken":"nope","Output":{}},"End":true}}}`, "")
	d = startAndWait(t, c, bad, "b", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Sfn.InvalidTokenException" ||
		!strings.Contains(aws.ToString(d.Cause), "(Service: Sfn, Status Code: 400") {
		t.Errorf("bad token: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestNestedFailures(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	child := createMachine(t, c, "broken", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Child.Broke","Cause":"gears"}}}`, "")
	parent := createMachine(t, c, "p", startTaskMachine(".sync", fmt.Sprintf(`{"StateMachineArn":%q,"Name":"k"}`, child), ""), "")
	d := startAndWait(t, c, parent, "p1", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.TaskFailed" {
		t.Fatalf("failing child: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var cause map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(d.Cause)), &cause); err != nil {
		t.Fatalf("cause %q: %v", aws.ToString(d.Cause), err)
	}
	if cause["Status"] != "FAILED" || cause["Error"] != "Child.Broke" || cause["Cause"] != "gears" || cause["ExecutionArn"] != acct+"execution:broken:k" {
		t.Errorf("cause %s", aws.ToString(d.Cause))
	}

	missing := createMachine(t, c, "orphan", startTaskMachine(".sync", `{"StateMachineArn":"`+acct+`stateMachine:nobody"}`, ""), "")
	d = startAndWait(t, c, missing, "o1", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "StepFunctions.StateMachineDoesNotExistException" ||
		!strings.HasPrefix(aws.ToString(d.Cause), "State Machine Does Not Exist: '"+acct+"stateMachine:nobody' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist;") {
		t.Errorf("missing machine: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	// A name taken by a closed child with another input.
	again := createMachine(t, c, "again", startTaskMachine("", fmt.Sprintf(`{"StateMachineArn":%q,"Name":"k","Input":{"other":1}}`, child), ""), "")
	d = startAndWait(t, c, again, "a1", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "StepFunctions.ExecutionAlreadyExistsException" {
		t.Errorf("name taken: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// A mocked state stays mocked: no child is started.
func TestNestedMocked(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"p":{"TestCases":{"T":{"Run":"Done"}}}},
		"MockedResponses":{"Done":{"0":{"Return":{"mocked":true}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := startServer(t, service.Options{Mocks: cfg}, true).client
	child := createMachine(t, c, "child", nestedChild, "")
	parent := createMachine(t, c, "p", startTaskMachine(".sync", fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"n":1}}`, child), ""), "")
	if d := startAndWait(t, c, parent+"#T", "m", `{}`); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"mocked":true}` {
		t.Errorf("mocked: %s %s", d.Status, aws.ToString(d.Output))
	}
	if got := listNames(t, c, child); len(got) != 0 {
		t.Errorf("children of a mocked state: %v", got)
	}
}

// nestedActivityMachines creates an activity, a child that works on it and
// a parent that runs the child with .sync (named kid-<n> from the input).
func nestedActivityMachines(t *testing.T, c *sfn.Client) (act, child, parent string) {
	t.Helper()
	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	child = createMachine(t, c, "kid", fmt.Sprintf(activityMachine, *a.ActivityArn), "")
	parent = createMachine(t, c, "boss", startTaskMachine(".sync:2",
		fmt.Sprintf(`{"StateMachineArn":%q,"Name.$":"States.Format('kid-{}', $.n)","Input":{"n.$":"$.n"}}`, child),
		`"OutputPath":"$.Output",`), "")
	return *a.ActivityArn, child, parent
}

func TestNestedStopParent(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	act, _, parent := nestedActivityMachines(t, c)
	p, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(parent), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	pollTask(t, c, act) // the child runs
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: p.ExecutionArn, Error: aws.String("Halt")}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(acct + "execution:kid:kid-1")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusAborted {
		t.Errorf("child after its parent was stopped: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if d := waitDone(t, c, *p.ExecutionArn); d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Halt" {
		t.Errorf("parent: %s %s", d.Status, aws.ToString(d.Error))
	}

	// A .sync task that times out stops its child too.
	child := acct + "stateMachine:kid"
	timed := createMachine(t, c, "impatient", startTaskMachine(".sync",
		fmt.Sprintf(`{"StateMachineArn":%q,"Name":"kid-t","Input":{"n":2}}`, child), `"TimeoutSeconds":1,`), "")
	d = startAndWait(t, c, timed, "t1", `{}`)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Timeout" {
		t.Errorf("timed-out parent: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if d := waitDone(t, c, acct+"execution:kid:kid-t"); d.Status != types.ExecutionStatusAborted {
		t.Errorf("child of a timed-out task: %s", d.Status)
	}
}

// restartable is a service on a database file that can be restarted.
type restartable struct {
	path  string
	store *store.SQLite
	svc   *service.Service
	http  *httptest.Server
}

func (r *restartable) open(t *testing.T) *sfn.Client {
	t.Helper()
	st, err := store.Open(ctx, r.path, store.Options{OnError: func(err error) { t.Errorf("store: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Options{Store: st, ActivityPollTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r.store, r.svc, r.http = st, svc, httptest.NewServer(svc)
	return newClient(r.http.URL)
}

func (r *restartable) close(t *testing.T) {
	t.Helper()
	if r.svc == nil {
		return
	}
	r.http.Close()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.svc.Shutdown(sctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := r.store.Close(); err != nil {
		t.Errorf("closing the store: %v", err)
	}
	r.svc = nil
}

// After a restart a .sync parent waits for the child it started before,
// whether the child still runs or already ended.
func TestNestedSyncAcrossRestart(t *testing.T) {
	srv := &restartable{path: filepath.Join(t.TempDir(), "stepwise.db")}
	t.Cleanup(func() { srv.close(t) })
	c := srv.open(t)
	act, child, parent := nestedActivityMachines(t, c)
	var parents []string
	for n := range 2 {
		p, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(parent), Input: aws.String(fmt.Sprintf(`{"n":%d}`, n))})
		if err != nil {
			t.Fatal(err)
		}
		parents = append(parents, *p.ExecutionArn)
	}
	pollTask(t, c, act) // both children run
	pollTask(t, c, act)
	srv.close(t)

	// kid-1 ended while the server was down (as if it had ended as the
	// server stopped, before its parent recorded it).
	st, err := store.Open(ctx, srv.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kid1, err := st.GetExecution(ctx, acct+"execution:kid:kid-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishExecution(ctx, kid1.ID, store.Finish{Status: "SUCCEEDED", Output: `{"early":true}`, StopDate: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	c = srv.open(t)
	task := pollTask(t, c, act) // kid-0 works again
	if aws.ToString(task.Input) != `{"n":0}` {
		t.Fatalf("task after the restart: %s", aws.ToString(task.Input))
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"late":true}`)}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`{"late":true}`, `{"early":true}`} {
		d := waitDone(t, c, parents[i])
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != want {
			t.Errorf("parent %d: %s %s %s %s", i, d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
	names := listNames(t, c, child)
	slices.Sort(names) // the parents started them concurrently
	if got := strings.Join(names, ","); got != "kid-0=SUCCEEDED,kid-1=SUCCEEDED" {
		t.Errorf("children after the restart: %s", got)
	}
}
