// Package history holds the execution history in Step Functions' event
// format (GetExecutionHistory's HistoryEvent).
package history

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// Event is one HistoryEvent. Details is the matching ...EventDetails
// structure (for example *StateEnteredEventDetails), or nil.
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string // e.g. ExecutionStarted, PassStateEntered
	Details         any
}

// DetailsKey returns the member name under which GetExecutionHistory
// reports the details of an event type, e.g. "stateEnteredEventDetails" for
// PassStateEntered and "taskScheduledEventDetails" for TaskScheduled.
func DetailsKey(eventType string) string {
	switch {
	case strings.HasSuffix(eventType, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(eventType, "StateExited"):
		return "stateExitedEventDetails"
	case eventType == "":
		return ""
	}
	return strings.ToLower(eventType[:1]) + eventType[1:] + "EventDetails"
}

// MarshalJSON renders the event as GetExecutionHistory does.
func (e Event) MarshalJSON() ([]byte, error) {
	type head struct {
		Timestamp       float64 `json:"timestamp"`
		Type            string  `json:"type"`
		ID              int64   `json:"id"`
		PreviousEventID int64   `json:"previousEventId"`
	}
	h, err := json.Marshal(head{
		Timestamp:       float64(e.Timestamp.UnixMilli()) / 1000,
		Type:            e.Type,
		ID:              e.ID,
		PreviousEventID: e.PreviousEventID,
	})
	if err != nil {
		return nil, err
	}
	if e.Details == nil {
		return h, nil
	}
	d, err := json.Marshal(e.Details)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(h)+len(d)+40)
	out = append(out, h[:len(h)-1]...)
	out = append(out, `,"`...)
	out = append(out, DetailsKey(e.Type)...)
	out = append(out, `":`...)
	out = append(out, d...)
	out = append(out, '}')
	return out, nil
}

// Payload is a JSON value carried by an event (an input, output or
// parameters). It keeps the value and renders it as JSON text only when
// asked, so recording history does not encode every state's data.
type Payload struct {
	Value any // a value.Value
}

// String returns the compact JSON text of the value.
func (p Payload) String() string { return value.EncodeString(p.Value) }

// MarshalJSON renders the payload as a JSON string holding the JSON text,
// as Step Functions reports inputs and outputs.
func (p Payload) MarshalJSON() ([]byte, error) {
	return json.Marshal(value.EncodeString(p.Value))
}

// PayloadDetails says whether a payload was truncated.
type PayloadDetails struct {
	Truncated bool `json:"truncated"`
}

// ExecutionStartedEventDetails describes an ExecutionStarted event.
type ExecutionStartedEventDetails struct {
	Input        Payload        `json:"input"`
	InputDetails PayloadDetails `json:"inputDetails"`
	RoleArn      string         `json:"roleArn,omitempty"`
}

// ExecutionSucceededEventDetails describes an ExecutionSucceeded event.
type ExecutionSucceededEventDetails struct {
	Output        Payload        `json:"output"`
	OutputDetails PayloadDetails `json:"outputDetails"`
}

// ErrorDetails holds an error name and a cause. It is the details of
// ExecutionFailed, ExecutionAborted, ExecutionTimedOut, LambdaFunctionFailed,
// LambdaFunctionTimedOut, ActivityFailed, ActivityTimedOut, MapRunFailed and
// similar events.
type ErrorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// ExecutionFailedEventDetails describes an ExecutionFailed event.
type ExecutionFailedEventDetails = ErrorDetails

// StateEnteredEventDetails describes a ...StateEntered event.
type StateEnteredEventDetails struct {
	Name         string         `json:"name"`
	Input        Payload        `json:"input"`
	InputDetails PayloadDetails `json:"inputDetails"`
}

// StateExitedEventDetails describes a ...StateExited event.
type StateExitedEventDetails struct {
	Name                     string                    `json:"name"`
	Output                   Payload                   `json:"output"`
	OutputDetails            PayloadDetails            `json:"outputDetails"`
	AssignedVariables        map[string]Payload        `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *AssignedVariablesDetails `json:"assignedVariablesDetails,omitempty"`
}

// AssignedVariablesDetails says whether the assigned variables were
// truncated.
type AssignedVariablesDetails struct {
	Truncated bool `json:"truncated"`
}

// TaskCredentials are the credentials a task ran with.
type TaskCredentials struct {
	RoleArn string `json:"roleArn,omitempty"`
}

// TaskScheduledEventDetails describes a TaskScheduled event.
type TaskScheduledEventDetails struct {
	ResourceType       string           `json:"resourceType"`
	Resource           string           `json:"resource"`
	Region             string           `json:"region"`
	Parameters         Payload          `json:"parameters"`
	TimeoutInSeconds   int64            `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64            `json:"heartbeatInSeconds,omitempty"`
	TaskCredentials    *TaskCredentials `json:"taskCredentials,omitempty"`
}

// TaskStartedEventDetails describes a TaskStarted event.
type TaskStartedEventDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskOutputEventDetails describes a TaskSubmitted or TaskSucceeded event.
type TaskOutputEventDetails struct {
	ResourceType  string         `json:"resourceType"`
	Resource      string         `json:"resource"`
	Output        Payload        `json:"output"`
	OutputDetails PayloadDetails `json:"outputDetails"`
}

// TaskSubmittedEventDetails describes a TaskSubmitted event.
type TaskSubmittedEventDetails = TaskOutputEventDetails

// TaskSucceededEventDetails describes a TaskSucceeded event.
type TaskSucceededEventDetails = TaskOutputEventDetails

// TaskErrorEventDetails describes a TaskFailed or TaskTimedOut event.
type TaskErrorEventDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// TaskFailedEventDetails describes a TaskFailed event.
type TaskFailedEventDetails = TaskErrorEventDetails

// TaskTimedOutEventDetails describes a TaskTimedOut event.
type TaskTimedOutEventDetails = TaskErrorEventDetails

// LambdaFunctionScheduledEventDetails describes a LambdaFunctionScheduled
// event.
type LambdaFunctionScheduledEventDetails struct {
	Resource         string           `json:"resource"`
	Input            Payload          `json:"input"`
	InputDetails     PayloadDetails   `json:"inputDetails"`
	TimeoutInSeconds int64            `json:"timeoutInSeconds,omitempty"`
	TaskCredentials  *TaskCredentials `json:"taskCredentials,omitempty"`
}

// OutputEventDetails describes an event that carries only an output:
// LambdaFunctionSucceeded, ActivitySucceeded.
type OutputEventDetails struct {
	Output        Payload        `json:"output"`
	OutputDetails PayloadDetails `json:"outputDetails"`
}

// ActivityScheduledEventDetails describes an ActivityScheduled event.
type ActivityScheduledEventDetails struct {
	Resource           string         `json:"resource"`
	Input              Payload        `json:"input"`
	InputDetails       PayloadDetails `json:"inputDetails"`
	TimeoutInSeconds   int64          `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64          `json:"heartbeatInSeconds,omitempty"`
}

// ActivityStartedEventDetails describes an ActivityStarted event.
type ActivityStartedEventDetails struct {
	WorkerName string `json:"workerName,omitempty"`
}

// MapStateStartedEventDetails describes a MapStateStarted event.
type MapStateStartedEventDetails struct {
	Length int `json:"length"`
}

// MapIterationEventDetails describes a MapIteration... event.
type MapIterationEventDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// MapRunStartedEventDetails describes a MapRunStarted event.
type MapRunStartedEventDetails struct {
	MapRunArn string `json:"mapRunArn"`
}

// EvaluationFailedEventDetails describes an EvaluationFailed event.
type EvaluationFailedEventDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

// ExecutionRedrivenEventDetails describes an ExecutionRedriven event.
type ExecutionRedrivenEventDetails struct {
	RedriveCount int `json:"redriveCount"`
}

// MapRunRedrivenEventDetails describes a MapRunRedriven event: a map run
// taken up again by a redrive of its parent execution.
type MapRunRedrivenEventDetails struct {
	MapRunArn    string `json:"mapRunArn"`
	RedriveCount int    `json:"redriveCount"`
}
