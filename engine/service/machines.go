package service

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
)

// operations maps operation names to their handlers.
func (s *Service) operations() map[string]handler {
	return map[string]handler{
		"CreateStateMachine":               op(s.createStateMachine),
		"DescribeStateMachine":             op(s.describeStateMachine),
		"UpdateStateMachine":               op(s.updateStateMachine),
		"DeleteStateMachine":               op(s.deleteStateMachine),
		"ListStateMachines":                op(s.listStateMachines),
		"ValidateStateMachineDefinition":   op(s.validateDefinition),
		"StartExecution":                   op(s.startExecution),
		"StartSyncExecution":               op(s.startSyncExecution),
		"DescribeExecution":                op(s.describeExecution),
		"ListExecutions":                   op(s.listExecutions),
		"StopExecution":                    op(s.stopExecution),
		"GetExecutionHistory":              op(s.getExecutionHistory),
		"DescribeStateMachineForExecution": op(s.describeStateMachineForExecution),
		"RedriveExecution":                 op(s.redriveExecution),
		"SendTaskSuccess":                  op(s.sendTaskSuccess),
		"SendTaskFailure":                  op(s.sendTaskFailure),
		"SendTaskHeartbeat":                op(s.sendTaskHeartbeat),
		"CreateActivity":                   op(s.createActivity),
		"DescribeActivity":                 op(s.describeActivity),
		"DeleteActivity":                   op(s.deleteActivity),
		"ListActivities":                   op(s.listActivities),
		"GetActivityTask":                  op(s.getActivityTask),
		"TestState":                        op(s.testState),
		"TagResource":                      op(s.tagResource),
		"UntagResource":                    op(s.untagResource),
		"ListTagsForResource":              op(s.listTagsForResource),
		"PublishStateMachineVersion":       op(s.publishStateMachineVersion),
		"ListStateMachineVersions":         op(s.listStateMachineVersions),
		"DeleteStateMachineVersion":        op(s.deleteStateMachineVersion),
		"CreateStateMachineAlias":          op(s.createStateMachineAlias),
		"DescribeStateMachineAlias":        op(s.describeStateMachineAlias),
		"UpdateStateMachineAlias":          op(s.updateStateMachineAlias),
		"DeleteStateMachineAlias":          op(s.deleteStateMachineAlias),
		"ListStateMachineAliases":          op(s.listStateMachineAliases),
		"DescribeMapRun":                   op(s.describeMapRun),
		"ListMapRuns":                      op(s.listMapRuns),
		"UpdateMapRun":                     op(s.updateMapRun),
	}
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// tag is a resource tag as the API writes it.
type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// parseDefinition parses a definition of a state machine of type typ,
// answering InvalidDefinition with its diagnostics.
func parseDefinition(def, typ string) (*asl.StateMachine, error) {
	if def == "" {
		return nil, apiErr(errValidation, "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
	}
	sm, ds := definitionDiagnostics(def, typ)
	var msgs []string
	for _, d := range ds {
		if d.Severity != diag.SeverityError {
			continue
		}
		m := d.Code + ": " + d.Message
		if d.Location != "" && d.Code != diag.InvalidJSONDescription {
			m += " at " + d.Location
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		return nil, apiErr(errInvalidDefinition, "Invalid State Machine Definition: '%s'", strings.Join(msgs, ", "))
	}
	return sm, nil
}

// warnUnsupported logs what of a new definition the engine cannot run yet:
// CreateStateMachine accepts it (it is valid ASL), and executions that
// reach those states fail with States.Runtime.
func (s *Service) warnUnsupported(name string, sm *asl.StateMachine) {
	prog, err := engine.Compile(sm)
	if err != nil {
		return
	}
	for _, d := range prog.Unsupported() {
		s.log.Warn("state machine uses what the engine cannot run yet", "stateMachine", name, "location", d.Location, "message", d.Message)
	}
}

// machine returns the parsed state machine of a revision, cached.
func (s *Service) machine(ctx context.Context, smArn, revision string) (*asl.StateMachine, *store.StateMachine, error) {
	key := smArn + "\x00" + revision
	rec, err := s.store.GetRevision(ctx, smArn, revision)
	if err != nil {
		return nil, nil, err
	}
	if v, ok := s.smCache.Load(key); ok {
		return v.(*asl.StateMachine), rec, nil
	}
	sm, err := asl.Parse([]byte(rec.Definition))
	if err != nil {
		return nil, nil, fmt.Errorf("service: the stored definition of %s (revision %s): %w", smArn, revision, err)
	}
	// Compiled once per revision, as the machine is parsed once: every
	// execution of the revision runs the same Program.
	if prog, err := engine.Compile(sm); err == nil {
		s.programs.Store(sm, prog)
	}
	if v, loaded := s.smCache.LoadOrStore(key, sm); loaded {
		s.programs.Delete(sm)
		return v.(*asl.StateMachine), rec, nil
	}
	return sm, rec, nil
}

// program returns the compiled Program of a state machine that machine
// returned, or nil for one it did not (a backend then compiles it).
func (s *Service) program(sm *asl.StateMachine) *engine.Program {
	if v, ok := s.programs.Load(sm); ok {
		return v.(*engine.Program)
	}
	return nil
}

func validRole(role string) error {
	if role == "" {
		return apiErr(errValidation, "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if !strings.HasPrefix(role, "arn:") || strings.Count(role, ":") < 5 {
		return apiErr(errInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", role)
	}
	return nil
}

func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

type createStateMachineIn struct {
	Name                 string       `json:"name"`
	Definition           string       `json:"definition"`
	RoleArn              string       `json:"roleArn"`
	Type                 string       `json:"type"`
	LoggingConfiguration objectMember `json:"loggingConfiguration"`
	TracingConfiguration objectMember `json:"tracingConfiguration"`
	Tags                 []tag        `json:"tags"`
	Publish              bool         `json:"publish"`
	VersionDescription   string       `json:"versionDescription"`
	// EncryptionConfiguration: only AWS_OWNED_KEY, the default.
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration"`
}

type createStateMachineOut struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           *epoch `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (s *Service) createStateMachine(ctx context.Context, in *createStateMachineIn) (any, error) {
	if err := checkVersionDescription(in.Publish, in.VersionDescription); err != nil {
		return nil, err
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := validRole(in.RoleArn); err != nil {
		return nil, err
	}
	typ := in.Type
	switch typ {
	case "":
		typ = "STANDARD"
	case "STANDARD", "EXPRESS":
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	sm, err := parseDefinition(in.Definition, typ)
	if err != nil {
		return nil, err
	}
	s.warnUnsupported(in.Name, sm)
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := in.EncryptionConfiguration.check("state machine", in.Name); err != nil {
		return nil, err
	}
	logging, err := normalizeLogging(json.RawMessage(in.LoggingConfiguration))
	if err != nil {
		return nil, err
	}
	tracing, err := normalizeTracing(json.RawMessage(in.TracingConfiguration))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	rec := &store.StateMachine{
		Arn: s.stateMachineARN(in.Name), Name: in.Name, Type: typ, Status: "ACTIVE", Definition: in.Definition,
		RoleArn: in.RoleArn, LoggingConfiguration: logging,
		TracingConfiguration: tracing, RevisionID: newUUID(), Created: now, Updated: now,
	}
	err = s.store.CreateStateMachine(ctx, rec)
	if errors.Is(err, store.ErrExists) {
		// Creating the same state machine again is idempotent.
		old, gerr := s.store.GetStateMachine(ctx, rec.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Definition == rec.Definition && old.RoleArn == rec.RoleArn && old.Type == rec.Type &&
			old.LoggingConfiguration == rec.LoggingConfiguration && old.TracingConfiguration == rec.TracingConfiguration {
			return s.created(ctx, old, in)
		}
		return nil, apiErr(errStateMachineAlreadyExists, "State Machine Already Exists: '%s'", rec.Arn)
	}
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagResource(ctx, rec.Arn, toStoreTags(in.Tags)); err != nil {
			return nil, err
		}
	}
	return s.created(ctx, rec, in)
}

// created answers CreateStateMachine, publishing a version when asked.
func (s *Service) created(ctx context.Context, rec *store.StateMachine, in *createStateMachineIn) (*createStateMachineOut, error) {
	out := &createStateMachineOut{StateMachineArn: rec.Arn, CreationDate: ts(rec.Created)}
	if in.Publish {
		v, err := s.publish(ctx, rec.Arn, "", in.VersionDescription)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = s.versionARN(rec.Arn, v.Number)
	}
	return out, nil
}

func toStoreTags(tags []tag) []store.Tag {
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

type stateMachineArnIn struct {
	StateMachineArn string `json:"stateMachineArn"`
	// IncludedData is DescribeStateMachine's (the definition is always
	// included): read so that a value of the wrong type is refused as on
	// AWS.
	IncludedData string `json:"includedData"`
}

// getMachine returns a state machine record, with AWS's errors.
func (s *Service) getMachine(ctx context.Context, smArn string) (*store.StateMachine, error) {
	a, ok := parseARN(smArn, arnStateMachine)
	if !ok {
		if ref, ok := parseMachineRef(smArn); ok && ref.qualified() {
			// A version or alias ARN where only the state machine will do.
			return nil, apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", smArn)
		}
		return nil, invalidArn(smArn, arnStateMachine)
	}
	rec, err := s.store.GetStateMachine(ctx, smArn)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (a.region != s.region || a.account != s.account)) {
		return nil, apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", smArn)
	}
	return rec, err
}

type describeStateMachineOut struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Name                 string          `json:"name"`
	Status               string          `json:"status,omitempty"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	Type                 string          `json:"type,omitempty"`
	CreationDate         *epoch          `json:"creationDate,omitempty"`
	UpdateDate           *epoch          `json:"updateDate,omitempty"`
	Description          string          `json:"description,omitempty"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration,omitempty"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration,omitempty"`
	RevisionID           string          `json:"revisionId,omitempty"`
}

func loggingOf(rec *store.StateMachine) json.RawMessage {
	if rec.LoggingConfiguration == "" {
		return json.RawMessage(`{"level":"OFF","includeExecutionData":false}`)
	}
	return json.RawMessage(rec.LoggingConfiguration)
}

func tracingOf(rec *store.StateMachine) json.RawMessage {
	if rec.TracingConfiguration == "" {
		return json.RawMessage(`{"enabled":false}`)
	}
	return json.RawMessage(rec.TracingConfiguration)
}

func (s *Service) describeStateMachine(ctx context.Context, in *stateMachineArnIn) (any, error) {
	if ref, ok := parseMachineRef(in.StateMachineArn); ok && ref.version > 0 {
		return s.describeVersion(ctx, ref, in.StateMachineArn)
	}
	rec, err := s.getMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	out := &describeStateMachineOut{
		StateMachineArn: rec.Arn, Name: rec.Name, Status: rec.Status, Definition: rec.Definition, RoleArn: rec.RoleArn,
		Type: rec.Type, CreationDate: ts(rec.Created), Description: rec.Description,
		LoggingConfiguration: loggingOf(rec), TracingConfiguration: tracingOf(rec),
	}
	if !rec.Updated.Equal(rec.Created) {
		out.RevisionID = rec.RevisionID
	}
	return out, nil
}

type updateStateMachineIn struct {
	StateMachineArn      string       `json:"stateMachineArn"`
	Definition           string       `json:"definition"`
	RoleArn              string       `json:"roleArn"`
	LoggingConfiguration objectMember `json:"loggingConfiguration"`
	TracingConfiguration objectMember `json:"tracingConfiguration"`
	Publish              bool         `json:"publish"`
	VersionDescription   string       `json:"versionDescription"`
	// EncryptionConfiguration is stored nowhere (no KMS): read so that a
	// value of the wrong type is refused as on AWS.
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration"`
}

type updateStateMachineOut struct {
	UpdateDate             *epoch `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (s *Service) updateStateMachine(ctx context.Context, in *updateStateMachineIn) (any, error) {
	if in.Definition == "" && in.RoleArn == "" && jsonText(json.RawMessage(in.LoggingConfiguration)) == "" && jsonText(json.RawMessage(in.TracingConfiguration)) == "" {
		return nil, apiErr(errMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	if err := checkVersionDescription(in.Publish, in.VersionDescription); err != nil {
		return nil, err
	}
	rec, err := s.getMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	old := *rec
	if in.Definition != "" {
		if _, err := parseDefinition(in.Definition, rec.Type); err != nil {
			return nil, err
		}
		rec.Definition = in.Definition
	}
	if in.RoleArn != "" {
		if err := validRole(in.RoleArn); err != nil {
			return nil, err
		}
		rec.RoleArn = in.RoleArn
	}
	if jsonText(json.RawMessage(in.LoggingConfiguration)) != "" {
		if rec.LoggingConfiguration, err = normalizeLogging(json.RawMessage(in.LoggingConfiguration)); err != nil {
			return nil, err
		}
	}
	if jsonText(json.RawMessage(in.TracingConfiguration)) != "" {
		if rec.TracingConfiguration, err = normalizeTracing(json.RawMessage(in.TracingConfiguration)); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	// An update that changes nothing keeps the revision (and AWS shows
	// no revisionId for a state machine never really updated).
	if rec.Definition != old.Definition || rec.RoleArn != old.RoleArn ||
		rec.LoggingConfiguration != old.LoggingConfiguration || rec.TracingConfiguration != old.TracingConfiguration {
		rec.RevisionID = newUUID()
		rec.Updated = now
		if err := s.store.UpdateStateMachine(ctx, rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, apiErr(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", in.StateMachineArn)
			}
			return nil, err
		}
	}
	out := &updateStateMachineOut{UpdateDate: ts(now)}
	if !rec.Updated.Equal(rec.Created) {
		out.RevisionID = rec.RevisionID
	}
	if in.Publish {
		v, err := s.publish(ctx, rec.Arn, "", in.VersionDescription)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = s.versionARN(rec.Arn, v.Number)
	}
	return out, nil
}

func (s *Service) deleteStateMachine(ctx context.Context, in *stateMachineArnIn) (any, error) {
	if _, ok := parseARN(in.StateMachineArn, arnStateMachine); !ok {
		if ref, ok := parseMachineRef(in.StateMachineArn); ok && ref.qualified() {
			return nil, apiErr(errValidation, "Qualified state machine ARNs are not supported by DeleteStateMachine: '%s'", in.StateMachineArn)
		}
		return nil, invalidArn(in.StateMachineArn, arnStateMachine)
	}
	// Running executions keep running on the definition they started with.
	if err := s.store.DeleteStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	// With it go its versions and aliases.
	if err := s.store.DeleteMachineVersions(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type listIn struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type stateMachineItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    *epoch `json:"creationDate"`
}

type listStateMachinesOut struct {
	StateMachines []stateMachineItem `json:"stateMachines"`
	NextToken     string             `json:"nextToken,omitempty"`
}

func (s *Service) listStateMachines(ctx context.Context, in *listIn) (any, error) {
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, "sm", anyPos)
	if err != nil {
		return nil, err
	}
	recs, err := s.store.ListStateMachines(ctx, after, n+1)
	if err != nil {
		return nil, err
	}
	out := &listStateMachinesOut{StateMachines: []stateMachineItem{}}
	recs, out.NextToken = pageEnd(s.pages, recs, n, "sm", func(r *store.StateMachine) string { return r.Arn })
	for _, r := range recs {
		out.StateMachines = append(out.StateMachines, stateMachineItem{StateMachineArn: r.Arn, Name: r.Name, Type: r.Type, CreationDate: ts(r.Created)})
	}
	return out, nil
}

type validateIn struct {
	Definition string `json:"definition"`
	Type       string `json:"type"`
	Severity   string `json:"severity"`
	MaxResults int    `json:"maxResults"`
}

type validateOut struct {
	Result      string            `json:"result"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	Truncated   bool              `json:"truncated"`
}

func (s *Service) validateDefinition(_ context.Context, in *validateIn) (any, error) {
	if in.Definition == "" {
		return nil, apiErr(errValidation, "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
	}
	switch in.Type {
	case "", "STANDARD", "EXPRESS":
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	withWarnings := false
	switch in.Severity {
	case "", diag.SeverityError:
	case diag.SeverityWarning:
		withWarnings = true
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]", in.Severity)
	}
	limit := in.MaxResults
	if limit < 0 || limit > 100 {
		return nil, apiErr(errValidation, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", limit)
	}
	if limit == 0 {
		limit = 100
	}
	out := &validateOut{Result: "OK", Diagnostics: []diag.Diagnostic{}}
	_, ds := definitionDiagnostics(in.Definition, in.Type)
	for _, d := range ds {
		if d.Severity == diag.SeverityError {
			out.Result = "FAIL"
		} else if !withWarnings {
			continue
		}
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			continue
		}
		out.Diagnostics = append(out.Diagnostics, d)
	}
	return out, nil
}

// Tags.

type tagResourceIn struct {
	ResourceArn string   `json:"resourceArn"`
	Tags        []tag    `json:"tags"`
	TagKeys     []string `json:"tagKeys"`
}

// taggable checks that a resource exists (a state machine or an activity).
func (s *Service) taggable(ctx context.Context, resource string) error {
	a, ok := parseARN(resource, arnStateMachine, arnActivity)
	if !ok {
		if ref, ok := parseMachineRef(resource); ok && ref.qualified() {
			// Versions and aliases take no tags.
			return apiErr(errResourceNotFound, "Resource not found: '%s'", resource)
		}
		return invalidArn(resource, arnStateMachine, arnActivity)
	}
	var err error
	if a.typ == arnStateMachine {
		_, err = s.store.GetStateMachine(ctx, resource)
	} else {
		_, err = s.store.GetActivity(ctx, resource)
	}
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(errResourceNotFound, "Resource not found: '%s'", resource)
	}
	return err
}

func (s *Service) tagResource(ctx context.Context, in *tagResourceIn) (any, error) {
	if err := s.taggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	old, err := s.store.Tags(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, t := range old {
		keys[t.Key] = true
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		keys[t.Key] = true
	}
	if len(keys) > maxTags {
		return nil, apiErr(errTooManyTags, "Too many tags. Maximum number of tags allowed is %d.", maxTags)
	}
	if err := s.store.TagResource(ctx, in.ResourceArn, toStoreTags(in.Tags)); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) untagResource(ctx context.Context, in *tagResourceIn) (any, error) {
	if err := s.taggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	if err := s.store.UntagResource(ctx, in.ResourceArn, in.TagKeys); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type tagsOut struct {
	Tags []tag `json:"tags"`
}

func (s *Service) listTagsForResource(ctx context.Context, in *tagResourceIn) (any, error) {
	if err := s.taggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.store.Tags(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &tagsOut{Tags: []tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
