package temporal

import (
	"time"

	"github.com/stepwise/stepwise/engine"
)

// This file holds what the map run queries, update and signal carry
// (maprun.go).

// MapRunsRequest asks QueryMapRuns for the map run Arn or, without Arn,
// for at most Limit map runs from number From (0-based, oldest first).
type MapRunsRequest struct {
	Arn   string `json:",omitempty"`
	From  int    `json:",omitempty"`
	Limit int    `json:",omitempty"`
}

// MapRunState is a map run as QueryMapRuns answers it.
type MapRunState struct {
	Arn          string
	ExecutionArn string
	// StateMachineArn is the children's: …:stateMachine:MACHINE/LABEL.
	StateMachineArn string
	StateName       string
	Status          string // RUNNING, SUCCEEDED, FAILED or ABORTED
	Start           time.Time
	Stop            time.Time // zero while running
	// The settings as they are now (UpdateMapRun changes them).
	MaxConcurrency             int
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	Items, Executions          engine.MapRunCounts
	RedriveCount               int `json:",omitempty"`
	// Shards are the running shard workflows of the run's children: the
	// counts take their children as running or pending (Running) until
	// the shard reports them; RefineMapRun asks the shards.
	Shards []MapRunShard `json:",omitempty"`
}

// MapRunShard is a running shard workflow of a map run's children.
type MapRunShard struct {
	WorkflowID string
	// Children are the shard's, in the order of its input: their number
	// in the map run (-1: another run's), their items, and whether the
	// counts take them as running (else pending).
	Children []ShardChild
}

// ShardChild is a child of a MapRunShard.
type ShardChild struct {
	Index   int
	Items   int  `json:",omitempty"`
	Running bool `json:",omitempty"`
}

// MapRunChildrenRequest asks QueryMapRunChildren for at most Limit
// children of a map run, newest first, whose number is below Before (-1:
// from the newest) and, with Status, whose status is Status.
type MapRunChildrenRequest struct {
	MapRunArn string
	Before    int
	Status    string `json:",omitempty"`
	Limit     int
}

// MapRunChildState is a child execution of a map run: Index is its number
// in the run (from 0, in the order it started), Items the items it ran on.
type MapRunChildState struct {
	Index  int
	Name   string
	Arn    string
	Status string
	Start  time.Time
	Stop   time.Time // zero while running
	Items  int
	// A running child a shard workflow holds: the shard, the child's
	// place in its input, and whether it is taken not to have started
	// yet (RefineChildren asks the shard).
	Shard    string `json:",omitempty"`
	ShardPos int    `json:",omitempty"`
	Waiting  bool   `json:",omitempty"`
}

// MapRunUpdate is the signal UpdateMapRunSignal: new settings of a running
// map run (nil: unchanged).
type MapRunUpdate struct {
	MapRunArn                  string
	MaxConcurrency             *int     `json:",omitempty"`
	ToleratedFailureCount      *int64   `json:",omitempty"`
	ToleratedFailurePercentage *float64 `json:",omitempty"`
}
