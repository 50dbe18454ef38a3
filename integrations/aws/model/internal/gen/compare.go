package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// compareAll prints, for every service both inputs have, where the table
// from the Smithy model (a) and the one from the botocore model (b) differ.
func compareAll(smithy, boto map[string]*model.Service) error {
	var names []string
	for name := range smithy {
		if boto[name] != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	fmt.Println("compare: each difference shows the Smithy table's side first, then botocore's")
	same := 0
	for _, name := range names {
		d, missing := diffServices(smithy[name], boto[name])
		if len(d) == 0 {
			same++
		}
		if len(d)+len(missing) == 0 {
			continue
		}
		fmt.Printf("%s (%s): %d differences, %d operations, errors or members in only one\n", name, smithy[name].Protocol, len(d), len(missing))
		for i, line := range d {
			if i == 20 {
				fmt.Printf("\t... %d more\n", len(d)-i)
				break
			}
			fmt.Println("\t" + line)
		}
	}
	fmt.Printf("compare: %d services in both, %d without differences in what both have\n", len(names), same)
	return nil
}

// diffServices lists the differences between two tables of one service,
// following every operation's shapes structurally (shape names may
// differ; what a member reaches must not): out in what both have, missing
// what only one has (operations, errors, members).
func diffServices(a, b *model.Service) (out, missing []string) {
	d := &differ{a: a, b: b, seen: map[[2]string]bool{}}
	sa, sb := *a, *b
	sa.Operations, sb.Operations = nil, nil
	d.same("service", sa, sb)
	var names []string
	for n := range a.Operations {
		names = append(names, n)
	}
	for n := range b.Operations {
		if a.Operations[n] == nil {
			d.missing = append(d.missing, "operation "+n+" only in the second")
		}
	}
	sort.Strings(names)
	for _, n := range names {
		oa, ob := a.Operations[n], b.Operations[n]
		if ob == nil {
			d.missing = append(d.missing, "operation "+n+" only in the first")
			continue
		}
		ca, cb := *oa, *ob
		ca.Input, ca.Output, ca.Errors, cb.Input, cb.Output, cb.Errors = "", "", nil, "", "", nil
		d.same(n, ca, cb)
		d.target(n+" input", oa.Input, ob.Input)
		d.target(n+" output", oa.Output, ob.Output)
		eb := map[string]bool{}
		for _, e := range ob.Errors {
			eb[e] = true
		}
		for _, e := range oa.Errors {
			if eb[e] {
				d.target(n+" error "+e, e, e)
			} else {
				d.missing = append(d.missing, n+" error "+e+" only in the first")
			}
		}
	}
	sort.Strings(d.missing)
	return d.out, d.missing
}

type differ struct {
	a, b *model.Service
	seen map[[2]string]bool
	out  []string // differences in what both tables have
	// missing lists what only one table has: operations, errors and
	// members added or removed between the two models' versions.
	missing []string
}

// same records a difference when x and y encode differently.
func (d *differ) same(where string, x, y any) {
	jx, _ := json.Marshal(x)
	jy, _ := json.Marshal(y)
	if string(jx) != string(jy) {
		d.out = append(d.out, fmt.Sprintf("%s: %s, %s", where, jx, jy))
	}
}

// target compares what two member targets reach.
func (d *differ) target(where, ta, tb string) {
	if ta == "" && tb == "" {
		return
	}
	sa, sb := d.a.Shape(ta), d.b.Shape(tb)
	if sa == nil || sb == nil || (ta[0] == '.') != (tb[0] == '.') {
		if ta != tb {
			d.out = append(d.out, fmt.Sprintf("%s: target %q, %q", where, ta, tb))
		}
		return
	}
	if ta != tb && ta[0] != '.' {
		where += " (" + ta + ", " + tb + ")"
	}
	if d.seen[[2]string{ta, tb}] {
		return
	}
	d.seen[[2]string{ta, tb}] = true
	ca, cb := *sa, *sb
	ca.Members, ca.Member, ca.Key, ca.Value = nil, nil, nil, nil
	cb.Members, cb.Member, cb.Key, cb.Value = nil, nil, nil, nil
	d.same(where, ca, cb)
	byName := map[string]*model.Member{}
	for i := range sb.Members {
		byName[sb.Members[i].Name] = &sb.Members[i]
	}
	for i := range sa.Members {
		m := &sa.Members[i]
		if byName[m.Name] == nil {
			d.missing = append(d.missing, where+"."+m.Name+" only in the first")
			continue
		}
		d.member(where+"."+m.Name, m, byName[m.Name])
		delete(byName, m.Name)
	}
	for n := range byName {
		d.missing = append(d.missing, where+"."+n+" only in the second")
	}
	d.member(where+"[]", sa.Member, sb.Member)
	d.member(where+"{key}", sa.Key, sb.Key)
	d.member(where+"{value}", sa.Value, sb.Value)
}

// member compares two members and what they reach.
func (d *differ) member(where string, ma, mb *model.Member) {
	if ma == nil || mb == nil {
		if (ma == nil) != (mb == nil) {
			d.out = append(d.out, where+": present in only one")
		}
		return
	}
	ca, cb := *ma, *mb
	ca.Target, cb.Target = "", ""
	d.same(where, ca, cb)
	d.target(where, ma.Target, mb.Target)
}
