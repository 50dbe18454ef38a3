#!/usr/bin/env bash
# Drives the real AWS CLI against a running `stepwise serve`: an activity, a
# state machine (a Pass state, then a Task on the activity that waits for
# its task token), an execution that a worker completes with
# send-task-success, then describe-execution, get-execution-history and
# list-executions of it, and the errors of an unknown execution and of a
# token already used. Then versions and aliases: a state machine created
# with --publish, publish-state-machine-version after an update,
# list-state-machine-versions, create-state-machine-alias routing 50/50 to
# both versions, start-execution on the alias (describe-execution names the
# alias and the version it ran); test-state of a Task with a mock,
# validate-state-machine-definition, and update-map-run of a map run that
# does not exist. Before those, a Distributed Map over its input's items:
# list-map-runs, describe-map-run, list-executions --map-run-arn and a
# child's history.
#
#   scripts/awscli-smoke.sh http://127.0.0.1:8083
#
# It uses Debian's AWS CLI v2 (/usr/bin/aws, not a pyenv shim of a pip v1),
# or $STEPWISE_AWS_CLI, with dummy static credentials and no configuration
# files; python3 (or $PYTHON) checks the JSON answers. Names carry a unique
# suffix, so it can run again against the same server. It prints a line per
# step and exits non-zero with the reason at the first mismatch.
set -euo pipefail

endpoint=${1:-${STEPWISE_ENDPOINT:-}}
if [ -z "$endpoint" ]; then
  echo "usage: $0 ENDPOINT_URL   (e.g. http://127.0.0.1:8083)" >&2
  exit 2
fi
aws_cli=${STEPWISE_AWS_CLI:-/usr/bin/aws}
python=${PYTHON:-python3}
[ -n "${PYTHON:-}" ] || [ ! -x /usr/bin/python3 ] || python=/usr/bin/python3 # faster than a pyenv shim
deadline_seconds=${STEPWISE_SMOKE_TIMEOUT:-60}

fail() {
  echo "awscli-smoke: FAIL: $*" >&2
  exit 1
}
step() { echo "awscli-smoke: ok: $*"; }

[ -x "$aws_cli" ] || fail "the AWS CLI $aws_cli is not installed (apt-get install awscli, or set STEPWISE_AWS_CLI)"
command -v "$python" >/dev/null 2>&1 || fail "$python is not installed"

# The CLI sees nothing of the user's AWS setup: static dummy credentials,
# no config or credentials file, no instance metadata, no pager, no retries
# (a server error must show, not be retried away).
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
  AWS_WEB_IDENTITY_TOKEN_FILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SFN AWS_REGION AWS_RETRY_MODE \
  AWS_CLI_AUTO_PROMPT AWS_DEFAULT_OUTPUT
export AWS_ACCESS_KEY_ID=AKIDSTEPWISESMOKE
export AWS_SECRET_ACCESS_KEY=stepwise-smoke-secret
export AWS_DEFAULT_REGION=${STEPWISE_SMOKE_REGION:-us-east-1}
export AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_MAX_ATTEMPTS=1
export AWS_DISABLE_HOST_PREFIX_INJECTION=true # no "sync-" host for TestState (CLIs that know the setting)
export NO_PROXY="${NO_PROXY:+$NO_PROXY,}127.0.0.1,localhost"
export no_proxy="$NO_PROXY"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# sfn OPERATION ARGS... runs `aws stepfunctions OPERATION ARGS...`, leaving
# its stdout in $out; the script fails when the CLI does.
out=""
sfn() {
  local op=$1 rc=0
  "$aws_cli" --endpoint-url "$endpoint" --output json \
    --cli-connect-timeout 10 --cli-read-timeout 75 \
    stepfunctions "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "aws stepfunctions $op exited $rc:
$(cat "$tmp/err")
$(cat "$tmp/out")"
  fi
  out=$(cat "$tmp/out")
}

# Helpers of the Python expressions below: ts parses a timestamp as the CLI
# prints it; in_order(have, want) is true when the list have holds the
# items of want in that order (others may come between), and raises an
# AssertionError that shows both otherwise.
py_helpers='
import datetime, json, sys
def ts(s):
    return datetime.datetime.fromisoformat(s)
def in_order(have, want):
    it = iter(have)
    if all(any(h == w for h in it) for w in want):
        return True
    raise AssertionError("have %s, want in order %s" % (have, want))
'

# check DESCRIPTION PYTHON_EXPR: evaluates PYTHON_EXPR with r bound to the
# last answer ($out, decoded); fails unless it is true.
check() {
  local what=$1 expr=$2 msg
  if ! msg=$("$python" -c "$py_helpers"'
r = json.loads(sys.stdin.read() or "null")
try:
    ok = eval("(%s\n)" % sys.argv[1])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
    sys.exit(1)
sys.exit(0 if ok else 1)
' "$expr" <<<"$out" 2>&1); then
    fail "$what${msg:+ ($msg)}; the answer was:
$out"
  fi
}

# field EXPR prints a member of the last answer (a Python expression on r).
field() {
  "$python" -c 'import json, sys; r = json.loads(sys.stdin.read()); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$out" ||
    fail "no $1 in the answer:
$out"
}

now() { date +%s; }

suffix="$(date +%s)-$$-$RANDOM"
activity_name="smoke-worker-$suffix"
machine_name="smoke-machine-$suffix"
execution_name="smoke-execution-$suffix"

sfn list-state-machines
check "list-state-machines answers a list" 'isinstance(r.get("stateMachines"), list)'
step "list-state-machines"

sfn create-activity --name "$activity_name"
activity_arn=$(field 'r["activityArn"]')
check "create-activity answers the activity's ARN and creation date" \
  "r['activityArn'].endswith(':activity:$activity_name') and r['activityArn'].startswith('arn:aws:states:') and bool(r.get('creationDate'))"
step "create-activity $activity_arn"

definition=$(
  cat <<EOF
{
  "Comment": "awscli-smoke: a Pass state, then a Task that waits for a worker's send-task-success",
  "StartAt": "Prepare",
  "States": {
    "Prepare": {
      "Type": "Pass",
      "Result": {"greeting": "hello"},
      "ResultPath": "\$.prepared",
      "Next": "Wait For Worker"
    },
    "Wait For Worker": {
      "Type": "Task",
      "Resource": "$activity_arn",
      "TimeoutSeconds": 300,
      "ResultPath": "\$.worker",
      "End": true
    }
  }
}
EOF
)
sfn create-state-machine --name "$machine_name" --definition "$definition" \
  --role-arn "arn:aws:iam::123456789012:role/stepwise-smoke"
machine_arn=$(field 'r["stateMachineArn"]')
check "create-state-machine answers the machine's ARN and creation date" \
  "r['stateMachineArn'].endswith(':stateMachine:$machine_name') and bool(r.get('creationDate'))"
step "create-state-machine $machine_arn"

sfn start-execution --state-machine-arn "$machine_arn" --name "$execution_name" --input '{"order":42}'
execution_arn=$(field 'r["executionArn"]')
check "start-execution answers the execution's ARN and start date" \
  "r['executionArn'].endswith(':execution:$machine_name:$execution_name') and bool(r.get('startDate'))"
step "start-execution $execution_arn"

sfn describe-execution --execution-arn "$execution_arn"
check "describe-execution of a waiting execution says RUNNING" \
  "r['status'] == 'RUNNING' and r['executionArn'] == '$execution_arn' and r['stateMachineArn'] == '$machine_arn' and r['name'] == '$execution_name' and json.loads(r['input']) == {'order': 42} and 'stopDate' not in r and 'output' not in r"
step "describe-execution: RUNNING"

# The worker: get-activity-task long-polls until the Task state has queued
# its task (an empty answer is a poll that timed out: poll again).
deadline=$(($(now) + deadline_seconds))
token=""
while :; do
  sfn get-activity-task --activity-arn "$activity_arn" --worker-name smoke-worker
  token=$(field 'r.get("taskToken", "")')
  [ -n "$token" ] && break
  [ "$(now)" -lt "$deadline" ] || fail "get-activity-task gave no task within ${deadline_seconds}s"
done
check "get-activity-task answers the task's input (the Pass state's output)" \
  "json.loads(r['input']) == {'order': 42, 'prepared': {'greeting': 'hello'}}"
step "get-activity-task: got the task token"

sfn send-task-heartbeat --task-token "$token"
step "send-task-heartbeat"

sfn send-task-success --task-token "$token" --task-output '{"approved":true,"by":"smoke-worker"}'
step "send-task-success"

want_output='{"order": 42, "prepared": {"greeting": "hello"}, "worker": {"approved": True, "by": "smoke-worker"}}'
deadline=$(($(now) + deadline_seconds))
while :; do
  sfn describe-execution --execution-arn "$execution_arn"
  status=$(field 'r["status"]')
  [ "$status" != RUNNING ] && break
  [ "$(now)" -lt "$deadline" ] || fail "the execution is still RUNNING ${deadline_seconds}s after send-task-success"
  sleep 0.2
done
check "describe-execution after send-task-success says SUCCEEDED" "r['status'] == 'SUCCEEDED'"
check "the execution's output is the task output under \$.worker" "json.loads(r['output']) == $want_output"
check "a finished execution has a stopDate not before its startDate" "'stopDate' in r and ts(r['stopDate']) >= ts(r['startDate'])"
step "describe-execution: SUCCEEDED with the expected output"

sfn get-execution-history --execution-arn "$execution_arn"
# A Task on an activity records Activity* events (not Task*), as on AWS.
check "get-execution-history has the expected events in order" '
in_order([e["type"] for e in r["events"]],
         ["ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
          "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
          "ExecutionSucceeded"])'
check "history event ids count up from 1, each after its previous event" '
all(e["id"] == i + 1 for i, e in enumerate(r["events"]))
and all(0 <= e.get("previousEventId", 0) < e["id"] for e in r["events"])
and all(e["timestamp"] for e in r["events"])'
check "the ActivitySucceeded event carries the task output" '
[json.loads(e["activitySucceededEventDetails"]["output"]) for e in r["events"] if e["type"] == "ActivitySucceeded"]
== [{"approved": True, "by": "smoke-worker"}]'
check "the ExecutionSucceeded event carries the execution output" "
[json.loads(e['executionSucceededEventDetails']['output']) for e in r['events'] if e['type'] == 'ExecutionSucceeded']
== [$want_output]"
step "get-execution-history: $(field '" ".join(e["type"] for e in r["events"])')"

sfn list-executions --state-machine-arn "$machine_arn"
check "list-executions lists the execution as SUCCEEDED" "
[(e['executionArn'], e['name'], e['status']) for e in r['executions']]
== [('$execution_arn', '$execution_name', 'SUCCEEDED')]"
sfn list-executions --state-machine-arn "$machine_arn" --status-filter SUCCEEDED
check "list-executions --status-filter SUCCEEDED lists it" \
  "[e['executionArn'] for e in r['executions']] == ['$execution_arn']"
sfn list-executions --state-machine-arn "$machine_arn" --status-filter RUNNING
check "list-executions --status-filter RUNNING lists nothing" "r['executions'] == []"
step "list-executions: SUCCEEDED"

# expect_error ERROR OPERATION ARGS...: the CLI must exit non-zero with the
# service error ERROR on stderr.
expect_error() {
  local want=$1 op=$2
  shift
  if "$aws_cli" --endpoint-url "$endpoint" --output json \
    --cli-connect-timeout 10 --cli-read-timeout 75 \
    stepfunctions "$@" >"$tmp/out" 2>"$tmp/err"; then
    fail "aws stepfunctions $op succeeded; want the error $want. It printed:
$(cat "$tmp/out")"
  fi
  grep -q "($want)" "$tmp/err" || fail "aws stepfunctions $op: want the error $want on stderr, got:
$(cat "$tmp/err")"
  step "$op: $want"
}

unknown_arn="${execution_arn%:*}:no-such-execution-$suffix"
expect_error ExecutionDoesNotExist describe-execution --execution-arn "$unknown_arn"
expect_error TaskTimedOut send-task-success --task-token "$token" --task-output '{}'

# A Distributed Map over the input's items: its map run and its children.
map_name="smoke-map-$suffix"
sfn create-state-machine --name "$map_name" --role-arn "arn:aws:iam::123456789012:role/stepwise-smoke" --definition \
  '{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
map_machine=$(field 'r["stateMachineArn"]')
sfn start-execution --state-machine-arn "$map_machine" --input '{"xs":[1,2,3]}'
map_execution=$(field 'r["executionArn"]')
deadline=$(($(now) + deadline_seconds))
while :; do
  sfn describe-execution --execution-arn "$map_execution"
  [ "$(field 'r["status"]')" != RUNNING ] && break
  [ "$(now)" -lt "$deadline" ] || fail "the Distributed Map's execution is still RUNNING after ${deadline_seconds}s"
  sleep 0.2
done
check "the Distributed Map's execution succeeded" "r['status'] == 'SUCCEEDED' and json.loads(r['output']) == [1, 2, 3]"
sfn list-map-runs --execution-arn "$map_execution"
check "list-map-runs answers the one map run" "
len(r['mapRuns']) == 1 and r['mapRuns'][0]['executionArn'] == '$map_execution'
and r['mapRuns'][0]['mapRunArn'].startswith('arn:aws:states:$AWS_DEFAULT_REGION:123456789012:mapRun:$map_name/Each:')
and r['mapRuns'][0]['stateMachineArn'] == '$map_machine/Each' and bool(r['mapRuns'][0].get('stopDate'))"
map_run=$(field 'r["mapRuns"][0]["mapRunArn"]')
step "list-map-runs $map_run"
sfn describe-map-run --map-run-arn "$map_run"
check "describe-map-run answers its status, settings and counts" "
r['status'] == 'SUCCEEDED' and r['executionArn'] == '$map_execution' and r['maxConcurrency'] == 2
and r['itemCounts']['succeeded'] == 3 and r['itemCounts']['total'] == 3 and r['executionCounts']['succeeded'] == 3"
step "describe-map-run"
sfn list-executions --map-run-arn "$map_run"
check "list-executions of the map run answers its three children" "
len(r['executions']) == 3 and all(e['mapRunArn'] == '$map_run' and e.get('itemCount', 1) == 1 and e['status'] == 'SUCCEEDED'
and e['executionArn'].startswith('arn:aws:states:$AWS_DEFAULT_REGION:123456789012:execution:$map_name/Each:') for e in r['executions'])"
child=$(field 'r["executions"][0]["executionArn"]')
sfn get-execution-history --execution-arn "$child"
check "a child's own history" "[e['type'] for e in r['events']] == ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']"
step "list-executions --map-run-arn and a child's history"
expect_error ValidationException update-map-run --map-run-arn "$map_run" --max-concurrency 3

# Versions, aliases, TestState mocks and definition validation came to the
# CLI after Debian's 2.9.19. When the CLI lacks them, a newer Step
# Functions model (botocore's stepfunctions service-2.json, gzipped or not)
# is loaded through AWS_DATA_PATH: $STEPWISE_SFN_MODEL, or the model of a
# botocore that python3 on PATH imports. TestAWSCLI sets
# $STEPWISE_SFN_MODEL to cmd/stepwise/testdata/sfn-model/service-2.json.
# Without a model these steps are skipped, loudly.
# The skeleton is read whole before it is searched: with pipefail, `grep -q`
# leaving early can kill the CLI with SIGPIPE and fail the pipeline. What
# the CLI says on stderr is kept for the failure message.
knows_new_operations() {
  local skeleton
  skeleton=$("$aws_cli" stepfunctions test-state --generate-cli-skeleton input 2>"$tmp/new-operations.err") || return 1
  [[ $skeleton == *'"mock"'* ]] || { echo "test-state's input has no mock member" >"$tmp/new-operations.err"; return 1; }
  "$aws_cli" stepfunctions validate-state-machine-definition --generate-cli-skeleton input >/dev/null 2>"$tmp/new-operations.err"
}
new_operations=yes
if ! knows_new_operations; then
  model=${STEPWISE_SFN_MODEL:-}
  if [ -z "$model" ]; then
    botocore_dir=$(python3 -c 'import botocore, os; print(os.path.dirname(botocore.__file__))' 2>/dev/null || true)
    for f in "$botocore_dir/data/stepfunctions/2016-11-23/service-2.json" "$botocore_dir/data/stepfunctions/2016-11-23/service-2.json.gz"; do
      if [ -n "$botocore_dir" ] && [ -f "$f" ]; then
        model=$f
        break
      fi
    done
  fi
  if [ -n "$model" ]; then
    mkdir -p "$tmp/models/stepfunctions/2016-11-23"
    # Without the "sync-" host prefix of TestState and StartSyncExecution,
    # which an IP address endpoint cannot take.
    gzip -dcf "$model" | "$python" -c '
import json, sys
m = json.load(sys.stdin)
for op in m["operations"].values():
    op.pop("endpoint", None)
json.dump(m, sys.stdout)
' >"$tmp/models/stepfunctions/2016-11-23/service-2.json" || fail "reading the model $model"
    export AWS_DATA_PATH="$tmp/models"
    knows_new_operations || fail "the model $model lacks the newer operations (TestState mocks, validate-state-machine-definition): $(cat "$tmp/new-operations.err")"
    step "using the Step Functions model $model"
  else
    new_operations=no
  fi
fi
if [ "$new_operations" = no ]; then
  echo "awscli-smoke: SKIP: $("$aws_cli" --version 2>&1 | cut -d' ' -f1) has no versions, aliases, test-state mocks or validate-state-machine-definition; set STEPWISE_SFN_MODEL to a newer botocore stepfunctions service-2.json to run those steps"
  echo "awscli-smoke: PASS (the older operations; $("$aws_cli" --version 2>&1 | cut -d' ' -f1) against $endpoint)"
  exit 0
fi

# Versions and aliases.
versioned_name="smoke-versioned-$suffix"
v1_definition='{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"version":1},"End":true}}}'
v2_definition='{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"version":2},"End":true}}}'
sfn create-state-machine --name "$versioned_name" --definition "$v1_definition" \
  --role-arn "arn:aws:iam::123456789012:role/stepwise-smoke" --publish --version-description "first"
versioned_arn=$(field 'r["stateMachineArn"]')
check "create-state-machine --publish answers version 1" "r.get('stateMachineVersionArn') == '$versioned_arn:1'"
step "create-state-machine --publish: $versioned_arn:1"

sfn update-state-machine --state-machine-arn "$versioned_arn" --definition "$v2_definition"
revision=$(field 'r["revisionId"]')
sfn publish-state-machine-version --state-machine-arn "$versioned_arn" --revision-id "$revision" --description "second"
check "publish-state-machine-version answers version 2" "r['stateMachineVersionArn'] == '$versioned_arn:2' and bool(r.get('creationDate'))"
step "publish-state-machine-version: $versioned_arn:2"

sfn list-state-machine-versions --state-machine-arn "$versioned_arn"
check "list-state-machine-versions lists both, newest first" \
  "[v['stateMachineVersionArn'] for v in r['stateMachineVersions']] == ['$versioned_arn:2', '$versioned_arn:1']"
step "list-state-machine-versions"

sfn describe-state-machine --state-machine-arn "$versioned_arn:1"
check "describe-state-machine of version 1 answers its definition and description" \
  "r['stateMachineArn'] == '$versioned_arn:1' and json.loads(r['definition']) == json.loads('$v1_definition') and r.get('description') == 'first'"
step "describe-state-machine of a version"

sfn create-state-machine-alias --name live --description "half and half" \
  --routing-configuration "stateMachineVersionArn=$versioned_arn:1,weight=50" "stateMachineVersionArn=$versioned_arn:2,weight=50"
alias_arn=$(field 'r["stateMachineAliasArn"]')
check "create-state-machine-alias answers the alias ARN" "r['stateMachineAliasArn'] == '$versioned_arn:live' and bool(r.get('creationDate'))"
step "create-state-machine-alias $alias_arn"

sfn start-execution --state-machine-arn "$alias_arn" --input '{}'
alias_execution=$(field 'r["executionArn"]')
deadline=$(($(now) + deadline_seconds))
while :; do
  sfn describe-execution --execution-arn "$alias_execution"
  [ "$(field 'r["status"]')" != RUNNING ] && break
  [ "$(now)" -lt "$deadline" ] || fail "the execution on the alias is still RUNNING after ${deadline_seconds}s"
  sleep 0.2
done
check "the execution on the alias ran one of its versions and says so" "
r['status'] == 'SUCCEEDED' and r['stateMachineArn'] == '$versioned_arn' and r.get('stateMachineAliasArn') == '$alias_arn'
and r.get('stateMachineVersionArn') in ('$versioned_arn:1', '$versioned_arn:2')
and json.loads(r['output']) == {'version': int(r['stateMachineVersionArn'].rsplit(':', 1)[1])}"
step "start-execution on the alias: ran $(field 'r["stateMachineVersionArn"]')"

expect_error ConflictException delete-state-machine-version --state-machine-version-arn "$versioned_arn:1"

# TestState of a Task with a mocked result, and definition validation.
sfn test-state --definition '{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"code.$":"$.StatusCode"},"End":true}' \
  --role-arn "arn:aws:iam::123456789012:role/stepwise-smoke" --input '{}' --inspection-level DEBUG \
  --mock '{"result":"{\"StatusCode\":200,\"Payload\":{\"ok\":true}}"}'
check "test-state with a mock answers the selected result and the inspection data" "
r['status'] == 'SUCCEEDED' and json.loads(r['output']) == {'code': 200}
and json.loads(r['inspectionData']['result']) == {'StatusCode': 200, 'Payload': {'ok': True}}"
step "test-state with a mock"

sfn validate-state-machine-definition --definition '{}'
check "validate-state-machine-definition reports the missing fields" "
r['result'] == 'FAIL' and [(d['code'], d['location'], d['message']) for d in r['diagnostics']]
== [('SCHEMA_VALIDATION_FAILED', '/', 'These fields are required: [States, StartAt]')]"
sfn validate-state-machine-definition --definition "$v1_definition"
check "validate-state-machine-definition accepts a valid definition" "r['result'] == 'OK' and r['diagnostics'] == []"
step "validate-state-machine-definition"

expect_error ResourceNotFound update-map-run \
  --map-run-arn "arn:aws:states:$AWS_DEFAULT_REGION:123456789012:mapRun:$versioned_name/map:0f3a3d6e-4d0b-4a3e-9a3f-6a1b2c3d4e5f" --max-concurrency 2

echo "awscli-smoke: PASS ($("$aws_cli" --version 2>&1 | cut -d' ' -f1) against $endpoint)"
