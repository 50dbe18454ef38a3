package service

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/service/store"
)

// errInvalidLoggingConfiguration is AWS's error for a loggingConfiguration
// it cannot use.
const errInvalidLoggingConfiguration = "InvalidLoggingConfiguration"

// Log levels of a loggingConfiguration.
const (
	logAll   = "ALL"
	logError = "ERROR"
	logFatal = "FATAL"
	logOff   = "OFF"
)

type logGroup struct {
	LogGroupArn string `json:"logGroupArn"`
}

type logDestination struct {
	CloudWatchLogsLogGroup *logGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// loggingConfiguration is a state machine's loggingConfiguration, as the
// API takes and returns it.
type loggingConfiguration struct {
	Level                string            `json:"level"`
	IncludeExecutionData bool              `json:"includeExecutionData"`
	Destinations         *[]logDestination `json:"destinations,omitempty"`
}

// normalizeLogging checks a loggingConfiguration as AWS does and returns
// it as stored (with its defaults), or "" for none.
func normalizeLogging(raw json.RawMessage) (string, error) {
	if jsonText(raw) == "" {
		return "", nil
	}
	var c loggingConfiguration
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", apiErr(errSerialization, "loggingConfiguration: %v", err)
	}
	switch c.Level {
	case "":
		c.Level = logOff
	case logAll, logError, logFatal, logOff:
	default:
		return "", apiErr(errValidation, "1 validation error detected: Value '%s' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]", c.Level)
	}
	n := 0
	if c.Destinations != nil {
		n = len(*c.Destinations)
	}
	if n > 1 || (c.Level != logOff && n != 1) {
		return "", apiErr(errInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	if n == 1 {
		g := (*c.Destinations)[0].CloudWatchLogsLogGroup
		if g == nil || !validLogGroupArn(g.LogGroupArn) {
			return "", apiErr(errInvalidLoggingConfiguration, "Invalid Logging Configuration: Log Destination not found.")
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("service: encoding a logging configuration: %w", err)
	}
	return string(b), nil
}

// validLogGroupArn reports whether s is a CloudWatch Logs log group ARN
// (arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]).
func validLogGroupArn(s string) bool {
	p := strings.Split(s, ":")
	return len(p) >= 7 && len(p) <= 8 && p[0] == "arn" && p[2] == "logs" && p[3] != "" && p[4] != "" && p[5] == "log-group" && p[6] != "" &&
		(len(p) == 7 || p[7] == "*")
}

// normalizeTracing checks a tracingConfiguration and returns it as stored
// ("" for none).
func normalizeTracing(raw json.RawMessage) (string, error) {
	if jsonText(raw) == "" {
		return "", nil
	}
	var c struct {
		Enabled bool `json:"enabled"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", apiErr(errSerialization, "tracingConfiguration: %v", err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("service: encoding a tracing configuration: %w", err)
	}
	return string(b), nil
}

// logSink writes execution log events, one JSON line each, as CloudWatch
// Logs would receive them.
type logSink struct {
	mu     sync.Mutex
	w      io.Writer
	failed bool
}

// logLine is one log event as CloudWatch Logs' FilterLogEvents returns it:
// the log group and stream, the time, and the message AWS Step Functions
// writes (a JSON object, as text).
type logLine struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
}

// logMessage is the message of an execution's log event, as AWS writes it.
type logMessage struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Details         json.RawMessage `json:"details"`
	PreviousEventID string          `json:"previous_event_id"`
	EventTimestamp  string          `json:"event_timestamp"`
	ExecutionArn    string          `json:"execution_arn"`
	RedriveCount    string          `json:"redrive_count"`
}

// execLogger logs the events of one execution at its state machine's
// level.
type execLogger struct {
	sink         *logSink
	level        string
	withData     bool
	group        string
	stream       string
	executionArn string
	redriveCount int
	onError      func(error)
}

// executionLogger returns the logger of an execution of rec, or nil when
// its logging is off or the service has no sink.
func (s *Service) executionLogger(rec *store.StateMachine, executionArn string, started time.Time, redriveCount int) *execLogger {
	if s.logs == nil || rec.LoggingConfiguration == "" {
		return nil
	}
	var c loggingConfiguration
	if json.Unmarshal([]byte(rec.LoggingConfiguration), &c) != nil || c.Level == logOff || c.Level == "" || c.Destinations == nil || len(*c.Destinations) != 1 {
		return nil
	}
	g := (*c.Destinations)[0].CloudWatchLogsLogGroup
	if g == nil {
		return nil
	}
	group := g.LogGroupArn
	if p := strings.Split(group, ":"); len(p) >= 7 {
		group = p[6]
	}
	name := executionArn[strings.LastIndexByte(executionArn, ':')+1:]
	return &execLogger{
		sink: s.logs, level: c.Level, withData: c.IncludeExecutionData, group: group,
		stream:       "states/" + rec.Name + "/" + started.UTC().Format("2006-01-02-15-04") + "/" + name,
		executionArn: executionArn, redriveCount: redriveCount,
		onError: func(err error) {
			s.log.Error("writing an execution log event", "execution", executionArn, "error", err)
		},
	}
}

// logged reports whether an event of type typ is logged at level.
func logged(level, typ string) bool {
	switch level {
	case logAll:
		return true
	case logFatal:
		return typ == "ExecutionFailed" || typ == "ExecutionAborted" || typ == "ExecutionTimedOut"
	case logError:
		return typ == "FailStateEntered" || strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut") || strings.HasSuffix(typ, "Aborted")
	}
	return false
}

// logDataKeys are the members of event details that carry execution data,
// left out unless includeExecutionData.
var logDataKeys = []string{"input", "inputDetails", "output", "outputDetails", "parameters", "assignedVariables", "assignedVariablesDetails"}

// log writes an event when the level asks for it.
func (l *execLogger) log(ev history.Event, historyJSON []byte) {
	if l == nil || !logged(l.level, ev.Type) {
		return
	}
	details := json.RawMessage(`{}`)
	var top map[string]json.RawMessage
	if json.Unmarshal(historyJSON, &top) == nil {
		if d, ok := top[history.DetailsKey(ev.Type)]; ok {
			details = d
		}
	}
	if !l.withData {
		var m map[string]json.RawMessage
		if json.Unmarshal(details, &m) == nil {
			for _, k := range logDataKeys {
				delete(m, k)
			}
			if b, err := json.Marshal(m); err == nil {
				details = b
			}
		}
	}
	ms := ev.Timestamp.UnixMilli()
	msg, err := json.Marshal(logMessage{
		ID: strconv.FormatInt(ev.ID, 10), Type: ev.Type, Details: details, PreviousEventID: strconv.FormatInt(ev.PreviousEventID, 10),
		EventTimestamp: strconv.FormatInt(ms, 10), ExecutionArn: l.executionArn, RedriveCount: strconv.Itoa(l.redriveCount),
	})
	if err != nil {
		l.onError(err)
		return
	}
	line, err := json.Marshal(logLine{LogGroupName: l.group, LogStreamName: l.stream, Timestamp: ms, Message: string(msg)})
	if err != nil {
		l.onError(err)
		return
	}
	l.sink.write(append(line, '\n'), l.onError)
}

// write writes one line; the first failure is reported, later ones are
// not (a sink that fails keeps failing).
func (k *logSink) write(line []byte, onError func(error)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, err := k.w.Write(line); err != nil && !k.failed {
		k.failed = true
		onError(err)
	}
}
