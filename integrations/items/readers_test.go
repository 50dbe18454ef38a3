package items

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
)

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// The CSV of AWS's recorded cases (test_map_item_reader_base_csv_*): header
// row, a row of four fields for three headers, a row of one field.
const awsCSVRows = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"

func TestReaders(t *testing.T) {
	get := func(key, inputType string) ReaderConfig {
		return ReaderConfig{Resource: ResourceGetObject, Bucket: "data", Key: key, InputType: inputType}
	}
	with := func(c ReaderConfig, f func(*ReaderConfig)) ReaderConfig { f(&c); return c }
	tests := []struct {
		name  string
		files map[string]string
		cfg   ReaderConfig
		want  string // the items as a JSON array
		err   string // or the fault
		cause string
	}{
		// JSON: the elements of the top-level array, each as it is
		// (recorded: test_map_item_reader_base_json).
		{name: "json", files: map[string]string{"f.json": `[{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"}]`},
			cfg:  get("f.json", "JSON"),
			want: `[{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"}]`},
		{name: "json scalars keep their types", files: map[string]string{"f.json": " [1, 2.5, -0, 1e3, \"s\", true, null, [[0]], {}] \n"},
			cfg: get("f.json", "JSON"), want: `[1,2.5,0,1000.0,"s",true,null,[[0]],{}]`},
		{name: "json empty array", files: map[string]string{"f.json": `[]`}, cfg: get("f.json", "JSON"), want: `[]`},
		{name: "json gzip", files: map[string]string{"f.json.gz": gz(`[{"a":1},{"a":2}]`)}, cfg: get("f.json.gz", "JSON"), want: `[{"a":1},{"a":2}]`},
		// Recorded: test_map_item_reader_json_no_json_list_object.
		{name: "json object", files: map[string]string{"f.json": `{"Hello":"world"}`}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "Attempting to map over non-iterable node."},
		{name: "json scalar", files: map[string]string{"f.json": `"x"`}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "Attempting to map over non-iterable node."},
		{name: "json truncated", files: map[string]string{"f.json": `[{"a":1},{"a":`}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "invalid JSON..."},
		{name: "json garbage", files: map[string]string{"f.json": `not-json`}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "invalid JSON..."},
		{name: "json trailing data", files: map[string]string{"f.json": `[1] [2]`}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "invalid JSON: data after the top-level array"},
		{name: "json empty object", files: map[string]string{"f.json": ``}, cfg: get("f.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "the JSON object is empty: expected an array"},

		// ItemsPointer: a JSON Pointer to the array inside the document.
		{name: "json items pointer", files: map[string]string{"f.json": `{"meta":{"n":[9,9]},"inventory":{"products":{"other":[0],"featured":[{"id":1},{"id":2}]},"after":1}}`},
			cfg:  with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "/inventory/products/featured" }),
			want: `[{"id":1},{"id":2}]`},
		{name: "json items pointer index and escapes", files: map[string]string{"f.json": `{"a/b":[[0],{"m~n":["x","y"]}]}`},
			cfg:  with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "/a~1b/1/m~0n" }),
			want: `["x","y"]`},
		{name: "json items pointer empty", files: map[string]string{"f.json": `[1,2]`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "" }), want: `[1,2]`},
		{name: "json items pointer missing", files: map[string]string{"f.json": `{"a":{"b":[1]}}`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "/a/c" }),
			err: fault.ItemReaderFailed, cause: "The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure."},
		{name: "json items pointer past an array", files: map[string]string{"f.json": `{"a":[1,2]}`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "/a/2" }),
			err: fault.ItemReaderFailed, cause: "The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure."},
		{name: "json items pointer to a scalar", files: map[string]string{"f.json": `{"a":{"b":"x"}}`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "/a/b" }),
			err: fault.ItemReaderFailed, cause: "Attempting to map over non-iterable node."},
		{name: "json items pointer without slash", files: map[string]string{"f.json": `{"a":[1]}`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.ItemsPointer = "a" }),
			err: fault.ItemReaderFailed, cause: `ReaderConfig.ItemsPointer "a" is not a JSON Pointer: it must start with a slash`},

		// JSONL: a value a line; blank lines skipped, CRLF accepted.
		{name: "jsonl", files: map[string]string{"f.jsonl": "{\"a\":1}\r\n\n  \n[2]\n\"three\"\n4.0"},
			cfg: get("f.jsonl", "JSONL"), want: `[{"a":1},[2],"three",4.0]`},
		{name: "jsonl bad line", files: map[string]string{"f.jsonl": "{\"a\":1}\n{\"a\":\n"},
			cfg: get("f.jsonl", "JSONL"), err: fault.ItemReaderFailed, cause: "invalid JSON on line 2 of the JSONL object..."},
		{name: "jsonl two values on a line", files: map[string]string{"f.jsonl": "1 2\n"},
			cfg: get("f.jsonl", "JSONL"), err: fault.ItemReaderFailed, cause: "invalid JSON on line 1 of the JSONL object..."},

		// CSV, as recorded on AWS: every field a string, missing fields
		// empty, extra fields skipped, members in AWS's order.
		{name: "csv first row (recorded)", files: map[string]string{"f.csv": "Col1,Col2,Col3\n" + awsCSVRows}, cfg: get("f.csv", "CSV"),
			want: `[{"Col1":"Value1","Col2":"Value2","Col3":"Value3"},{"Col1":"Value4","Col2":"Value5","Col3":"Value6"},{"Col1":"","Col2":"","Col3":""},{"Col1":"true","Col2":"1","Col3":"'HelloWorld'"},{"Col1":"Null","Col2":"None","Col3":""},{"Col1":"   ","Col2":"","Col3":""}]`},
		{name: "csv given (recorded)", files: map[string]string{"f.csv": awsCSVRows},
			cfg:  with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.CSVHeaderLocation = "GIVEN"; c.CSVHeaders = []string{"H1", "H2", "H3"} }),
			want: `[{"H1":"Value1","H2":"Value2","H3":"Value3"},{"H1":"Value4","H2":"Value5","H3":"Value6"},{"H1":"","H2":"","H3":""},{"H1":"true","H2":"1","H3":"'HelloWorld'"},{"H1":"Null","H2":"None","H3":""},{"H1":"   ","H2":"","H3":""}]`},
		{name: "csv given extra fields (recorded)", files: map[string]string{"f.csv": awsCSVRows},
			cfg:  with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.CSVHeaderLocation = "GIVEN"; c.CSVHeaders = []string{"H1"} }),
			want: `[{"H1":"Value1"},{"H1":"Value4"},{"H1":""},{"H1":"true"},{"H1":"Null"},{"H1":"   "}]`},
		{name: "csv typed headers (recorded)", files: map[string]string{"f.csv": "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"},
			cfg:  get("f.csv", "CSV"),
			want: `[{"0":"Value4","{}":"Value6","True":"Value5"},{"0":"","{}":"","True":""},{"0":"true","{}":"'HelloWorld'","True":"1"},{"0":"Null","{}":"","True":"None"},{"0":"   ","{}":"","True":""}]`},
		{name: "csv first row extra fields (recorded)", files: map[string]string{"f.csv": "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"},
			cfg:  get("f.csv", "CSV"),
			want: `[{"":"Value5","H1":"Value4"},{"":"","H1":""},{"":"1","H1":"true"},{"":"None","H1":"Null"},{"":"","H1":"   "}]`},
		// The developer guide's example: userId,movieId,rating,timestamp
		// gives {"rating","movieId","userId","timestamp"}.
		{name: "csv documented order", files: map[string]string{"f.csv": "1|307|3.5|1256677221\n"},
			cfg: with(get("f.csv", "CSV"), func(c *ReaderConfig) {
				c.CSVHeaderLocation, c.CSVDelimiter, c.CSVHeaders = "GIVEN", "PIPE", []string{"userId", "movieId", "rating", "timestamp"}
			}),
			want: `[{"rating":"3.5","movieId":"307","userId":"1","timestamp":"1256677221"}]`},
		// Recorded: test_map_item_reader_csv_headers_decl_duplicate_headers.
		{name: "csv duplicate given headers", files: map[string]string{"f.csv": awsCSVRows},
			cfg: with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.CSVHeaderLocation = "GIVEN"; c.CSVHeaders = []string{"H1", "H1", "H3"} }),
			err: fault.ItemReaderFailed, cause: "CSV headers cannot contain duplicates."},
		{name: "csv duplicate first-row headers", files: map[string]string{"f.csv": "a,b,a\n1,2,3\n"}, cfg: get("f.csv", "CSV"),
			err: fault.ItemReaderFailed, cause: "CSV headers cannot contain duplicates."},
		// The documented quoting rules.
		{name: "csv quoting", files: map[string]string{"f.csv": "a,b\n\"x,y\",\"line\nbreak\"\n\"say \"\"hi\"\"\",plain \"q\"\nC:\\\\Program Files\\\\App.exe,a\\,b\n\\\"q\\\",\\x\r\n"},
			cfg:  get("f.csv", "CSV"),
			want: `[{"a":"x,y","b":"line\nbreak"},{"a":"say \"hi\"","b":"plain \"q\""},{"a":"C:\\Program Files\\App.exe","b":"a,b"},{"a":"\"q\"","b":"x"}]`},
		{name: "csv delimiters", files: map[string]string{"t.csv": "a\tb c\n1\t2 3\n", "s.csv": "a;b\n1;2\n", "p.csv": "a b\n1 2\n"},
			cfg:  with(get("t.csv", "CSV"), func(c *ReaderConfig) { c.CSVDelimiter = "TAB" }),
			want: `[{"a":"1","b c":"2 3"}]`},
		{name: "csv semicolon", files: map[string]string{"s.csv": "a;b\n1;2\n"},
			cfg: with(get("s.csv", "CSV"), func(c *ReaderConfig) { c.CSVDelimiter = "SEMICOLON" }), want: `[{"a":"1","b":"2"}]`},
		{name: "csv space", files: map[string]string{"p.csv": "a b\n1 2\n"},
			cfg: with(get("p.csv", "CSV"), func(c *ReaderConfig) { c.CSVDelimiter = "SPACE" }), want: `[{"a":"1","b":"2"}]`},
		{name: "csv blank lines and no final newline", files: map[string]string{"f.csv": "\n\na\n\n1\r\n\r\n2"}, cfg: get("f.csv", "CSV"),
			want: `[{"a":"1"},{"a":"2"}]`},
		{name: "csv empty object", files: map[string]string{"f.csv": ""}, cfg: get("f.csv", "CSV"), want: `[]`},
		{name: "csv header only", files: map[string]string{"f.csv": "a,b\n"}, cfg: get("f.csv", "CSV"), want: `[]`},
		{name: "csv gzip", files: map[string]string{"f.csv.gz": gz("a,b\n1,2\n")}, cfg: get("f.csv.gz", "CSV"), want: `[{"a":"1","b":"2"}]`},
		{name: "csv header too long", files: map[string]string{"f.csv": strings.Repeat("h", 10<<10+1) + "\n1\n"}, cfg: get("f.csv", "CSV"),
			err: fault.ItemReaderFailed, cause: "the CSV header row is larger than the 10 KiB Step Functions reads"},
		{name: "csv unknown delimiter", files: map[string]string{"f.csv": "a\n"},
			cfg: with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.CSVDelimiter = "COLON" }), err: fault.ItemReaderFailed, cause: "unknown ReaderConfig.CSVDelimiter..."},
		{name: "csv given without headers", files: map[string]string{"f.csv": "a\n"},
			cfg: with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.CSVHeaderLocation = "GIVEN" }), err: fault.ItemReaderFailed, cause: "ReaderConfig.CSVHeaderLocation is GIVEN but CSVHeaders is empty"},

		// MaxItems (recorded: test_map_item_reader_csv_max_items[2], and
		// a negative one failing).
		{name: "max items", files: map[string]string{"f.csv": "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"},
			cfg:  with(get("f.csv", "CSV"), func(c *ReaderConfig) { c.MaxItems = 2 }),
			want: `[{"Col1":"Value1","Col2":"Value2"},{"Col1":"Value3","Col2":"Value4"}]`},
		{name: "max items beyond the object", files: map[string]string{"f.json": `[1,2,3]`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.MaxItems = 100000001 }), want: `[1,2,3]`},
		{name: "max items stops before bad data", files: map[string]string{"f.jsonl": "1\n2\nnot json\n"},
			cfg: with(get("f.jsonl", "JSONL"), func(c *ReaderConfig) { c.MaxItems = 2 }), want: `[1,2]`},
		{name: "negative max items", files: map[string]string{"f.json": `[1]`},
			cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.MaxItems = -1 }), err: fault.ItemReaderFailed, cause: "field MaxItems must be positive"},

		// Missing objects.
		{name: "missing key", files: map[string]string{}, cfg: get("nope.json", "JSON"),
			err: fault.ItemReaderFailed, cause: "The specified key does not exist. (Service: S3, Status Code: 404..."},
		{name: "missing bucket", files: map[string]string{}, cfg: with(get("f.json", "JSON"), func(c *ReaderConfig) { c.Bucket = "nobucket" }),
			err: fault.ItemReaderFailed, cause: "The specified bucket does not exist (Service: S3, Status Code: 404..."},
		{name: "parquet", files: map[string]string{"f.parquet": "PAR1"}, cfg: get("f.parquet", "PARQUET"),
			err: fault.ItemReaderFailed, cause: "ReaderConfig.InputType PARQUET is not supported by Stepwise..."},
		{name: "zstd", files: map[string]string{"f.json.zst": "\x28\xb5\x2f\xfd...."}, cfg: get("f.json.zst", "JSON"),
			err: fault.ItemReaderFailed, cause: "the object is ZSTD-compressed..."},
		{name: "unknown input type", files: map[string]string{"f": "x"}, cfg: get("f", "XML"),
			err: fault.ItemReaderFailed, cause: "unknown ReaderConfig.InputType..."},
		{name: "unknown resource", files: map[string]string{}, cfg: ReaderConfig{Resource: "arn:aws:states:::s3:headObject", Bucket: "data", Key: "k"},
			err: fault.ItemReaderFailed, cause: "unsupported ItemReader Resource..."},
	}
	for _, st := range stores(t) {
		st.mkBucket(t, "data")
		for _, tc := range tests {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				for k, body := range tc.files {
					st.putObject(t, "data", tc.name+"/"+k, []byte(body))
				}
				cfg := tc.cfg
				cfg.Key = tc.name + "/" + cfg.Key
				got, err := readAll(t, st.objs, cfg)
				if tc.err != "" {
					wantFault(t, err, tc.err, tc.cause)
					return
				}
				if err != nil {
					t.Fatalf("error %v after %s", err, got)
				}
				if got != tc.want {
					t.Errorf("items\n got %s\nwant %s", got, tc.want)
				}
			})
		}
	}
}
