package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
)

// The Map Run API: DescribeMapRun, ListMapRuns and UpdateMapRun over the
// map runs maprun_record.go records, and ListExecutions of a map run's
// children (listMapRunExecutions). The local backend records map runs
// (maprun_record.go), the Temporal backend asks the workflows and records
// them as their histories are copied (temporal_maprun.go); on another
// backend these operations say so.

const arnMapRun = "mapRun"

// errMapRunsNotRecorded answers the Map Run API on a backend that does
// not record map runs.
var errMapRunsNotRecorded = apiErr(errValidation, "Map runs are recorded only by the local (SQLite) and temporal backends of stepwise serve, not by this one")

// mapRunsRecorded reports whether this service's backend records map runs.
func (s *Service) mapRunsRecorded() bool {
	switch s.backend.(type) {
	case *Local, *Temporal:
		return true
	}
	return false
}

// checkMapRunArn answers InvalidArn for a string that is not a map run ARN
// (arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID).
func checkMapRunArn(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[2] != "states" || parts[5] != arnMapRun ||
		parts[3] == "" || parts[4] == "" || !strings.Contains(parts[6], "/") || parts[7] == "" {
		return invalidArn(s, arnMapRun)
	}
	return nil
}

// getMapRun returns a map run as it is now (from memory while it runs),
// with AWS's errors.
func (s *Service) getMapRun(ctx context.Context, arn string) (store.MapRun, mapRunTally, *liveMapRun, error) {
	if err := checkMapRunArn(arn); err != nil {
		return store.MapRun{}, mapRunTally{}, nil, err
	}
	if !s.mapRunsRecorded() {
		return store.MapRun{}, mapRunTally{}, nil, errMapRunsNotRecorded
	}
	s.mu.Lock()
	m := s.mapRuns[arn]
	s.mu.Unlock()
	if m != nil {
		rec, tally := m.snapshot()
		return rec, tally, m, nil
	}
	rec, err := s.store.GetMapRun(ctx, arn)
	t, onTemporal := s.backend.(*Temporal)
	if onTemporal && errors.Is(err, store.ErrNotFound) {
		// Recorded as its MapRunStarted event was copied, maybe not
		// written yet.
		if err = s.store.Flush(ctx); err == nil {
			rec, err = s.store.GetMapRun(ctx, arn)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.MapRun{}, mapRunTally{}, nil, apiErr(errResourceNotFound, "Resource not found: '%s'", arn)
	}
	if err != nil {
		return store.MapRun{}, mapRunTally{}, nil, err
	}
	if onTemporal && rec.Status == engine.StatusRunning {
		live, tally, err := s.liveTemporalMapRun(ctx, t, rec)
		return live, tally, nil, err
	}
	var tally mapRunTally
	if rec.Counts != "" {
		if err := json.Unmarshal([]byte(rec.Counts), &tally); err != nil {
			return store.MapRun{}, mapRunTally{}, nil, fmt.Errorf("service: the counts of map run %s: %w", arn, err)
		}
	}
	if rec.Status != engine.StatusRunning {
		// A run a restart aborted (store.AbortMapRuns) left its counts
		// as they were: nothing runs or waits now.
		tally.closeUnrun()
	}
	return *rec, tally, nil, nil
}

type mapRunIn struct {
	MapRunArn                  string   `json:"mapRunArn"`
	MaxConcurrency             *int     `json:"maxConcurrency"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
}

type describeMapRunOut struct {
	MapRunArn                  string              `json:"mapRunArn"`
	ExecutionArn               string              `json:"executionArn"`
	Status                     string              `json:"status"`
	StartDate                  *epoch              `json:"startDate"`
	StopDate                   *epoch              `json:"stopDate,omitempty"`
	MaxConcurrency             int                 `json:"maxConcurrency"`
	ToleratedFailurePercentage float64             `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64               `json:"toleratedFailureCount"`
	ItemCounts                 engine.MapRunCounts `json:"itemCounts"`
	ExecutionCounts            engine.MapRunCounts `json:"executionCounts"`
	RedriveCount               int                 `json:"redriveCount"`
	RedriveDate                *epoch              `json:"redriveDate,omitempty"`
}

func (s *Service) describeMapRun(ctx context.Context, in *mapRunIn) (any, error) {
	rec, tally, _, err := s.getMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	return &describeMapRunOut{
		MapRunArn: rec.Arn, ExecutionArn: rec.ExecutionArn, Status: rec.Status, StartDate: ts(rec.Start), StopDate: ts(rec.Stop),
		MaxConcurrency: rec.MaxConcurrency, ToleratedFailurePercentage: rec.ToleratedFailurePercentage,
		ToleratedFailureCount: rec.ToleratedFailureCount, ItemCounts: tally.Items, ExecutionCounts: tally.Executions,
		RedriveCount: rec.RedriveCount, RedriveDate: ts(rec.RedriveDate),
	}, nil
}

func (s *Service) updateMapRun(ctx context.Context, in *mapRunIn) (any, error) {
	switch {
	case in.MaxConcurrency != nil && *in.MaxConcurrency < 0:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%d' at 'maxConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.MaxConcurrency)
	case in.ToleratedFailurePercentage != nil && (*in.ToleratedFailurePercentage < 0 || *in.ToleratedFailurePercentage > 100):
		return nil, apiErr(errValidation, "1 validation error detected: Value '%v' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100", *in.ToleratedFailurePercentage)
	case in.ToleratedFailureCount != nil && *in.ToleratedFailureCount < 0:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%d' at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.ToleratedFailureCount)
	}
	rec, _, m, err := s.getMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	if m == nil && rec.Status == engine.StatusRunning {
		if t, ok := s.backend.(*Temporal); ok {
			return struct{}{}, s.updateTemporalMapRun(ctx, t, &rec, in)
		}
	}
	if m == nil {
		return nil, apiErr(errValidation, "Map Run %s is %s: only a running map run can be updated", rec.Arn, rec.Status)
	}
	m.ctl.Update(engine.MapRunUpdate{MaxConcurrency: in.MaxConcurrency,
		ToleratedFailureCount: in.ToleratedFailureCount, ToleratedFailurePercentage: in.ToleratedFailurePercentage})
	m.mu.Lock()
	if m.tally.Updated == nil {
		m.tally.Updated = &engine.MapRunUpdate{}
	}
	u := m.tally.Updated
	if in.MaxConcurrency != nil {
		m.rec.MaxConcurrency = *in.MaxConcurrency
		u.MaxConcurrency = in.MaxConcurrency
	}
	if in.ToleratedFailureCount != nil {
		m.rec.ToleratedFailureCount = *in.ToleratedFailureCount
		u.ToleratedFailureCount = in.ToleratedFailureCount
	}
	if in.ToleratedFailurePercentage != nil {
		m.rec.ToleratedFailurePercentage = *in.ToleratedFailurePercentage
		u.ToleratedFailurePercentage = in.ToleratedFailurePercentage
	}
	m.saveLocked(s.store)
	m.mu.Unlock()
	return struct{}{}, nil
}

type listMapRunsIn struct {
	ExecutionArn string `json:"executionArn"`
	MaxResults   int    `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

type mapRunItem struct {
	ExecutionArn    string `json:"executionArn"`
	MapRunArn       string `json:"mapRunArn"`
	StateMachineArn string `json:"stateMachineArn"`
	StartDate       *epoch `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

type listMapRunsOut struct {
	MapRuns   []mapRunItem `json:"mapRuns"`
	NextToken string       `json:"nextToken,omitempty"`
}

// listMapRuns lists the map runs of an execution, oldest first.
func (s *Service) listMapRuns(ctx context.Context, in *listMapRunsIn) (any, error) {
	kind := boundKind("mr", in.ExecutionArn)
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, kind, intPos)
	if err != nil {
		return nil, err
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if !s.mapRunsRecorded() {
		return nil, errMapRunsNotRecorded
	}
	if ex.Status == engine.StatusRunning {
		// Map runs are written behind the execution: show those recorded.
		if err := s.store.Flush(ctx); err != nil {
			return nil, err
		}
	}
	runs, err := s.store.ListMapRuns(ctx, ex.Arn, after, n+1)
	if err != nil {
		return nil, err
	}
	out := &listMapRunsOut{MapRuns: []mapRunItem{}}
	runs, out.NextToken = pageEnd(s.pages, runs, n, kind, func(r *store.MapRun) string { return strconv.FormatInt(r.ID, 10) })
	for _, r := range runs {
		out.MapRuns = append(out.MapRuns, mapRunItem{ExecutionArn: r.ExecutionArn, MapRunArn: r.Arn,
			StateMachineArn: r.StateMachineArn, StartDate: ts(r.Start), StopDate: ts(r.Stop)})
	}
	return out, nil
}

// listMapRunExecutions is ListExecutions of a map run's children, newest
// first.
func (s *Service) listMapRunExecutions(ctx context.Context, in *listExecutionsIn) (any, error) {
	if in.StateMachineArn != "" {
		return nil, apiErr(errValidation, "Must provide a StateMachine ARN or MapRun ARN, not both")
	}
	rec, _, _, err := s.getMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	if err := checkStatusFilter(in.StatusFilter); err != nil {
		return nil, err
	}
	if t, ok := s.backend.(*Temporal); ok {
		return s.listTemporalMapRunExecutions(ctx, t, &rec, in)
	}
	kind := boundKind("mrex", in.MapRunArn)
	n, before, err := pageStart(s.pages, in.MaxResults, in.NextToken, kind, intPos)
	if err != nil {
		return nil, err
	}
	if err := s.store.Flush(ctx); err != nil {
		return nil, err
	}
	exs, err := s.store.MapRunExecutions(ctx, store.MapRunQuery{MapRunArn: in.MapRunArn, Status: in.StatusFilter, BeforeID: before, Limit: n + 1})
	if err != nil {
		return nil, err
	}
	out := &listExecutionsOut{Executions: []executionItem{}}
	exs, out.NextToken = pageEnd(s.pages, exs, n, kind, func(ex store.MapRunExecution) string { return strconv.FormatInt(ex.ID, 10) })
	for _, ex := range exs {
		items := ex.Items
		out.Executions = append(out.Executions, executionItem{ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name,
			Status: ex.Status, StartDate: ts(ex.StartDate), StopDate: ts(ex.StopDate), RedriveCount: ex.RedriveCount,
			RedriveDate: ts(ex.RedriveDate), MapRunArn: in.MapRunArn, ItemCount: &items})
	}
	return out, nil
}
