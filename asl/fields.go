package asl

// Limits AWS applies to definitions.
const (
	maxStateNameLength = 80
	maxIntegerField    = 99999999 // TimeoutSeconds, IntervalSeconds, MaxAttempts, ...
	maxDelaySeconds    = 31622400 // MaxDelaySeconds: one year
	maxNesting         = 100      // nested Parallel/Map graphs
)

// lang says in which query language a field may appear.
type lang uint8

const (
	langBoth lang = iota
	langJSONPath
	langJSONata
)

// commonFields are allowed in every state.
var commonFields = map[string]lang{
	"Type":          langBoth,
	"Comment":       langBoth,
	"QueryLanguage": langBoth,
}

// stateFields lists the fields each state type allows beyond commonFields.
var stateFields = map[string]map[string]lang{
	TypePass: {
		"Next": langBoth, "End": langBoth, "Assign": langBoth,
		"InputPath": langJSONPath, "OutputPath": langJSONPath, "Parameters": langJSONPath,
		"ResultPath": langJSONPath, "Result": langJSONPath,
		"Output": langJSONata,
	},
	TypeTask: {
		"Next": langBoth, "End": langBoth, "Assign": langBoth, "Resource": langBoth,
		"TimeoutSeconds": langBoth, "HeartbeatSeconds": langBoth, "Retry": langBoth,
		"Catch": langBoth, "Credentials": langBoth,
		"InputPath": langJSONPath, "OutputPath": langJSONPath, "Parameters": langJSONPath,
		"ResultSelector": langJSONPath, "ResultPath": langJSONPath,
		"TimeoutSecondsPath": langJSONPath, "HeartbeatSecondsPath": langJSONPath,
		"Arguments": langJSONata, "Output": langJSONata,
	},
	TypeChoice: {
		"Choices": langBoth, "Default": langBoth, "Assign": langBoth,
		"InputPath": langJSONPath, "OutputPath": langJSONPath,
		"Output": langJSONata,
	},
	TypeWait: {
		"Next": langBoth, "End": langBoth, "Assign": langBoth, "Seconds": langBoth, "Timestamp": langBoth,
		"SecondsPath": langJSONPath, "TimestampPath": langJSONPath,
		"InputPath": langJSONPath, "OutputPath": langJSONPath,
		"Output": langJSONata,
	},
	TypeSucceed: {
		"InputPath": langJSONPath, "OutputPath": langJSONPath,
		"Output": langJSONata,
	},
	TypeFail: {
		"Error": langBoth, "Cause": langBoth,
		"ErrorPath": langJSONPath, "CausePath": langJSONPath,
	},
	TypeParallel: {
		"Branches": langBoth, "Next": langBoth, "End": langBoth, "Assign": langBoth,
		"Retry": langBoth, "Catch": langBoth,
		"InputPath": langJSONPath, "OutputPath": langJSONPath, "Parameters": langJSONPath,
		"ResultSelector": langJSONPath, "ResultPath": langJSONPath,
		"Arguments": langJSONata, "Output": langJSONata,
	},
	TypeMap: {
		"ItemProcessor": langBoth, "Iterator": langBoth, "ItemSelector": langBoth,
		"ItemReader": langBoth, "ItemBatcher": langBoth, "ResultWriter": langBoth,
		"MaxConcurrency": langBoth, "ToleratedFailureCount": langBoth,
		"ToleratedFailurePercentage": langBoth, "Label": langBoth,
		"Next": langBoth, "End": langBoth, "Assign": langBoth, "Retry": langBoth, "Catch": langBoth,
		"ItemsPath": langJSONPath, "Parameters": langJSONPath, "MaxConcurrencyPath": langJSONPath,
		"ToleratedFailureCountPath": langJSONPath, "ToleratedFailurePercentagePath": langJSONPath,
		"InputPath": langJSONPath, "OutputPath": langJSONPath, "ResultPath": langJSONPath,
		"ResultSelector": langJSONPath,
		"Items":          langJSONata, "Output": langJSONata,
	},
}

// topFields are the fields of the definition itself.
var topFields = map[string]bool{
	"Comment": true, "StartAt": true, "States": true, "TimeoutSeconds": true,
	"Version": true, "QueryLanguage": true,
}

var retrierFields = map[string]bool{
	"ErrorEquals": true, "IntervalSeconds": true, "MaxAttempts": true, "BackoffRate": true,
	"MaxDelaySeconds": true, "JitterStrategy": true, "Comment": true,
}

var catcherFields = map[string]lang{
	"ErrorEquals": langBoth, "Next": langBoth, "Comment": langBoth, "Assign": langBoth,
	"ResultPath": langJSONPath, "Output": langJSONata,
}

var jsonataChoiceRuleFields = map[string]bool{
	"Condition": true, "Next": true, "Assign": true, "Output": true, "Comment": true,
}
