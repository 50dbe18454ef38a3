package fault

import "testing"

func TestMatches(t *testing.T) {
	tests := []struct {
		errorEquals []string
		name        string
		want        bool
	}{
		// A name matches itself, case-sensitively; "State.ALL" is no wildcard
		// (conformance case map_state_catch_empty_fail).
		{[]string{"CustomError"}, "CustomError", true},
		{[]string{"CustomError"}, "customerror", false},
		{[]string{"Lambda.Unknown"}, "Lambda.Unknown", true},
		{[]string{"State.ALL"}, "Internal Error", false},
		{[]string{"Internal Error"}, "", false},
		{[]string{"A", "B"}, "B", true},
		{nil, "A", false},

		// States.ALL: "A wildcard that matches any known error name", but it
		// "can't catch ... Runtime error types".
		{[]string{ALL}, "CustomError", true},
		{[]string{ALL}, TaskFailed, true},
		{[]string{ALL}, Timeout, true},
		{[]string{ALL}, HeartbeatTimeout, true},
		{[]string{ALL}, BranchFailed, true},
		{[]string{ALL}, NoChoiceMatched, true},
		{[]string{ALL}, "", true}, // a task failure with no error name is caught (case sqs_failure_in_wait_for_task_tok_no_error_field)
		{[]string{ALL}, Runtime, false},
		// Recorded on AWS: a Lambda result over the size quota is caught by
		// States.ALL (case task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response)
		// and by an explicit name (case task_lambda_data_limit_exceeded_on_large_utf8_response).
		{[]string{ALL}, DataLimitExceeded, true},
		{[]string{DataLimitExceeded}, DataLimitExceeded, true},

		// States.Runtime "isn't retriable, and will always cause the
		// execution to fail": even an explicit catcher does not match it
		// (case catch_states_runtime).
		{[]string{Runtime}, Runtime, false},
		{[]string{Runtime, ALL, TaskFailed}, Runtime, false},
		{[]string{Runtime}, "", false},

		// States.TaskFailed "acts as a wildcard that matches any known error
		// name except for States.Timeout" (cases invalid_secret_name and
		// no_such_function_catch catch task errors with it).
		{[]string{TaskFailed}, TaskFailed, true},
		{[]string{TaskFailed}, "SecretsManager.SecretsManagerException", true},
		{[]string{TaskFailed}, "Exception", true},
		{[]string{TaskFailed}, Permissions, true},
		{[]string{TaskFailed}, DataLimitExceeded, true},
		{[]string{TaskFailed}, Timeout, false},
		{[]string{TaskFailed}, HeartbeatTimeout, false},
		{[]string{TaskFailed, Timeout}, Timeout, true},

		// States.Timeout: a Task state "ran longer than the TimeoutSeconds
		// value, or failed to send a heartbeat for a period longer than the
		// HeartbeatSeconds value"; States.HeartbeatTimeout only the latter.
		{[]string{Timeout}, Timeout, true},
		{[]string{Timeout}, HeartbeatTimeout, true},
		{[]string{HeartbeatTimeout}, HeartbeatTimeout, true},
		{[]string{HeartbeatTimeout}, Timeout, false},
		{[]string{Timeout}, TaskFailed, false},
	}
	for _, tc := range tests {
		if got := Matches(tc.errorEquals, tc.name); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.errorEquals, tc.name, got, tc.want)
		}
	}
}

func TestKnownNames(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range KnownNames {
		if !IsKnown(n) || !IsPredefined(n) {
			t.Errorf("%q: IsKnown %v, IsPredefined %v", n, IsKnown(n), IsPredefined(n))
		}
		if seen[n] {
			t.Errorf("%q listed twice", n)
		}
		seen[n] = true
	}
	for _, n := range []string{"States.Foo", "State.ALL", "states.all", "", "Lambda.Unknown"} {
		if IsKnown(n) {
			t.Errorf("IsKnown(%q) = true", n)
		}
	}
	if !IsPredefined("States.Foo") || IsPredefined("Lambda.Unknown") {
		t.Error("IsPredefined is not about the States. prefix")
	}
}

func TestError(t *testing.T) {
	if got := New(Runtime, "boom").Error(); got != "States.Runtime: boom" {
		t.Errorf("got %q", got)
	}
	if got := New(Timeout, "").Error(); got != "States.Timeout" {
		t.Errorf("got %q", got)
	}
}
