// Package history holds the execution history in Step Functions' event
// format (GetExecutionHistory's HistoryEvent).
package history

import "time"

// Event is one HistoryEvent. Details is the matching ...EventDetails
// structure (for example *StateEnteredEventDetails), or nil.
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string // e.g. ExecutionStarted, PassStateEntered
	Details         any
}
