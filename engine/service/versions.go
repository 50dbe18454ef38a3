package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/stepwise/stepwise/engine/service/store"
)

// errConflict is the Step Functions API's ConflictException (HTTP 409).
const errConflict = "ConflictException"

func conflict(format string, args ...any) *APIError {
	return &APIError{Type: errConflict, Message: fmt.Sprintf(format, args...), Status: 409}
}

// checkVersionDescription checks CreateStateMachine's and
// UpdateStateMachine's versionDescription.
func checkVersionDescription(publish bool, desc string) error {
	if desc == "" {
		return nil
	}
	if !publish {
		return apiErr(errValidation, "Version description can only be set when publish is true")
	}
	return checkDescription("versionDescription", desc)
}

// checkDescription checks a description of at most 256 characters.
func checkDescription(member, desc string) error {
	if utf8.RuneCountInString(desc) > 256 {
		return apiErr(errValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 256", desc, member)
	}
	return nil
}

// publish publishes the current revision of a state machine (the newest
// version when it already refers to that revision).
func (s *Service) publish(ctx context.Context, machineArn, revision, desc string) (*store.Version, error) {
	v, _, err := s.store.PublishVersion(ctx, machineArn, revision, desc, time.Now().UTC())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", machineArn)
	case errors.Is(err, store.ErrRevisionChanged):
		cur, gerr := s.store.GetStateMachine(ctx, machineArn)
		if gerr != nil {
			return nil, gerr
		}
		return nil, conflict("Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", revision, cur.RevisionID)
	case err != nil:
		return nil, err
	}
	return v, nil
}

type publishVersionIn struct {
	StateMachineArn string `json:"stateMachineArn"`
	RevisionID      string `json:"revisionId"`
	Description     string `json:"description"`
}

type versionOut struct {
	CreationDate           *epoch `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

func (s *Service) publishStateMachineVersion(ctx context.Context, in *publishVersionIn) (any, error) {
	if err := checkDescription("description", in.Description); err != nil {
		return nil, err
	}
	rec, err := s.getMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	v, err := s.publish(ctx, rec.Arn, in.RevisionID, in.Description)
	if err != nil {
		return nil, err
	}
	return &versionOut{CreationDate: ts(v.Created), StateMachineVersionArn: s.versionARN(v.MachineArn, v.Number)}, nil
}

type listVersionsOut struct {
	StateMachineVersions []versionOut `json:"stateMachineVersions"`
	NextToken            string       `json:"nextToken,omitempty"`
}

type listQualifiedIn struct {
	StateMachineArn string `json:"stateMachineArn"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

func (s *Service) listStateMachineVersions(ctx context.Context, in *listQualifiedIn) (any, error) {
	n, before, err := pageStart(s.pages, in.MaxResults, in.NextToken, "ver", intPos)
	if err != nil {
		return nil, tokenError(err)
	}
	rec, err := s.getMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListVersions(ctx, rec.Arn, before, n+1)
	if err != nil {
		return nil, err
	}
	out := &listVersionsOut{StateMachineVersions: []versionOut{}}
	vs, out.NextToken = pageEnd(s.pages, vs, n, "ver", func(v *store.Version) string { return strconv.FormatInt(v.Number, 10) })
	for _, v := range vs {
		out.StateMachineVersions = append(out.StateMachineVersions, versionOut{CreationDate: ts(v.Created), StateMachineVersionArn: s.versionARN(v.MachineArn, v.Number)})
	}
	return out, nil
}

// tokenError gives a page token's InvalidToken AWS's message for the
// operations of versions and aliases.
func tokenError(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Type == errInvalidToken {
		return apiErr(errInvalidToken, "Invalid Token: 'Invalid token'")
	}
	return err
}

type deleteVersionIn struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

func (s *Service) deleteStateMachineVersion(ctx context.Context, in *deleteVersionIn) (any, error) {
	ref, ok := parseMachineRef(in.StateMachineVersionArn)
	if !ok || ref.version == 0 {
		return nil, invalidArn(in.StateMachineVersionArn, arnStateMachine)
	}
	aliases, err := s.store.ListAliases(ctx, ref.base, "", 0)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, a := range aliases {
		for _, r := range a.Routing {
			if r.VersionArn == in.StateMachineVersionArn {
				names = append(names, a.Name)
			}
		}
	}
	if len(names) > 0 {
		return nil, conflict("Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: %s", bracketList(names))
	}
	// Deleting a version that does not exist succeeds, as on AWS.
	if err := s.store.DeleteVersion(ctx, ref.base, ref.version); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// bracketList writes items as Java's List.toString does: [a, b].
func bracketList[T any](items []T) string {
	out := "["
	for i, it := range items {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(it)
	}
	return out + "]"
}

// getVersion returns a version and the state machine revision it refers
// to, with AWS's errors.
func (s *Service) getVersion(ctx context.Context, ref machineRef, versionArn string) (*store.Version, *store.StateMachine, error) {
	notFound := apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", versionArn)
	if ref.arn.region != s.region || ref.arn.account != s.account {
		return nil, nil, notFound
	}
	v, err := s.store.GetVersion(ctx, ref.base, ref.version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	rec, err := s.store.GetRevision(ctx, ref.base, v.RevisionID)
	if err != nil {
		return nil, nil, err
	}
	return v, rec, nil
}

func (s *Service) describeVersion(ctx context.Context, ref machineRef, versionArn string) (any, error) {
	v, rec, err := s.getVersion(ctx, ref, versionArn)
	if err != nil {
		return nil, err
	}
	out := &describeStateMachineOut{
		StateMachineArn: versionArn, Name: rec.Name, Status: "ACTIVE", Definition: rec.Definition, RoleArn: rec.RoleArn,
		Type: rec.Type, CreationDate: ts(v.Created), Description: v.Description,
		LoggingConfiguration: loggingOf(rec), TracingConfiguration: tracingOf(rec),
	}
	if v.Revised {
		out.RevisionID = v.RevisionID
	}
	return out, nil
}

// startTarget resolves the state machine ARN of a StartExecution: the
// state machine at its current revision, a version, or an alias (which
// picks one of its versions by weight). It returns the revision to run and
// the version and alias it was reached through.
func (s *Service) startTarget(ctx context.Context, smArn string) (*store.StateMachine, store.Origin, error) {
	ref, ok := parseMachineRef(smArn)
	if !ok || !ref.qualified() {
		rec, err := s.getMachine(ctx, smArn)
		return rec, store.Origin{}, err
	}
	var origin store.Origin
	versionArn := smArn
	if ref.alias != "" {
		a, err := s.getAlias(ctx, smArn)
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Type == errResourceNotFound {
				return nil, origin, apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", smArn)
			}
			return nil, origin, err
		}
		origin.AliasArn = a.Arn
		versionArn = pickRoute(a.Routing)
		if ref, ok = parseMachineRef(versionArn); !ok || ref.version == 0 {
			return nil, origin, fmt.Errorf("service: alias %s routes to %q, not a version", a.Arn, versionArn)
		}
	}
	origin.VersionArn = versionArn
	_, rec, err := s.getVersion(ctx, ref, versionArn)
	if err != nil {
		return nil, origin, err
	}
	return rec, origin, nil
}
