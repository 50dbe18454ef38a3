// Package testcases finds the AWS-recorded conformance cases of
// ../shared/conformance for the tests that run them. Cases that cannot be
// found fail the test under CI (CI=true) and skip it loudly elsewhere: a
// conformance test never passes by running nothing.
package testcases

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Find returns the directory of the cases: $CONFORMANCE_DIR, or
// ../shared/conformance/cases beside the repository (the directory that
// holds go.mod).
func Find() (string, error) {
	dir := os.Getenv("CONFORMANCE_DIR")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "conformance", "cases")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("conformance cases: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("conformance cases: %s is not a directory", dir)
	}
	return dir, nil
}

// Dir returns the directory of the cases, or ends the test: it fails under
// CI and skips with a loud message elsewhere.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := Find()
	if err != nil {
		Missing(t, err.Error())
	}
	return dir
}

// Glob returns the cases' files matching pattern (relative to the cases
// directory), ending the test as Dir does when there are none.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	dir := Dir(t)
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		Missing(t, "no conformance case matches "+pattern+" in "+dir)
	}
	return files
}

// Missing ends a test whose cases are missing: t.Fatal under CI, a loud
// t.Skip elsewhere.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CONFORMANCE CASES NOT FOUND: %s (set CONFORMANCE_DIR)", why)
	}
	t.Skipf("!!! CONFORMANCE CASES NOT FOUND, SKIPPING: %s (set CONFORMANCE_DIR; under CI=true this fails)", why)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the repository root (go.mod) was not found")
		}
		dir = parent
	}
}
