package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file compiles a Distributed Map's ItemReader, ItemBatcher and
// ResultWriter (asl keeps them raw) into a distPlan, once per definition;
// distmap_run.go runs it. A member the engine does not know makes the
// state unsupported (it fails on entry) rather than run without it.

// Resources of a Distributed Map's reader and writer.
const (
	resGetObject     = items.ResourceGetObject
	resListObjectsV2 = items.ResourceListObjectsV2
	resPutObject     = items.ResourcePutObject
)

// distPlan is a Map with an ItemReader, an ItemBatcher or a ResultWriter.
type distPlan struct {
	reader  *readerPlan  // nil: the items come from the state input
	batcher *batcherPlan // nil: one item per child execution
	writer  *writerPlan  // nil: the Map's result is the array of results
}

// readerPlan is a compiled ItemReader.
type readerPlan struct {
	resource string
	// JSONPath: Parameters, and ReaderConfig with MaxItems a literal or
	// read by MaxItemsPath.
	params       *template.Template
	config       *value.Object
	maxItems     int64
	maxItemsPath *jsonpath.Path
	// JSONata: Arguments and the whole ReaderConfig as templates.
	args, configJ *jsonata.Template
}

// batcherPlan is a compiled ItemBatcher.
type batcherPlan struct {
	// JSONPath: literals, paths and BatchInput as a payload template.
	maxItems, maxBytes         int64
	maxItemsPath, maxBytesPath *jsonpath.Path
	batchInput                 *template.Template
	// JSONata: the whole ItemBatcher as a template.
	all *jsonata.Template
}

// writerPlan is a compiled ResultWriter.
type writerPlan struct {
	resource string
	params   *template.Template // JSONPath
	args     *jsonata.Template  // JSONata
	config   *value.Object      // WriterConfig (literal in both languages)
}

// Members each part accepts.
var (
	readerFields       = []string{"Resource", "Parameters", "Arguments", "ReaderConfig"}
	readerConfigFields = []string{"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath", "Transformation", "ManifestType", "ItemsPointer"}
	batcherFields      = []string{"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"}
	writerFields       = []string{"Resource", "Parameters", "Arguments", "WriterConfig"}
	writerConfigFields = []string{"OutputType", "Transformation"}
)

// compileDistributed compiles m's ItemReader, ItemBatcher and
// ResultWriter; a nil plan when it has none. A field it cannot run is
// returned as unsupported.
func compileDistributed(m *asl.Map) (*distPlan, *unsupportedField) {
	if m.ItemReader == nil && m.ItemBatcher == nil && m.ResultWriter == nil {
		return nil, nil
	}
	jsonataMode := m.QueryLanguage == asl.JSONata
	dp := &distPlan{}
	if m.ProcessorMode != "DISTRIBUTED" {
		for _, f := range []struct {
			name string
			v    any
		}{{"ItemReader", m.ItemReader}, {"ItemBatcher", m.ItemBatcher}, {"ResultWriter", m.ResultWriter}} {
			if f.v != nil {
				return nil, &unsupportedField{f.name, "allowed only in a Map whose ProcessorConfig Mode is DISTRIBUTED"}
			}
		}
	}
	var u *unsupportedField
	if o, ok := m.ItemReader.(*value.Object); ok {
		if dp.reader, u = compileReader(o, jsonataMode); u != nil {
			return nil, u
		}
	}
	if o, ok := m.ItemBatcher.(*value.Object); ok {
		if dp.batcher, u = compileBatcher(o, jsonataMode); u != nil {
			return nil, u
		}
	}
	if o, ok := m.ResultWriter.(*value.Object); ok {
		if dp.writer, u = compileWriter(o, jsonataMode); u != nil {
			return nil, u
		}
	}
	return dp, nil
}

// unknownMember returns the first member of o not in known.
func unknownMember(o *value.Object, known []string) (string, bool) {
	for i := 0; i < o.Len(); i++ {
		if k, _ := o.At(i); !slices.Contains(known, k) {
			return k, true
		}
	}
	return "", false
}

func compileReader(o *value.Object, jsonataMode bool) (*readerPlan, *unsupportedField) {
	rp := &readerPlan{}
	if k, bad := unknownMember(o, readerFields); bad {
		return nil, &unsupportedField{"ItemReader/" + k, "a member of ItemReader this engine does not know"}
	}
	res, _ := member(o, "Resource").(string)
	if res != resGetObject && res != resListObjectsV2 {
		return nil, &unsupportedField{"ItemReader/Resource", fmt.Sprintf("%q: only %s and %s read items", res, resGetObject, resListObjectsV2)}
	}
	rp.resource = res
	params, args := member(o, "Parameters"), member(o, "Arguments")
	var err error
	switch {
	case jsonataMode && params != nil:
		return nil, &unsupportedField{"ItemReader/Parameters", "Parameters in a JSONata state (use Arguments)"}
	case !jsonataMode && args != nil:
		return nil, &unsupportedField{"ItemReader/Arguments", "Arguments in a JSONPath state (use Parameters)"}
	case params != nil:
		if rp.params, err = template.Compile(params); err != nil {
			return nil, &unsupportedField{"ItemReader/Parameters", "a payload template that does not compile: " + err.Error()}
		}
	case args != nil:
		if rp.args, err = jsonata.ParseTemplate(args); err != nil {
			return nil, &unsupportedField{"ItemReader/Arguments", "a JSONata template that does not compile: " + err.Error()}
		}
	}
	rc := member(o, "ReaderConfig")
	if rc == nil {
		return rp, nil
	}
	co, ok := rc.(*value.Object)
	if !ok {
		return nil, &unsupportedField{"ItemReader/ReaderConfig", "not an object"}
	}
	if k, bad := unknownMember(co, readerConfigFields); bad {
		return nil, &unsupportedField{"ItemReader/ReaderConfig/" + k, "a reader setting this engine does not know"}
	}
	if jsonataMode {
		if member(co, "MaxItemsPath") != nil {
			return nil, &unsupportedField{"ItemReader/ReaderConfig/MaxItemsPath", "a path in a JSONata state (give MaxItems as an expression)"}
		}
		if rp.configJ, err = jsonata.ParseTemplate(co); err != nil {
			return nil, &unsupportedField{"ItemReader/ReaderConfig", "a JSONata template that does not compile: " + err.Error()}
		}
		return rp, nil
	}
	rp.config = co
	if v := member(co, "MaxItems"); v != nil {
		n, ok := intValue(v)
		if !ok {
			return nil, &unsupportedField{"ItemReader/ReaderConfig/MaxItems", "not an integer"}
		}
		rp.maxItems = n
	}
	if s, ok := member(co, "MaxItemsPath").(string); ok {
		if rp.maxItemsPath, err = jsonpath.Compile(s); err != nil {
			return nil, &unsupportedField{"ItemReader/ReaderConfig/MaxItemsPath", "a path that does not compile: " + err.Error()}
		}
	}
	return rp, nil
}

func compileBatcher(o *value.Object, jsonataMode bool) (*batcherPlan, *unsupportedField) {
	bp := &batcherPlan{}
	if k, bad := unknownMember(o, batcherFields); bad {
		return nil, &unsupportedField{"ItemBatcher/" + k, "a member of ItemBatcher this engine does not know"}
	}
	var err error
	if jsonataMode {
		for _, k := range []string{"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"} {
			if member(o, k) != nil {
				return nil, &unsupportedField{"ItemBatcher/" + k, "a path in a JSONata state (give " + strings.TrimSuffix(k, "Path") + " as an expression)"}
			}
		}
		if bp.all, err = jsonata.ParseTemplate(o); err != nil {
			return nil, &unsupportedField{"ItemBatcher", "a JSONata template that does not compile: " + err.Error()}
		}
		return bp, nil
	}
	for _, f := range []struct {
		name string
		lit  *int64
		path **jsonpath.Path
	}{{"MaxItemsPerBatch", &bp.maxItems, &bp.maxItemsPath}, {"MaxInputBytesPerBatch", &bp.maxBytes, &bp.maxBytesPath}} {
		if v := member(o, f.name); v != nil {
			n, ok := intValue(v)
			if !ok || n < 0 {
				return nil, &unsupportedField{"ItemBatcher/" + f.name, "not a non-negative integer"}
			}
			*f.lit = n
		}
		if s, ok := member(o, f.name+"Path").(string); ok {
			if *f.path, err = jsonpath.Compile(s); err != nil {
				return nil, &unsupportedField{"ItemBatcher/" + f.name + "Path", "a path that does not compile: " + err.Error()}
			}
		}
	}
	if bi := member(o, "BatchInput"); bi != nil {
		if _, ok := bi.(*value.Object); !ok {
			return nil, &unsupportedField{"ItemBatcher/BatchInput", "not an object"}
		}
		if bp.batchInput, err = template.Compile(bi); err != nil {
			return nil, &unsupportedField{"ItemBatcher/BatchInput", "a payload template that does not compile: " + err.Error()}
		}
	}
	return bp, nil
}

func compileWriter(o *value.Object, jsonataMode bool) (*writerPlan, *unsupportedField) {
	wp := &writerPlan{}
	if k, bad := unknownMember(o, writerFields); bad {
		return nil, &unsupportedField{"ResultWriter/" + k, "a member of ResultWriter this engine does not know"}
	}
	res, _ := member(o, "Resource").(string)
	if res != resPutObject {
		reason := fmt.Sprintf("%q: only %s writes results", res, resPutObject)
		if res == "" {
			reason = "a ResultWriter without Resource (WriterConfig alone, transforming the output in place)"
		}
		return nil, &unsupportedField{"ResultWriter/Resource", reason}
	}
	wp.resource = res
	params, args := member(o, "Parameters"), member(o, "Arguments")
	var err error
	switch {
	case jsonataMode && params != nil:
		return nil, &unsupportedField{"ResultWriter/Parameters", "Parameters in a JSONata state (use Arguments)"}
	case !jsonataMode && args != nil:
		return nil, &unsupportedField{"ResultWriter/Arguments", "Arguments in a JSONPath state (use Parameters)"}
	case params != nil:
		if wp.params, err = template.Compile(params); err != nil {
			return nil, &unsupportedField{"ResultWriter/Parameters", "a payload template that does not compile: " + err.Error()}
		}
	case args != nil:
		if wp.args, err = jsonata.ParseTemplate(args); err != nil {
			return nil, &unsupportedField{"ResultWriter/Arguments", "a JSONata template that does not compile: " + err.Error()}
		}
	default:
		return nil, &unsupportedField{"ResultWriter", "no " + map[bool]string{true: "Arguments", false: "Parameters"}[jsonataMode] + " naming the Bucket"}
	}
	if wc := member(o, "WriterConfig"); wc != nil {
		co, ok := wc.(*value.Object)
		if !ok {
			return nil, &unsupportedField{"ResultWriter/WriterConfig", "not an object"}
		}
		if k, bad := unknownMember(co, writerConfigFields); bad {
			return nil, &unsupportedField{"ResultWriter/WriterConfig/" + k, "a writer setting this engine does not know"}
		}
		for i := 0; i < co.Len(); i++ {
			k, v := co.At(i)
			if s, ok := v.(string); !ok || strings.HasPrefix(s, "{%") {
				return nil, &unsupportedField{"ResultWriter/WriterConfig/" + k, "not a literal string"}
			}
		}
		wp.config = co
	}
	return wp, nil
}
