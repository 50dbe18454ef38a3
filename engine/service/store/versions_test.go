package store_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/stepwise/stepwise/engine/service/store"
)

func TestVersionsAliasesAndOrigins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	s := open(t, path)
	now := time.Now().UTC().Truncate(time.Microsecond)
	sm := &store.StateMachine{Arn: "arn:sm:a", Name: "a", Type: "STANDARD", Status: "ACTIVE", Definition: `{"v":1}`, RoleArn: "r", RevisionID: "r1", Created: now, Updated: now}
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PublishVersion(ctx, "arn:sm:none", "", "", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("publish on no machine: %v", err)
	}
	v1, created, err := s.PublishVersion(ctx, sm.Arn, "", "first", now)
	if err != nil || !created || v1.Number != 1 || v1.RevisionID != "r1" || v1.Revised {
		t.Fatalf("publish = %+v, %v, %v", v1, created, err)
	}
	// The same revision again: the same version.
	again, created, err := s.PublishVersion(ctx, sm.Arn, "", "other", now)
	if err != nil || created || again.Number != 1 || again.Description != "first" {
		t.Fatalf("publish again = %+v, %v, %v", again, created, err)
	}
	sm.Definition, sm.RevisionID, sm.Updated = `{"v":2}`, "r2", now.Add(time.Second)
	if err := s.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PublishVersion(ctx, sm.Arn, "r1", "", now); !errors.Is(err, store.ErrRevisionChanged) {
		t.Fatalf("publish of an old revision: %v", err)
	}
	v2, _, err := s.PublishVersion(ctx, sm.Arn, "r2", "", now)
	if err != nil || v2.Number != 2 || !v2.Revised {
		t.Fatalf("v2 = %+v, %v", v2, err)
	}
	// Numbers are never reused.
	if err := s.DeleteVersion(ctx, sm.Arn, 2); err != nil {
		t.Fatal(err)
	}
	v3, _, err := s.PublishVersion(ctx, sm.Arn, "", "", now)
	if err != nil || v3.Number != 3 {
		t.Fatalf("after a delete: %+v, %v", v3, err)
	}
	vs, err := s.ListVersions(ctx, sm.Arn, 0, 0)
	if err != nil || len(vs) != 2 || vs[0].Number != 3 || vs[1].Number != 1 {
		t.Fatalf("ListVersions = %+v, %v", vs, err)
	}
	if vs, _ := s.ListVersions(ctx, sm.Arn, 3, 1); len(vs) != 1 || vs[0].Number != 1 {
		t.Fatalf("second page = %+v", vs)
	}
	if _, err := s.GetVersion(ctx, sm.Arn, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted version: %v", err)
	}

	al := &store.Alias{Arn: sm.Arn + ":live", MachineArn: sm.Arn, Name: "live", Routing: []store.Route{{VersionArn: sm.Arn + ":1", Weight: 100}}, Created: now, Updated: now}
	if err := s.CreateAlias(ctx, al); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAlias(ctx, al); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second alias: %v", err)
	}
	al.Routing = []store.Route{{VersionArn: sm.Arn + ":1", Weight: 60}, {VersionArn: sm.Arn + ":3", Weight: 40}}
	al.Description = "d"
	if err := s.UpdateAlias(ctx, al); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAlias(ctx, al.Arn)
	if err != nil || got.Description != "d" || len(got.Routing) != 2 || got.Routing[1].Weight != 40 {
		t.Fatalf("GetAlias = %+v, %v", got, err)
	}
	if err := s.UpdateAlias(ctx, &store.Alias{Arn: sm.Arn + ":nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of no alias: %v", err)
	}

	ex := &store.Execution{Arn: "arn:ex:1", StateMachineArn: sm.Arn, Name: "1", RevisionID: "r1", Status: "RUNNING", Input: "{}", StartDate: now}
	if err := s.CreateExecution(ctx, ex); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOrigin(ctx, ex.Arn, store.Origin{VersionArn: sm.Arn + ":1", AliasArn: al.Arn}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Reopened: everything is there.
	s = open(t, path)
	defer s.Close()
	if as, err := s.ListAliases(ctx, sm.Arn, "", 0); err != nil || len(as) != 1 {
		t.Fatalf("ListAliases = %v, %v", as, err)
	}
	or, err := s.Origins(ctx, []string{ex.Arn, "arn:ex:other"})
	if err != nil || len(or) != 1 || or[ex.Arn].AliasArn != al.Arn {
		t.Fatalf("Origins = %v, %v", or, err)
	}
	for _, q := range []string{al.Arn, sm.Arn + ":1"} {
		exs, err := s.ListExecutionsFrom(ctx, q, store.ExecutionQuery{})
		if err != nil || len(exs) != 1 || exs[0].Arn != ex.Arn {
			t.Fatalf("ListExecutionsFrom(%s) = %v, %v", q, exs, err)
		}
	}
	if exs, _ := s.ListExecutionsFrom(ctx, sm.Arn+":3", store.ExecutionQuery{}); len(exs) != 0 {
		t.Fatalf("executions of v3: %v", exs)
	}
	if err := s.DeleteMachineVersions(ctx, sm.Arn); err != nil {
		t.Fatal(err)
	}
	if vs, _ := s.ListVersions(ctx, sm.Arn, 0, 0); len(vs) != 0 {
		t.Fatalf("versions after delete: %v", vs)
	}
	if _, err := s.GetAlias(ctx, al.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("alias after delete: %v", err)
	}
}

// A database file written before versions existed gains their tables.
func TestVersionTablesAddedToAnOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s := open(t, path)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"versions", "version_counters", "aliases", "execution_origins"} {
		if _, err := db.Exec(`DROP TABLE ` + tbl); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = open(t, path)
	defer s.Close()
	now := time.Now().UTC()
	if err := s.CreateStateMachine(ctx, &store.StateMachine{Arn: "arn:sm:b", Name: "b", Type: "STANDARD", Status: "ACTIVE", Definition: "{}", RoleArn: "r", RevisionID: "r1", Created: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	if v, _, err := s.PublishVersion(ctx, "arn:sm:b", "", "", now); err != nil || v.Number != 1 {
		t.Fatalf("publish on a migrated file: %+v, %v", v, err)
	}
}
