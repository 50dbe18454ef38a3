package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/stepwise/stepwise/engine"
)

// The service's structured logs of executions and API calls: one record as
// an execution starts (info), one as it ends (info when it succeeded or was
// stopped, warn when it failed or timed out, with its error and cause), one per API call at debug, and one
// per API error (info for the caller's mistakes, error for the server's).

// logRunStart records that r starts, resumes or redrives.
func (s *Service) logRunStart(r *run, opts *engine.Options) {
	if !s.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	attrs := []any{"execution", r.key, "stateMachine", r.smName}
	msg := "execution started"
	switch {
	case r.resumed:
		msg = "execution resumed"
	case opts.Redrive:
		msg = "execution redriven"
	}
	if r.ex == nil {
		attrs = append(attrs, "type", "EXPRESS")
	}
	if r.testCase != "" {
		attrs = append(attrs, "testCase", r.testCase)
	}
	s.log.Info(msg, attrs...)
}

// logRunEnd records how r ended.
func (s *Service) logRunEnd(r *run, res *engine.Result) {
	attrs := []any{"execution", r.key, "status", res.Status, "duration", time.Since(r.started).Round(time.Millisecond)}
	if res.Error != "" || res.Cause != "" {
		attrs = append(attrs, "error", res.Error, "cause", res.Cause)
	}
	level := slog.LevelWarn // failed or timed out
	if res.Status == engine.StatusSucceeded || res.Status == engine.StatusAborted {
		level = slog.LevelInfo // as asked: by StopExecution, or a parent's end
	}
	s.log.Log(context.Background(), level, "execution ended", attrs...)
}

// logAPICall records one API call: at debug when it succeeded, at info
// when the caller got an error (4xx), at error when the server failed (5xx).
func (s *Service) logAPICall(op string, took time.Duration, ae *APIError) {
	if ae == nil {
		s.log.Debug("api call", "operation", op, "duration", took)
		return
	}
	level := slog.LevelInfo
	if ae.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(context.Background(), level, "api error", "operation", op, "error", ae.Type, "message", ae.Message, "status", ae.Status)
}

// apiRecorder keeps the status and, for an error, the body of a response,
// for logAPICall.
type apiRecorder struct {
	http.ResponseWriter
	status int
	body   []byte
}

// WriteHeader records the status.
func (r *apiRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Write keeps an error's body (small: a type and a message).
func (r *apiRecorder) Write(b []byte) (int, error) {
	if r.status >= 400 && len(r.body) < 4096 {
		r.body = append(r.body, b...)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *apiRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// apiError is the error the response carried, or nil.
func (r *apiRecorder) apiError() *APIError {
	if r.status < 400 {
		return nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(r.body, &e)
	return &APIError{Type: e.Type, Message: e.Message, Status: r.status}
}
