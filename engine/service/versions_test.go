package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// wantRaw posts a request without the SDK (so that no client-side check
// hides the server's answer) and checks the status, __type and message.
func wantRaw(t *testing.T, url, op, body string, status int, typ, message string) {
	t.Helper()
	code, out := rawCall(t, url, "AWSStepFunctions."+op, body)
	if code != status || out["__type"] != typ || (message != "" && out["message"] != message) {
		t.Errorf("%s %s = %d %v, want %d %s %q", op, body, code, out, status, typ, message)
	}
}

const passV1 = `{"Comment":"v1","StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":1},"End":true}}}`
const passV2 = `{"Comment":"v2","StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":2},"End":true}}}`

func TestVersions(t *testing.T) {
	s := startServer(t, service.Options{}, false)
	c := s.client

	// versionDescription without publish (recorded: test_create_with_version_description_no_publish).
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vm"), Definition: aws.String(passV1),
		RoleArn: aws.String(role), VersionDescription: aws.String("d")})
	wantCode(t, err, "ValidationException")
	if !strings.Contains(err.Error(), "Version description can only be set when publish is true") {
		t.Errorf("message: %v", err)
	}

	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vm"), Definition: aws.String(passV1),
		RoleArn: aws.String(role), Publish: true, VersionDescription: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	smArn := *cr.StateMachineArn
	if aws.ToString(cr.StateMachineVersionArn) != smArn+":1" {
		t.Fatalf("stateMachineVersionArn = %v", aws.ToString(cr.StateMachineVersionArn))
	}
	// A version of a never-updated machine: no revisionId; the version's description.
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn + ":1")})
	if err != nil {
		t.Fatal(err)
	}
	if *d.StateMachineArn != smArn+":1" || aws.ToString(d.Description) != "first" || d.RevisionId != nil || *d.Definition != passV1 || d.Status != types.StateMachineStatusActive {
		t.Errorf("DescribeStateMachine(version) = %+v", d)
	}
	base, _ := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn)})
	if base.Description != nil || *base.StateMachineArn != smArn {
		t.Errorf("DescribeStateMachine(base) = %+v", base)
	}

	// An identical update with publish: the same version, no revisionId
	// (recorded: test_empty_revision_with_publish_and_publish_on_creation).
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV1), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.StateMachineVersionArn) != smArn+":1" || up.RevisionId != nil {
		t.Errorf("identical update = %+v", up)
	}
	// A real update with publish: version 2 with the update's revisionId.
	up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV2), Publish: true, VersionDescription: aws.String("second")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.StateMachineVersionArn) != smArn+":2" || up.RevisionId == nil {
		t.Fatalf("update = %+v", up)
	}
	rev2 := *up.RevisionId
	d, _ = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn + ":2")})
	if aws.ToString(d.RevisionId) != rev2 || *d.Definition != passV2 || aws.ToString(d.Description) != "second" {
		t.Errorf("version 2 = %+v", d)
	}
	// The same definition again keeps the revision.
	up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV2)})
	if err != nil || aws.ToString(up.RevisionId) != rev2 || up.StateMachineVersionArn != nil {
		t.Errorf("identical update = %+v, %v", up, err)
	}
	// Publishing the current revision again is idempotent (test_idempotent_publish).
	pub, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smArn)})
	if err != nil || *pub.StateMachineVersionArn != smArn+":2" {
		t.Fatalf("publish = %+v, %v", pub, err)
	}
	// A stale revisionId is a ConflictException (test_publish_state_machine_version).
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV1)}); err != nil {
		t.Fatal(err)
	}
	cur, _ := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn)})
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smArn), RevisionId: aws.String(rev2)})
	wantCode(t, err, "ConflictException")
	want := fmt.Sprintf("Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", rev2, *cur.RevisionId)
	wantRaw(t, s.http.URL, "PublishStateMachineVersion", fmt.Sprintf(`{"stateMachineArn":%q,"revisionId":%q}`, smArn, rev2), 409, "ConflictException", want)
	pub, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smArn), RevisionId: cur.RevisionId, Description: aws.String("third")})
	if err != nil || *pub.StateMachineVersionArn != smArn+":3" || pub.CreationDate == nil {
		t.Fatalf("publish 3 = %+v, %v", pub, err)
	}

	// Newest first, paged (test_list_state_machine_versions_pagination).
	l, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(smArn), MaxResults: 2})
	if err != nil || len(l.StateMachineVersions) != 2 || *l.StateMachineVersions[0].StateMachineVersionArn != smArn+":3" || l.NextToken == nil {
		t.Fatalf("page 1 = %+v, %v", l, err)
	}
	l, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(smArn), NextToken: l.NextToken})
	if err != nil || len(l.StateMachineVersions) != 1 || *l.StateMachineVersions[0].StateMachineVersionArn != smArn+":1" || l.NextToken != nil {
		t.Fatalf("page 2 = %+v, %v", l, err)
	}

	// Delete: idempotent, and numbers are never reused (test_version_ids_between_deletions).
	for range 2 {
		if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(smArn + ":3")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn + ":3")})
	wantCode(t, err, "StateMachineDoesNotExist")
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passMachine)}); err != nil {
		t.Fatal(err)
	}
	pub, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smArn)})
	if err != nil || *pub.StateMachineVersionArn != smArn+":4" {
		t.Fatalf("publish after delete = %+v, %v", pub, err)
	}

	// UpdateStateMachine on a version ARN (recorded: test_update_state_machine).
	url := s.http.URL
	wantRaw(t, url, "UpdateStateMachine", fmt.Sprintf(`{"stateMachineArn":"%s:2","definition":%q}`, smArn, passV1), 400,
		"StateMachineDoesNotExist", fmt.Sprintf("State Machine Does Not Exist: '%s:2'", smArn))
	// Wrong input, as plain HTTP.
	wantRaw(t, url, "PublishStateMachineVersion", `{"stateMachineArn":"invalid_arn"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_arn'")
	wantRaw(t, url, "PublishStateMachineVersion", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:none"}`, 400,
		"StateMachineDoesNotExist", "State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:none'")
	wantRaw(t, url, "CreateStateMachine", fmt.Sprintf(`{"name":"x","definition":%q,"roleArn":%q,"versionDescription":"d"}`, passV1, role), 400,
		"ValidationException", "Version description can only be set when publish is true")
	wantRaw(t, url, "ListStateMachineVersions", fmt.Sprintf(`{"stateMachineArn":%q,"maxResults":1001}`, smArn), 400, "ValidationException",
		"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	long := strings.Repeat("x", 1025)
	wantRaw(t, url, "ListStateMachineVersions", fmt.Sprintf(`{"stateMachineArn":%q,"nextToken":%q}`, smArn, long), 400, "ValidationException",
		"1 validation error detected: Value '"+long+"' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024")
	wantRaw(t, url, "DeleteStateMachineVersion", fmt.Sprintf(`{"stateMachineVersionArn":%q}`, "nope"), 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
	// Versions take no tags (recorded: test_tag_state_machine_version).
	wantRaw(t, url, "TagResource", fmt.Sprintf(`{"resourceArn":"%s:1","tags":[{"key":"k","value":"v"}]}`, smArn), 400,
		"ResourceNotFound", fmt.Sprintf("Resource not found: '%s:1'", smArn))

	// Deleting the state machine deletes its versions.
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smArn)}); err != nil {
		t.Fatal(err)
	}
	createMachine(t, c, "vm", passV1, "")
	l, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(smArn)})
	if err != nil || len(l.StateMachineVersions) != 0 {
		t.Fatalf("versions of a re-created machine = %+v, %v", l, err)
	}
}

func TestStartExecutionOnVersionAndAlias(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("al"), Definition: aws.String(passV1), RoleArn: aws.String(role), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	smArn, v1 := *cr.StateMachineArn, *cr.StateMachineVersionArn
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV2), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	v2 := *up.StateMachineVersionArn

	// A version runs its own definition, whatever the current one is.
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passMachine)}); err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *ex.ExecutionArn)
	if aws.ToString(d.Output) != `{"v":1}` || aws.ToString(d.StateMachineVersionArn) != v1 || d.StateMachineAliasArn != nil || *d.StateMachineArn != smArn {
		t.Errorf("execution of v1 = %+v", d)
	}
	if !strings.HasPrefix(*ex.ExecutionArn, "arn:aws:states:us-east-1:123456789012:execution:al:") {
		t.Errorf("execution ARN = %s", *ex.ExecutionArn)
	}
	// DescribeStateMachineForExecution: the base ARN, the version's definition,
	// no revisionId for the creation revision (test_describe_state_machine_for_execution_of_version).
	dm, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || *dm.StateMachineArn != smArn || *dm.Definition != passV1 || dm.RevisionId != nil {
		t.Errorf("DescribeStateMachineForExecution = %+v, %v", dm, err)
	}

	// Aliases.
	ca, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), Description: aws.String("d"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v2), Weight: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	alias := *ca.StateMachineAliasArn
	if alias != smArn+":live" {
		t.Fatalf("alias ARN = %s", alias)
	}
	// The same request again is idempotent; another one is a conflict (test_error_create_alias_not_idempotent).
	again, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), Description: aws.String("d"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v2), Weight: 100}}})
	if err != nil || !again.CreationDate.Equal(*ca.CreationDate) {
		t.Fatalf("idempotent alias = %+v, %v", again, err)
	}
	_, err = c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), Description: aws.String("other"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v2), Weight: 100}}})
	wantCode(t, err, "ConflictException")

	ex, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(alias)})
	if err != nil {
		t.Fatal(err)
	}
	d = waitDone(t, c, *ex.ExecutionArn)
	if aws.ToString(d.Output) != `{"v":2}` || aws.ToString(d.StateMachineVersionArn) != v2 || aws.ToString(d.StateMachineAliasArn) != alias {
		t.Errorf("execution through the alias = %+v", d)
	}
	// A version an alias routes to can't be deleted (test_delete_version_with_alias).
	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	wantCode(t, err, "ConflictException")
	wantRaw(t, s.http.URL, "DeleteStateMachineVersion", fmt.Sprintf(`{"stateMachineVersionArn":%q}`, v2), 409, "ConflictException",
		"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]")

	// Two versions by weight: both are picked over many starts.
	if _, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(alias),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 50}, {StateMachineVersionArn: aws.String(v2), Weight: 50}}}); err != nil {
		t.Fatal(err)
	}
	da, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)})
	if err != nil || *da.Name != "live" || aws.ToString(da.Description) != "d" || len(da.RoutingConfiguration) != 2 || da.RoutingConfiguration[0].Weight != 50 || da.UpdateDate == nil {
		t.Fatalf("DescribeStateMachineAlias = %+v, %v", da, err)
	}
	seen := map[string]int{}
	for i := range 60 {
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(alias), Name: aws.String(fmt.Sprintf("w%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		d := waitDone(t, c, *ex.ExecutionArn)
		seen[aws.ToString(d.StateMachineVersionArn)]++
	}
	if seen[v1] == 0 || seen[v2] == 0 || seen[v1]+seen[v2] != 60 {
		t.Errorf("versions picked by a 50/50 alias: %v", seen)
	}

	// ListExecutions: the base lists all, with their origins; a version or
	// an alias lists those started through it.
	all, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn), MaxResults: 1000})
	if err != nil || len(all.Executions) != 62 {
		t.Fatalf("ListExecutions(base) = %d, %v", len(all.Executions), err)
	}
	last := all.Executions[len(all.Executions)-1]
	if aws.ToString(last.StateMachineVersionArn) != v1 || last.StateMachineAliasArn != nil || last.RedriveCount == nil || *last.RedriveCount != 0 {
		t.Errorf("oldest item = %+v", last)
	}
	byAlias, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(alias), MaxResults: 1000})
	if err != nil || len(byAlias.Executions) != 61 {
		t.Fatalf("ListExecutions(alias) = %d, %v", len(byAlias.Executions), err)
	}
	byV1, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(v1), MaxResults: 1000})
	if err != nil || len(byV1.Executions) != seen[v1]+1 {
		t.Fatalf("ListExecutions(v1) = %d, %v (want %d)", len(byV1.Executions), err, seen[v1]+1)
	}

	// List and delete aliases.
	if _, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("beta"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	la, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(smArn), MaxResults: 1})
	if err != nil || len(la.StateMachineAliases) != 1 || *la.StateMachineAliases[0].StateMachineAliasArn != smArn+":beta" || la.NextToken == nil {
		t.Fatalf("aliases page 1 = %+v, %v", la, err)
	}
	la, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(smArn), NextToken: la.NextToken})
	if err != nil || len(la.StateMachineAliases) != 1 || *la.StateMachineAliases[0].StateMachineAliasArn != alias {
		t.Fatalf("aliases page 2 = %+v, %v", la, err)
	}
	la, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(v2)})
	if err != nil || len(la.StateMachineAliases) != 1 || *la.StateMachineAliases[0].StateMachineAliasArn != alias {
		t.Fatalf("aliases of v2 = %+v, %v", la, err)
	}
	_, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(smArn), NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidToken")
	for range 2 {
		if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)})
	wantCode(t, err, "ResourceNotFound")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(alias)})
	wantCode(t, err, "StateMachineDoesNotExist")
	// Now unreferenced, v2 can go.
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(v2)})
	wantCode(t, err, "StateMachineDoesNotExist")
}

func TestAliasValidation(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("av"), Definition: aws.String(passV1), RoleArn: aws.String(role), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	smArn, v1 := *cr.StateMachineArn, *cr.StateMachineVersionArn
	up, _ := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn), Definition: aws.String(passV2), Publish: true})
	v2 := *up.StateMachineVersionArn
	url := s.http.URL
	route := func(arn string, w int) string {
		return fmt.Sprintf(`{"stateMachineVersionArn":%q,"weight":%d}`, arn, w)
	}
	create := func(name string, routes ...string) string {
		return fmt.Sprintf(`{"name":%q,"routingConfiguration":[%s]}`, name, strings.Join(routes, ","))
	}
	// Each recorded in test_error_create_alias_invalid_router_configs / _invalid_name / _with_state_machine_arn.
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(smArn, 100)), 400, "ValidationException",
		"Routing configuration must contain state machine version ARNs. Received: ["+smArn+"]")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(v1, 50), route(v2, 30), route(smArn+":3", 20)), 400, "ValidationException",
		"1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn="+v1+", weight=50), RoutingConfigurationListItem(stateMachineVersionArn="+v2+", weight=30), RoutingConfigurationListItem(stateMachineVersionArn="+smArn+":3, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(v1, 50), route(v1, 50)), 400, "ValidationException",
		"Routing configuration must contain distinct state machine version ARNs. Received: ["+v1+", "+v1+"]")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(smArn, 50), route(v2, 50)), 400, "ValidationException",
		"Routing configuration must contain state machine version ARNs. Received: ["+smArn+", "+v2+"]")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(v1, 101)), 400, "ValidationException",
		"1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(v1, -1)), 400, "ValidationException", "")
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(v1, 70), route(v2, 29)), 400, "ValidationException",
		"Sum of routing configuration weights must equal 100. Received: [70, 29]")
	wantRaw(t, url, "CreateStateMachineAlias", create("a"), 400, "ValidationException", "")
	for _, name := range []string{"123", "INVALID ALIAS", "!INVALID", "ALIAS@"} {
		wantRaw(t, url, "CreateStateMachineAlias", create(name, route(v1, 100)), 400, "ValidationException",
			"1 validation error detected: Value '"+name+`' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`)
	}
	long := strings.Repeat("A", 81)
	wantRaw(t, url, "CreateStateMachineAlias", create(long, route(v1, 100)), 400, "ValidationException",
		"1 validation error detected: Value '"+long+"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80")
	// A version that does not exist.
	wantRaw(t, url, "CreateStateMachineAlias", create("a", route(smArn+":9", 100)), 400, "ResourceNotFound", "")
	// Update of an alias that does not exist (recorded: test_update_no_such_alias_arn).
	wantRaw(t, url, "UpdateStateMachineAlias", fmt.Sprintf(`{"stateMachineAliasArn":"%s:nope","description":"x"}`, smArn), 400,
		"ResourceNotFound", "Request references a resource that does not exist.")
	// Delete of an alias that does not exist succeeds (test_delete_no_such_alias_arn).
	code, _ := rawCall(t, url, "AWSStepFunctions.DeleteStateMachineAlias", fmt.Sprintf(`{"stateMachineAliasArn":"%s:nope"}`, smArn))
	if code != 200 {
		t.Errorf("DeleteStateMachineAlias of none: %d", code)
	}
	wantRaw(t, url, "DescribeStateMachineAlias", `{"stateMachineAliasArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
	wantRaw(t, url, "ListStateMachineAliases", fmt.Sprintf(`{"stateMachineArn":%q,"nextToken":"x"}`, smArn), 400, "InvalidToken", "Invalid Token: 'Invalid token'")
	// Through the SDK too.
	_, err = c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("a"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 70}, {StateMachineVersionArn: aws.String(v2), Weight: 31}}})
	wantCode(t, err, "ValidationException")
	// Deleting the state machine deletes its aliases (test_delete_revision_with_alias).
	if _, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("a"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smArn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(smArn + ":a")})
	wantCode(t, err, "ResourceNotFound")
}

func TestMapRunsAnswerAsForAnUnknownMapRun(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	mr := "arn:aws:states:us-east-1:123456789012:mapRun:m/label:0f3a3d6e-4d0b-4a3e-9a3f-6a1b2c3d4e5f"
	_, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mr)})
	wantCode(t, err, "ResourceNotFound")
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(mr), MaxConcurrency: aws.Int32(3)})
	wantCode(t, err, "ResourceNotFound")
	url := s.http.URL
	wantRaw(t, url, "DescribeMapRun", `{"mapRunArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
	wantRaw(t, url, "UpdateMapRun", `{"mapRunArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
	wantRaw(t, url, "DescribeMapRun", fmt.Sprintf(`{"mapRunArn":%q}`, mr), 400, "ResourceNotFound", "Resource not found: '"+mr+"'")
	wantRaw(t, url, "UpdateMapRun", fmt.Sprintf(`{"mapRunArn":%q,"toleratedFailurePercentage":101}`, mr), 400, "ValidationException", "")
	sm := createMachine(t, c, "mr", passMachine, "")
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || l.MapRuns == nil || len(l.MapRuns) != 0 {
		t.Fatalf("ListMapRuns = %+v, %v", l, err)
	}
	_, err = c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(*ex.ExecutionArn + "x")})
	wantCode(t, err, "ExecutionDoesNotExist")
}

// TestEveryOperationAnswers sends each of the 37 operations of the Step
// Functions API reference with an empty request: none may be unknown.
func TestEveryOperationAnswers(t *testing.T) {
	s := startServer(t, service.Options{ActivityPollTimeout: 10 * time.Millisecond}, true)
	ops := []string{
		"CreateActivity", "CreateStateMachine", "CreateStateMachineAlias", "DeleteActivity", "DeleteStateMachine",
		"DeleteStateMachineAlias", "DeleteStateMachineVersion", "DescribeActivity", "DescribeExecution", "DescribeMapRun",
		"DescribeStateMachine", "DescribeStateMachineAlias", "DescribeStateMachineForExecution", "GetActivityTask",
		"GetExecutionHistory", "ListActivities", "ListExecutions", "ListMapRuns", "ListStateMachineAliases",
		"ListStateMachines", "ListStateMachineVersions", "ListTagsForResource", "PublishStateMachineVersion",
		"RedriveExecution", "SendTaskFailure", "SendTaskHeartbeat", "SendTaskSuccess", "StartExecution",
		"StartSyncExecution", "StopExecution", "TagResource", "TestState", "UntagResource", "UpdateMapRun",
		"UpdateStateMachine", "UpdateStateMachineAlias", "ValidateStateMachineDefinition",
	}
	if len(ops) != 37 {
		t.Fatalf("%d operations", len(ops))
	}
	for _, op := range ops {
		code, out := rawCall(t, s.http.URL, "AWSStepFunctions."+op, `{}`)
		if out["__type"] == "UnknownOperationException" || code >= 500 {
			t.Errorf("%s: %d %v", op, code, out)
		}
	}
}
