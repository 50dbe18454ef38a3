package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
	"unicode/utf8"

	"github.com/stepwise/stepwise/engine/service/store"
)

// errAliasNotFound is AWS's answer for an alias that does not exist.
func errAliasNotFound() *APIError {
	return apiErr(errResourceNotFound, "Request references a resource that does not exist.")
}

type aliasIn struct {
	StateMachineAliasArn string        `json:"stateMachineAliasArn"`
	Name                 string        `json:"name"`
	Description          *string       `json:"description"`
	RoutingConfiguration []store.Route `json:"routingConfiguration"`
}

// checkAliasName checks an alias name as AWS does.
func checkAliasName(name string) error {
	switch {
	case name == "":
		return apiErr(errValidation, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	case utf8.RuneCountInString(name) > 80:
		return apiErr(errValidation, "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80", name)
	case !validAliasName(name):
		return apiErr(errValidation, `1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`, name)
	}
	return nil
}

// checkRouting checks a routing configuration and returns the state
// machine its versions belong to.
func (s *Service) checkRouting(ctx context.Context, routes []store.Route) (machineRef, error) {
	if len(routes) == 0 {
		return machineRef{}, apiErr(errValidation, "1 validation error detected: Value '[]' at 'routingConfiguration' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(routes) > 2 {
		items := make([]string, len(routes))
		for i, r := range routes {
			items[i] = fmt.Sprintf("RoutingConfigurationListItem(stateMachineVersionArn=%s, weight=%d)", r.VersionArn, r.Weight)
		}
		return machineRef{}, apiErr(errValidation, "1 validation error detected: Value '%s' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2", bracketList(items))
	}
	for i, r := range routes {
		if r.Weight > 100 {
			return machineRef{}, apiErr(errValidation, "1 validation error detected: Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100", r.Weight, i+1)
		}
		if r.Weight < 0 {
			return machineRef{}, apiErr(errValidation, "1 validation error detected: Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value greater than or equal to 0", r.Weight, i+1)
		}
		if r.VersionArn == "" {
			return machineRef{}, apiErr(errValidation, "1 validation error detected: Value null at 'routingConfiguration.%d.member.stateMachineVersionArn' failed to satisfy constraint: Member must not be null", i+1)
		}
	}
	arns := make([]string, len(routes))
	weights := make([]int, len(routes))
	sum := 0
	var machine machineRef
	for i, r := range routes {
		arns[i], weights[i] = r.VersionArn, r.Weight
		sum += r.Weight
	}
	for i, r := range routes {
		ref, ok := parseMachineRef(r.VersionArn)
		if !ok || ref.version == 0 {
			return machineRef{}, apiErr(errValidation, "Routing configuration must contain state machine version ARNs. Received: %s", bracketList(arns))
		}
		if i == 0 {
			machine = ref
		} else if ref.base != machine.base {
			return machineRef{}, apiErr(errValidation, "Routing configuration must contain state machine version ARNs of the same state machine. Received: %s", bracketList(arns))
		}
	}
	if len(routes) == 2 && routes[0].VersionArn == routes[1].VersionArn {
		return machineRef{}, apiErr(errValidation, "Routing configuration must contain distinct state machine version ARNs. Received: %s", bracketList(arns))
	}
	if sum != 100 {
		return machineRef{}, apiErr(errValidation, "Sum of routing configuration weights must equal 100. Received: %s", bracketList(weights))
	}
	for _, r := range routes {
		ref, _ := parseMachineRef(r.VersionArn)
		if _, _, err := s.getVersion(ctx, ref, r.VersionArn); err != nil {
			var ae *APIError
			if errors.As(err, &ae) {
				return machineRef{}, errAliasNotFound()
			}
			return machineRef{}, err
		}
	}
	return machine, nil
}

type createAliasOut struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *epoch `json:"creationDate"`
}

func sameRouting(a, b []store.Route) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *Service) createStateMachineAlias(ctx context.Context, in *aliasIn) (any, error) {
	if err := checkAliasName(in.Name); err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	if err := checkDescription("description", desc); err != nil {
		return nil, err
	}
	machine, err := s.checkRouting(ctx, in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	a := &store.Alias{Arn: machine.base + ":" + in.Name, MachineArn: machine.base, Name: in.Name, Description: desc,
		Routing: in.RoutingConfiguration, Created: now, Updated: now}
	err = s.store.CreateAlias(ctx, a)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.store.GetAlias(ctx, a.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Description == a.Description && sameRouting(old.Routing, a.Routing) {
			return &createAliasOut{StateMachineAliasArn: old.Arn, CreationDate: ts(old.Created)}, nil
		}
		return nil, conflict("Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	}
	if err != nil {
		return nil, err
	}
	return &createAliasOut{StateMachineAliasArn: a.Arn, CreationDate: ts(a.Created)}, nil
}

// getAlias returns an alias, with AWS's errors.
func (s *Service) getAlias(ctx context.Context, aliasArn string) (*store.Alias, error) {
	ref, ok := parseMachineRef(aliasArn)
	if !ok || ref.alias == "" {
		return nil, invalidArn(aliasArn, arnStateMachine)
	}
	if ref.arn.region != s.region || ref.arn.account != s.account {
		return nil, errAliasNotFound()
	}
	a, err := s.store.GetAlias(ctx, aliasArn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAliasNotFound()
	}
	return a, err
}

type describeAliasOut struct {
	StateMachineAliasArn string        `json:"stateMachineAliasArn"`
	Name                 string        `json:"name"`
	Description          string        `json:"description,omitempty"`
	RoutingConfiguration []store.Route `json:"routingConfiguration"`
	CreationDate         *epoch        `json:"creationDate"`
	UpdateDate           *epoch        `json:"updateDate"`
}

func (s *Service) describeStateMachineAlias(ctx context.Context, in *aliasIn) (any, error) {
	a, err := s.getAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	return &describeAliasOut{StateMachineAliasArn: a.Arn, Name: a.Name, Description: a.Description,
		RoutingConfiguration: a.Routing, CreationDate: ts(a.Created), UpdateDate: ts(a.Updated)}, nil
}

type updateAliasOut struct {
	UpdateDate *epoch `json:"updateDate"`
}

func (s *Service) updateStateMachineAlias(ctx context.Context, in *aliasIn) (any, error) {
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, apiErr(errMissingRequiredParameter, "Either the description or the routing configuration must be specified")
	}
	if in.Description != nil {
		if err := checkDescription("description", *in.Description); err != nil {
			return nil, err
		}
	}
	if _, ok := parseMachineRef(in.StateMachineAliasArn); !ok {
		return nil, invalidArn(in.StateMachineAliasArn, arnStateMachine)
	}
	var machine machineRef
	if in.RoutingConfiguration != nil {
		var err error
		if machine, err = s.checkRouting(ctx, in.RoutingConfiguration); err != nil {
			return nil, err
		}
	}
	a, err := s.getAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if in.RoutingConfiguration != nil {
		if machine.base != a.MachineArn {
			return nil, apiErr(errValidation, "Routing configuration must contain state machine version ARNs of the alias's state machine. Received: %s", bracketList(routeArns(in.RoutingConfiguration)))
		}
		a.Routing = in.RoutingConfiguration
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	a.Updated = time.Now().UTC()
	if err := s.store.UpdateAlias(ctx, a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errAliasNotFound()
		}
		return nil, err
	}
	return &updateAliasOut{UpdateDate: ts(a.Updated)}, nil
}

func routeArns(routes []store.Route) []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.VersionArn
	}
	return out
}

func (s *Service) deleteStateMachineAlias(ctx context.Context, in *aliasIn) (any, error) {
	ref, ok := parseMachineRef(in.StateMachineAliasArn)
	if !ok || ref.alias == "" {
		return nil, invalidArn(in.StateMachineAliasArn, arnStateMachine)
	}
	// Deleting an alias that does not exist succeeds, as on AWS.
	if err := s.store.DeleteAlias(ctx, in.StateMachineAliasArn); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type aliasItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *epoch `json:"creationDate"`
}

type listAliasesOut struct {
	StateMachineAliases []aliasItem `json:"stateMachineAliases"`
	NextToken           string      `json:"nextToken,omitempty"`
}

func (s *Service) listStateMachineAliases(ctx context.Context, in *listQualifiedIn) (any, error) {
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, "alias", anyPos)
	if err != nil {
		return nil, tokenError(err)
	}
	ref, ok := parseMachineRef(in.StateMachineArn)
	if !ok || ref.alias != "" {
		return nil, invalidArn(in.StateMachineArn, arnStateMachine)
	}
	// A version ARN lists the aliases that route to that version.
	version := ""
	if ref.version > 0 {
		if _, _, err := s.getVersion(ctx, ref, in.StateMachineArn); err != nil {
			return nil, err
		}
		version = in.StateMachineArn
	} else if _, err := s.getMachine(ctx, ref.base); err != nil {
		return nil, err
	}
	all, err := s.store.ListAliases(ctx, ref.base, after, 0)
	if err != nil {
		return nil, err
	}
	var aliases []*store.Alias
	for _, a := range all {
		if version == "" || routesTo(a, version) {
			aliases = append(aliases, a)
		}
	}
	out := &listAliasesOut{StateMachineAliases: []aliasItem{}}
	aliases, out.NextToken = pageEnd(s.pages, aliases, n, "alias", func(a *store.Alias) string { return a.Arn })
	for _, a := range aliases {
		out.StateMachineAliases = append(out.StateMachineAliases, aliasItem{StateMachineAliasArn: a.Arn, CreationDate: ts(a.Created)})
	}
	return out, nil
}

func routesTo(a *store.Alias, versionArn string) bool {
	for _, r := range a.Routing {
		if r.VersionArn == versionArn {
			return true
		}
	}
	return false
}

// pickRoute picks the version an execution started on an alias runs:
// each route with the probability of its weight.
func pickRoute(routes []store.Route) string {
	if len(routes) == 1 {
		return routes[0].VersionArn
	}
	if rand.IntN(100) < routes[0].Weight {
		return routes[0].VersionArn
	}
	return routes[1].VersionArn
}
