package store

import (
	"context"
	"errors"
	"time"
)

// ErrRevisionChanged: a version was to be published for a revision that is
// no longer the state machine's current one.
var ErrRevisionChanged = errors.New("revision changed")

// Version is a published, immutable version of a state machine: a
// numbered reference to one of its revisions.
type Version struct {
	MachineArn  string
	Number      int64
	RevisionID  string
	Description string
	// Revised: the revision comes from an UpdateStateMachine (AWS shows
	// the revisionId of such versions only).
	Revised bool
	Created time.Time
}

// Route is one entry of an alias's routing configuration.
type Route struct {
	VersionArn string `json:"stateMachineVersionArn"`
	Weight     int    `json:"weight"`
}

// Alias is a named pointer to one or two versions of a state machine.
type Alias struct {
	Arn         string
	MachineArn  string
	Name        string
	Description string
	Routing     []Route
	Created     time.Time
	Updated     time.Time
}

// Origin is how an execution was started: through a version, an alias
// (which picked a version), or neither ("").
type Origin struct {
	VersionArn string
	AliasArn   string
}

// VersionStore keeps the versions and aliases of state machines and the
// origin of the executions started through them.
type VersionStore interface {
	// PublishVersion publishes the state machine's current revision as a
	// new version numbered after every version it ever had. When the
	// newest version already refers to the current revision, that version
	// is returned instead (created false). expectRevision, when not "",
	// must be the current revision (ErrRevisionChanged otherwise).
	PublishVersion(ctx context.Context, machineArn, expectRevision, description string, at time.Time) (v *Version, created bool, err error)
	// GetVersion returns a version (ErrNotFound when none).
	GetVersion(ctx context.Context, machineArn string, number int64) (*Version, error)
	// ListVersions returns versions newest first, those numbered below
	// before (≤ 0: from the newest), at most limit.
	ListVersions(ctx context.Context, machineArn string, before int64, limit int) ([]*Version, error)
	// DeleteVersion removes a version (no error when there is none).
	DeleteVersion(ctx context.Context, machineArn string, number int64) error

	// CreateAlias stores an alias (ErrExists when its ARN is taken).
	CreateAlias(ctx context.Context, a *Alias) error
	// GetAlias returns an alias (ErrNotFound when none).
	GetAlias(ctx context.Context, arn string) (*Alias, error)
	// UpdateAlias replaces an alias's description, routing and update
	// date (ErrNotFound when none).
	UpdateAlias(ctx context.Context, a *Alias) error
	// DeleteAlias removes an alias (no error when there is none).
	DeleteAlias(ctx context.Context, arn string) error
	// ListAliases returns the aliases of a state machine ordered by ARN,
	// those after the ARN after, at most limit (≤ 0: all).
	ListAliases(ctx context.Context, machineArn, after string, limit int) ([]*Alias, error)
	// DeleteMachineVersions removes every version and alias of a state
	// machine and its version counter.
	DeleteMachineVersions(ctx context.Context, machineArn string) error

	// SetOrigin records how an execution was started.
	SetOrigin(ctx context.Context, executionArn string, o Origin) error
	// Origins returns the origins of executions, by ARN (executions
	// started on the state machine itself are absent).
	Origins(ctx context.Context, executionArns []string) (map[string]Origin, error)
	// ListExecutionsFrom returns, newest first, the executions started
	// through a version or an alias (qualifier: the version or alias
	// ARN), as ListExecutions.
	ListExecutionsFrom(ctx context.Context, qualifier string, q ExecutionQuery) ([]*Execution, error)
}
