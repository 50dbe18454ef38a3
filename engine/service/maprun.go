package service

import (
	"context"
	"strings"
)

// Map Runs belong to Distributed Map states, which the engine does not run
// yet: no map run exists, and these operations answer as AWS does for a map
// run ARN that names none.

const arnMapRun = "mapRun"

// checkMapRunArn answers InvalidArn for a string that is not a map run ARN
// (arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID) and
// ResourceNotFound for one that is.
func checkMapRunArn(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[2] != "states" || parts[5] != arnMapRun ||
		parts[3] == "" || parts[4] == "" || !strings.Contains(parts[6], "/") || parts[7] == "" {
		return invalidArn(s, arnMapRun)
	}
	return apiErr(errResourceNotFound, "Resource not found: '%s'", s)
}

type mapRunIn struct {
	MapRunArn                  string   `json:"mapRunArn"`
	MaxConcurrency             *int     `json:"maxConcurrency"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
}

func (s *Service) describeMapRun(_ context.Context, in *mapRunIn) (any, error) {
	return nil, checkMapRunArn(in.MapRunArn)
}

func (s *Service) updateMapRun(_ context.Context, in *mapRunIn) (any, error) {
	switch {
	case in.MaxConcurrency != nil && *in.MaxConcurrency < 0:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%d' at 'maxConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.MaxConcurrency)
	case in.ToleratedFailurePercentage != nil && (*in.ToleratedFailurePercentage < 0 || *in.ToleratedFailurePercentage > 100):
		return nil, apiErr(errValidation, "1 validation error detected: Value '%v' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100", *in.ToleratedFailurePercentage)
	case in.ToleratedFailureCount != nil && *in.ToleratedFailureCount < 0:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%d' at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.ToleratedFailureCount)
	}
	return nil, checkMapRunArn(in.MapRunArn)
}

type listMapRunsIn struct {
	ExecutionArn string `json:"executionArn"`
	MaxResults   int    `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

type listMapRunsOut struct {
	MapRuns []struct{} `json:"mapRuns"`
}

// listMapRuns lists the map runs of an execution: none, since no state
// runs as a Distributed Map yet.
func (s *Service) listMapRuns(ctx context.Context, in *listMapRunsIn) (any, error) {
	if _, _, err := pageStart(s.pages, in.MaxResults, in.NextToken, "maprun", anyPos); err != nil {
		return nil, err
	}
	if _, err := s.getExecution(ctx, in.ExecutionArn); err != nil {
		return nil, err
	}
	return &listMapRunsOut{MapRuns: []struct{}{}}, nil
}
