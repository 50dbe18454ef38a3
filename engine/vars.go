package engine

// frame is one scope of workflow variables. A Parallel branch or Map
// iteration gets its own frame whose parent is the enclosing one: it reads
// the outer variables and assigns only its own.
type frame struct {
	vars   map[string]any
	parent *frame
}

// Lookup implements jsonpath.Variables.
func (f *frame) Lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (f *frame) set(name string, v any) {
	if f.vars == nil {
		f.vars = make(map[string]any, 4)
	}
	f.vars[name] = v
}
