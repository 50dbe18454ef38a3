// Package layers checks that no package of the module imports one of a
// layer above its own (the layers are listed in the README's Layout).
package layers

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/stepwise/stepwise/"

// layers are the module's directories from the bottom up; a package is in
// the layer of the longest prefix that matches its directory.
var layers = [][]string{
	{"asl"},
	{"integrations"},
	{"engine/history", "engine/runtime/local"},
	{"engine"},
	{"engine/runtime/temporal", "engine/children"},
	{"engine/service/store", "engine/service/auth", "engine/service/metrics"},
	{"engine/service"},
	{"stepwisetest"},
	{"cmd", "examples"},
}

// layerOf returns the layer of a directory relative to the module root, or
// -1 for internal/ (test helpers: checked only by being internal).
func layerOf(dir string) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, p := range l {
			if (dir == p || strings.HasPrefix(dir, p+"/")) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	return best
}

func TestNoPackageImportsALayerAboveIt(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		// Non-test files: what a package needs to build. (Tests may
		// reach up, e.g. to run the interpreter on an integration.)
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		from := layerOf(rel)
		if from < 0 {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			checked++
			if strings.HasPrefix(target, "internal/") {
				continue
			}
			if to := layerOf(target); to > from {
				t.Errorf("%s imports %s, a layer above it", rel, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d imports checked: the walk missed the module", checked)
	}
}
