package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// Limits of a request, as AWS's.
const (
	// MaxRequestBytes is the largest request body accepted (AWS's 1 MiB
	// definition limit; larger bodies get a ValidationException).
	MaxRequestBytes = 1 << 20
	// MaxPayloadBytes is the largest execution input, task output or
	// TestState input (256 KiB).
	MaxPayloadBytes = 256 * 1024
)

// targetPrefix is the X-Amz-Target prefix of the Step Functions API.
const targetPrefix = "AWSStepFunctions."

// contentType is the AWS JSON 1.0 protocol's content type.
const contentType = "application/x-amz-json-1.0"

// Error names of the Step Functions API used here.
const (
	errStateMachineDoesNotExist   = "StateMachineDoesNotExist"
	errStateMachineAlreadyExists  = "StateMachineAlreadyExists"
	errStateMachineTypeNotSupport = "StateMachineTypeNotSupported"
	errExecutionDoesNotExist      = "ExecutionDoesNotExist"
	errExecutionAlreadyExists     = "ExecutionAlreadyExists"
	errExecutionNotRedrivable     = "ExecutionNotRedrivable"
	errInvalidDefinition          = "InvalidDefinition"
	errInvalidArn                 = "InvalidArn"
	errInvalidName                = "InvalidName"
	errInvalidExecutionInput      = "InvalidExecutionInput"
	errInvalidOutput              = "InvalidOutput"
	errInvalidToken               = "InvalidToken"
	errTaskTimedOut               = "TaskTimedOut"
	errActivityDoesNotExist       = "ActivityDoesNotExist"
	errValidation                 = "ValidationException"
	errResourceNotFound           = "ResourceNotFound"
	errMissingRequiredParameter   = "MissingRequiredParameter"
	errTooManyTags                = "TooManyTags"
	errUnknownOperation           = "UnknownOperationException"
	errSerialization              = "SerializationException"
	errInternal                   = "InternalFailure"
)

// APIError is an error answered to the client: its __type, message and
// HTTP status.
type APIError struct {
	Type    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

// apiErr returns a client error (HTTP 400).
func apiErr(typ, format string, args ...any) *APIError {
	return &APIError{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// handler runs one operation on its raw request body.
type handler func(ctx context.Context, body []byte) (any, error)

// op adapts a typed operation to a handler: the body is decoded into In.
func op[In any](fn func(ctx context.Context, in *In) (any, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decodeRequest(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// decodeRequest decodes a JSON request body. An empty body is {}.
func decodeRequest(body []byte, in any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if msg := invalidUTF8(body); msg != "" {
		return apiErr(errSerialization, "%s", msg)
	}
	if err := json.Unmarshal(body, in); err != nil {
		return apiErr(errSerialization, "the request body is not a valid request: %v", err)
	}
	return nil
}

// ServeHTTP answers the Step Functions API: POST / with X-Amz-Target
// AWSStepFunctions.<Operation> and a JSON body.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	opName := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	var errType string
	rec := &apiRecorder{ResponseWriter: w}
	w = rec
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving a request", "operation", opName, "panic", p, "stack", string(debug.Stack()))
			errType = errInternal
			writeError(w, &APIError{Type: errInternal, Message: "internal error", Status: http.StatusInternalServerError})
		}
		if s.opts.Metrics != nil && s.handlers[opName] != nil {
			s.opts.Metrics.APICall(opName, time.Since(start), errType)
		}
		s.logAPICall(opName, time.Since(start), rec.apiError())
	}()
	// Authentication comes first: an unsigned request learns nothing of
	// the methods, paths or operations served. The body is read for it
	// (the signature covers it), within MaxRequestBytes.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			if s.opts.Auth != nil {
				// Too large to check the signature: the headers at least.
				if aerr := s.opts.Auth.VerifyHeaders(r); aerr != nil {
					errType = aerr.Type
					aerr.Write(w)
					return
				}
			}
			e := apiErr(errValidation, "the request body exceeds the maximum size of %d bytes", MaxRequestBytes)
			e.Status = http.StatusRequestEntityTooLarge
			errType = e.Type
			writeError(w, e)
			return
		}
		errType = errSerialization
		writeError(w, apiErr(errSerialization, "reading the request body: %v", err))
		return
	}
	if s.opts.Auth != nil {
		if aerr := s.opts.Auth.Verify(r, body); aerr != nil {
			errType = aerr.Type
			aerr.Write(w)
			return
		}
	}
	if r.Method != http.MethodPost {
		errType = errUnknownOperation
		writeError(w, &APIError{Type: errUnknownOperation, Message: "only POST is supported", Status: http.StatusNotFound})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	h := s.handlers[opName]
	if !strings.HasPrefix(target, targetPrefix) || h == nil {
		errType = errUnknownOperation
		writeError(w, apiErr(errUnknownOperation, "unknown operation %q", target))
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		var ae *APIError
		switch {
		case errors.As(err, &ae):
		case errors.Is(err, store.ErrUnavailable):
			// The disk is full, or the like: say so rather than "internal
			// error" (the store keeps retrying what executions record).
			s.log.Error("operation failed", "operation", opName, "error", err)
			ae = &APIError{Type: "ServiceUnavailable", Message: "the server cannot write to its database: " + err.Error(), Status: http.StatusServiceUnavailable}
		default:
			s.log.Error("operation failed", "operation", opName, "error", err)
			ae = &APIError{Type: errInternal, Message: "internal error", Status: http.StatusInternalServerError}
		}
		errType = ae.Type
		writeError(w, ae)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	data, err := json.Marshal(out)
	if err != nil {
		s.log.Error("encoding a response", "operation", opName, "error", err)
		errType = errInternal
		writeError(w, &APIError{Type: errInternal, Message: "internal error", Status: http.StatusInternalServerError})
		return
	}
	h2 := w.Header()
	h2.Set("Content-Type", contentType)
	h2.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// writeError writes an AWS JSON 1.0 error response.
func writeError(w http.ResponseWriter, e *APIError) {
	data, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	if err != nil {
		data = []byte(`{"__type":"InternalFailure"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Errortype", e.Type)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(data)
}

// epoch is a timestamp as the AWS JSON protocol writes it: seconds since
// the epoch, with milliseconds as a fraction.
type epoch time.Time

// MarshalJSON writes the seconds since the epoch.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// ts returns t as an epoch, or nil when t is zero.
func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// discardLogger drops every record.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
