package mock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic; a failure
// is a non-empty ConfigErrors; a success is a consistent configuration
// (every test case resolves, every state has its response, a response's
// ranges are sorted and disjoint, Lookup agrees with them).
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	for _, file := range append(must(filepath.Glob("../../examples/*/mocks.json")), must(filepath.Glob("testdata/*.json"))...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{"R":{"0-1000000000":{"Return":1}}}}`))
	f.Add([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{"R":{"2-1":{"Throw":{"Error":"E"}},"-1":{"Return":1}}}}`))
	f.Add([]byte(`{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var ce ConfigErrors
			if !errors.As(err, &ce) || len(ce) == 0 || c != nil {
				t.Fatalf("error %v (%T), config %v: want a non-empty ConfigErrors and no config", err, err, c)
			}
			return
		}
		for _, name := range c.Responses() {
			r, ok := c.Response(name)
			if !ok || r == nil {
				t.Fatalf("response %q listed but missing", name)
			}
			checkEntries(t, r)
		}
		for _, sm := range c.StateMachines() {
			for _, tcName := range c.TestCases(sm) {
				tc, err := c.TestCase(sm, tcName)
				if err != nil {
					t.Fatalf("TestCase(%q, %q): %v", sm, tcName, err)
				}
				for _, st := range tc.States() {
					if r, ok := tc.Response(st); !ok || r == nil {
						t.Fatalf("%s/%s: state %q has no response", sm, tcName, st)
					}
				}
			}
		}
	})
}

// checkEntries checks that a response's ranges are sorted and disjoint and
// that Lookup finds each range's ends and nothing between two ranges.
func checkEntries(t *testing.T, r *Response) {
	t.Helper()
	for i, e := range r.Entries {
		if e.From < 0 || e.From > e.To {
			t.Fatalf("%s: entry %d covers %d-%d", r.Name, i, e.From, e.To)
		}
		if i > 0 && r.Entries[i-1].To >= e.From {
			t.Fatalf("%s: entries %d and %d overlap or are out of order", r.Name, i-1, i)
		}
		for _, n := range []int{e.From, e.To} {
			if got, ok := r.Lookup(n); !ok || got.From != e.From {
				t.Fatalf("%s: Lookup(%d) = %+v, %v: want the entry from %d", r.Name, n, got, ok, e.From)
			}
		}
		if i > 0 && r.Entries[i-1].To+1 < e.From {
			if _, ok := r.Lookup(e.From - 1); ok {
				t.Fatalf("%s: Lookup(%d) found an entry in a gap", r.Name, e.From-1)
			}
		}
	}
}

func must(files []string, _ error) []string { return files }
