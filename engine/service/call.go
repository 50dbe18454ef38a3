package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Call runs one API operation in process, as a request to ServeHTTP would
// but without HTTP or Signature Version 4: the caller (the web console,
// which has its own login) is trusted. operation is the name after
// "AWSStepFunctions." (e.g. "ListExecutions") and in its JSON request.
// It returns the JSON response, or an *APIError as the API would answer.
func (s *Service) Call(ctx context.Context, operation string, in []byte) (out []byte, err error) {
	h := s.handlers[operation]
	if h == nil {
		return nil, apiErr(errUnknownOperation, "unknown operation %q", operation)
	}
	if len(in) > MaxRequestBytes {
		e := apiErr(errValidation, "the request body exceeds the maximum size of %d bytes", MaxRequestBytes)
		e.Status = http.StatusRequestEntityTooLarge
		return nil, e
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in an operation", "operation", operation, "panic", p)
			out, err = nil, &APIError{Type: errInternal, Message: "internal error", Status: http.StatusInternalServerError}
		}
	}()
	res, err := h(ctx, in)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			s.log.Error("operation failed", "operation", operation, "error", err)
			return nil, fmt.Errorf("service: %s: %w", operation, err)
		}
		return nil, ae
	}
	if res == nil {
		res = struct{}{}
	}
	data, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("service: %s: encoding the response: %w", operation, err)
	}
	return data, nil
}
