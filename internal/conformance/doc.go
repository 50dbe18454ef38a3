// Package conformance holds TestConformance, which runs the recorded AWS
// Step Functions conformance cases (../shared/conformance/cases beside the
// repository root, or $CONFORMANCE_DIR) through the engine with their mocks,
// context names and a virtual clock, and compares each execution with what
// AWS returned: status; output, or error and cause; and the history's event
// types (in order at the top level, as multisets inside Map and Parallel
// blocks). choice_operators cases compare status and output only.
//
// The package has no code outside its tests. floor.txt holds the number of
// cases that must keep passing: the test fails only when fewer pass, and
// the number only rises.
//
//	go test -v -run TestConformance ./internal/conformance
//
// prints a line per area, JSONPath-only numbers (cases with no
// "QueryLanguage": "JSONata"), and ends with "N passed, N failed". Without
// -v, output shows only when the test fails.
//
// Known gaps: three cases cannot pass, on either runner, and stay failed
// on purpose (they are not edited):
//
//	local_mocking__base_scenarios__map_state_lambda
//	scenarios__base_scenarios__map_state_config_distributed_reentrant_lambda
//	scenarios__base_scenarios__map_state_nested_config_distributed_no_max_max_concurrency
//
// Each runs Lambda Task states inside a Distributed Map. AWS runs a
// Distributed Map's children as executions of their own, whose histories
// the recording did not keep, so these cases have no mocks.json: nothing
// records what the Lambda returned. With no integration for the Lambda,
// each child fails and the map run fails with
// States.ExceedToleratedFailureThreshold, where AWS succeeded. Recording
// the children's Lambda results (a mocks.json) would let them pass.
//
// Environment:
//
//	CONFORMANCE_DIR      the cases directory
//	CONFORMANCE_RUN      a regular expression: run only the matching cases (no floor check)
//	CONFORMANCE_VERBOSE  1: every case and full differences; 0: compact even under -v
//	                     (default: full under -v, compact otherwise)
//	CONFORMANCE_TIMEOUT  each case's time limit, a Go duration (default 20s)
//	CI                   "true": a missing cases directory fails instead of skipping
package conformance
