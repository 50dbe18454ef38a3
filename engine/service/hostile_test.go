package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/engine/service"
)

// Bounds every hostile request or execution must stay within: generous,
// so that only a hang or a blow-up fails them on a loaded machine.
const (
	hostileTime  = 20 * time.Second
	hostileAlloc = 1 << 30 // bytes allocated by the whole process during one row
)

// answer is what the service answered: the HTTP status and, for an error,
// its __type and message; for an execution run, its status, error and
// cause (Type and Message), Status 200.
type answer struct {
	Status  int
	Type    string
	Message string
}

// hostileEnv is the service under attack, and a STANDARD and an EXPRESS
// state machine on it.
type hostileEnv struct {
	s        *server
	standard string // a Pass machine's ARN
	express  string
}

// post sends one API call as plain HTTP and returns the answer.
func (h *hostileEnv) post(t *testing.T, op string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.s.http.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Status: resp.StatusCode}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s: status %d, body not JSON: %q", op, resp.StatusCode, data)
		}
		a.Type, a.Message = e.Type, e.Message
	} else {
		a.Message = string(data)
	}
	return a
}

// postJSON marshals body and posts it.
func (h *hostileEnv) postJSON(t *testing.T, op string, body any) answer {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return h.post(t, op, data)
}

// runSync runs definition as an EXPRESS machine with StartSyncExecution
// and answers its status, error and cause.
func (h *hostileEnv) runSync(t *testing.T, name, definition, input string) answer {
	t.Helper()
	a := h.postJSON(t, "CreateStateMachine", map[string]any{"name": name, "definition": definition, "roleArn": role, "type": "EXPRESS"})
	if a.Status != http.StatusOK {
		return a
	}
	var created struct{ StateMachineArn string }
	_ = json.Unmarshal([]byte(a.Message), &created)
	a = h.postJSON(t, "StartSyncExecution", map[string]any{"stateMachineArn": created.StateMachineArn, "input": input})
	if a.Status != http.StatusOK {
		return a
	}
	var out struct{ Status, Error, Cause string }
	if err := json.Unmarshal([]byte(a.Message), &out); err != nil {
		t.Fatal(err)
	}
	return answer{Status: http.StatusOK, Type: out.Status + " " + out.Error, Message: out.Cause}
}

// runEngine runs definition in the engine alone, on a virtual clock.
func runEngine(t *testing.T, definition, input string) answer {
	t.Helper()
	sm, err := asl.Parse([]byte(definition))
	if err != nil {
		return answer{Type: "parse", Message: err.Error()}
	}
	in, err := value.DecodeString(input)
	if err != nil {
		return answer{Type: "input", Message: err.Error()}
	}
	c, cancel := context.WithTimeout(context.Background(), hostileTime)
	defer cancel()
	res, err := engine.Run(c, sm, in, engine.Options{Runtime: local.New(local.Options{VirtualClock: true, Seed: 1}), DiscardEvents: true})
	if err != nil {
		return answer{Type: "run", Message: err.Error()}
	}
	return answer{Status: http.StatusOK, Type: res.Status + " " + res.Error, Message: res.Cause}
}

// passDef is a one-state machine: a Pass state with the given fields.
func passDef(fields string) string {
	return `{"StartAt":"P","States":{"P":{"Type":"Pass",` + fields + `,"End":true}}}`
}

// nested is depth opening brackets, a value and the closing ones.
func nested(depth int) string {
	return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
}

// TestHostileInput sends one attack per row through the real service (plain
// HTTP, and the sfn client where a client could send it) or the engine:
// each must get a clear, AWS-shaped answer, within hostileTime and
// hostileAlloc, and the server must keep serving.
func TestHostileInput(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	h := &hostileEnv{s: s}
	h.standard = createMachine(t, s.client, "pass", passDef(`"Result":1`), types.StateMachineTypeStandard)
	h.express = createMachine(t, s.client, "fast", passDef(`"Result":1`), types.StateMachineTypeExpress)
	intrinsic := func(expr string) string { return passDef(`"Parameters":{"v.$":` + jsonString(expr) + `}`) }
	big := strings.Repeat("a", 20000)
	rows := []struct {
		name   string
		attack func(t *testing.T) answer
		want   answer // Status 0: any; Type and Message: exact Type, Message a substring
	}{
		// Deeply nested JSON.
		{"input nested 100,000 deep", func(t *testing.T) answer {
			return h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": h.standard, "input": nested(100000)})
		}, answer{400, "InvalidExecutionInput", "Invalid State Machine Execution Input"}},
		{"request body nested 200,000 deep", func(t *testing.T) answer {
			return h.post(t, "ListStateMachines", []byte(`{"x":`+nested(200000)+`}`))
		}, answer{400, "SerializationException", ""}},
		{"definition nested 50,000 deep", func(t *testing.T) answer {
			return h.postJSON(t, "CreateStateMachine", map[string]any{"name": "deep", "roleArn": role, "definition": passDef(`"Result":` + nested(50000))})
		}, answer{400, "InvalidDefinition", ""}},
		{"definition with 2,000 nested Parallels", func(t *testing.T) answer {
			def := passDef(`"Result":1`)
			for range 2000 {
				def = `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[` + def + `],"End":true}}}`
			}
			return h.postJSON(t, "CreateStateMachine", map[string]any{"name": "par", "roleArn": role, "definition": def})
		}, answer{400, "InvalidDefinition", ""}},

		// Invalid UTF-8.
		{"invalid UTF-8 in a request body", func(t *testing.T) answer {
			return h.post(t, "ListStateMachines", []byte("{\"nextToken\":\"\xff\xfe\"}"))
		}, answer{400, "SerializationException", "Invalid UTF-8 start byte 0xff"}},
		{"invalid UTF-8 in a name", func(t *testing.T) answer {
			return h.post(t, "CreateActivity", []byte("{\"name\":\"a\xc3\x28b\"}"))
		}, answer{400, "SerializationException", "Invalid UTF-8 middle byte 0x28"}},
		{"invalid UTF-8 in a definition", func(t *testing.T) answer {
			return h.post(t, "CreateStateMachine", []byte(`{"name":"u8","roleArn":"`+role+`","definition":"{\"StartAt\":\"\xff\",\"States\":{}}"}`))
		}, answer{400, "SerializationException", ""}},
		{"invalid UTF-8 in a definition, in the engine", func(t *testing.T) answer {
			return runEngine(t, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Result\":\"\xff\",\"End\":true}}}", `{}`)
		}, answer{0, "parse", "Invalid JSON: invalid UTF-8 at byte 54"}},
		{"invalid UTF-8 in an input, in the engine: read as U+FFFD, as encoding/json does", func(t *testing.T) answer {
			return runEngine(t, passDef(`"OutputPath":"$.a"`), "{\"a\":\"\xc3\x28\"}")
		}, answer{200, "SUCCEEDED ", ""}},
		{"invalid UTF-8 escaped as a lone surrogate in an input", func(t *testing.T) answer {
			return h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": h.standard, "input": `{"a":"\ud800"}`})
		}, answer{200, "", ""}},

		// Numbers beyond float64.
		{"input number 1e400", func(t *testing.T) answer {
			return h.runSync(t, "big-number", passDef(`"InputPath":"$.n"`), `{"n":1e400}`)
		}, answer{400, "InvalidExecutionInput", "Invalid State Machine Execution Input: 'invalid JSON at line 1, column 11: number \"1e400\" out of range'"}},
		{"maxResults beyond int64", func(t *testing.T) answer {
			return h.post(t, "ListStateMachines", []byte(`{"maxResults":1e400}`))
		}, answer{400, "SerializationException", ""}},
		{"TimeoutSeconds beyond int64", func(t *testing.T) answer {
			return h.postJSON(t, "CreateStateMachine", map[string]any{"name": "to", "roleArn": role, "definition": `{"StartAt":"P","TimeoutSeconds":1e400,"States":{"P":{"Type":"Pass","End":true}}}`})
		}, answer{400, "InvalidDefinition", ""}},

		// Intrinsics at their limits.
		{"States.ArrayRange(0, 1e9, 1)", func(t *testing.T) answer {
			return h.runSync(t, "range", intrinsic("States.ArrayRange(0, 1000000000, 1)"), `{}`)
		}, answer{200, "FAILED States.Runtime", "Invalid arguments in States.ArrayRange"}},
		{"States.ArrayRange in the engine", func(t *testing.T) answer {
			return runEngine(t, intrinsic("States.ArrayRange(0, 1000000000, 1)"), `{}`)
		}, answer{200, "FAILED States.Runtime", "Invalid arguments in States.ArrayRange"}},
		{"States.ArrayPartition with size 0", func(t *testing.T) answer {
			return h.runSync(t, "part0", intrinsic("States.ArrayPartition($.a, 0)"), `{"a":[1,2,3]}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.StringSplit of 200,000 one-character pieces", func(t *testing.T) answer {
			return h.runSync(t, "split", intrinsic("States.StringSplit($.s, ',')"), `{"s":"`+strings.Repeat("a,", 100000)+`"}`)
		}, answer{200, "FAILED States.DataLimitExceeded", ""}},
		{"States.Hash of 20,000 characters", func(t *testing.T) answer {
			return h.runSync(t, "hash", intrinsic("States.Hash($.s, 'SHA-256')"), `{"s":"`+big+`"}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.Base64Encode of 20,000 characters", func(t *testing.T) answer {
			return h.runSync(t, "b64", intrinsic("States.Base64Encode($.s)"), `{"s":"`+big+`"}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.Base64Decode of garbage", func(t *testing.T) answer {
			return h.runSync(t, "b64d", intrinsic("States.Base64Decode($.s)"), `{"s":"!!!"}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.MathAdd overflow", func(t *testing.T) answer {
			return h.runSync(t, "add", intrinsic("States.MathAdd($.a, $.b)"), `{"a":9223372036854775807,"b":1}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.MathAdd of 1e308 and 1e308", func(t *testing.T) answer {
			return h.runSync(t, "add2", intrinsic("States.MathAdd($.a, $.b)"), `{"a":1e308,"b":1e308}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.MathRandom with huge bounds", func(t *testing.T) answer {
			return h.runSync(t, "rand", intrinsic("States.MathRandom($.a, $.b)"), `{"a":-1e300,"b":1e300}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.StringToJson of a deeply nested string", func(t *testing.T) answer {
			return h.runSync(t, "s2j", intrinsic("States.StringToJson($.s)"), `{"s":"`+nested(100000)+`"}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.Format with 10,000 placeholders", func(t *testing.T) answer {
			return h.runSync(t, "fmt", intrinsic("States.Format('"+strings.Repeat("{}", 10000)+"', 1)"), `{}`)
		}, answer{200, "FAILED States.Runtime", ""}},
		{"States.ArrayUnique of 10,000 items", func(t *testing.T) answer {
			items := make([]string, 10000)
			for i := range items {
				items[i] = fmt.Sprint(i)
			}
			return h.runSync(t, "uniq", intrinsic("States.ArrayUnique($.a)"), `{"a":[`+strings.Join(items, ",")+`]}`)
		}, answer{200, "SUCCEEDED ", ""}},

		// Fan-out at the payload limit.
		{"an inline Map over 100,000 items", func(t *testing.T) answer {
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.a","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Result":0,"End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`
			return h.runSync(t, "fanout", def, `{"a":[`+strings.TrimSuffix(strings.Repeat("0,", 100000), ",")+`]}`)
		}, answer{200, "SUCCEEDED ", ""}},
		{"TestState with an input nested 100,000 deep", func(t *testing.T) answer {
			return h.postJSON(t, "TestState", map[string]any{"definition": `{"Type":"Pass","End":true}`, "roleArn": role, "input": nested(100000)})
		}, answer{400, "InvalidExecutionInput", "nesting too deep"}},

		// Catastrophic backtracking.
		{"StringMatches with 30 wildcards", func(t *testing.T) answer {
			pattern := strings.Repeat("*a", 30) + "*b"
			def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.s","StringMatches":` + jsonString(pattern) + `,"Next":"Y"}],"Default":"N"},"Y":{"Type":"Succeed"},"N":{"Type":"Succeed"}}}`
			return h.runSync(t, "glob", def, `{"s":"`+strings.Repeat("a", 5000)+`"}`)
		}, answer{200, "SUCCEEDED ", ""}},
		{"JSONPath filter over 10,000 items with a nested filter", func(t *testing.T) answer {
			items := strings.TrimSuffix(strings.Repeat(`{"a":[1,2,3,4,5,6,7,8,9,10]},`, 5000), ",")
			return h.runSync(t, "filter", passDef(`"InputPath":"$.x[?(@.a[?(@ > 5)])]..a[*]"`), `{"x":[`+items+`]}`)
		}, answer{200, "", ""}},
		{"JSONPath recursive descent over deep input", func(t *testing.T) answer {
			return h.runSync(t, "descent", passDef(`"InputPath":"$..a..b..c..d"`), `{"x":`+strings.Repeat(`{"a":{"b":{"c":`, 300)+"1"+strings.Repeat("}}}", 300)+`}`)
		}, answer{200, "FAILED States.Runtime", "Invalid path '$..a..b..c..d' : " + jsonpath.TooComplexMsg}},

		// Waits at their limits: they must be accepted and saturate.
		{"Wait until the year 9999", func(t *testing.T) answer {
			return h.runWait(t, "w9999", `"Timestamp":"9999-12-31T23:59:59Z"`)
		}, answer{200, "ABORTED ", ""}},
		{"Wait 99999999 seconds", func(t *testing.T) answer {
			return h.runWait(t, "wsecs", `"Seconds":99999999`)
		}, answer{200, "ABORTED ", ""}},
		{"Wait SecondsPath of 1e18", func(t *testing.T) answer {
			return runEngineWait(t, `"SecondsPath":"$.n"`, `{"n":1000000000000000000}`)
		}, answer{200, "SUCCEEDED ", "advanced"}},
		{"Wait TimestampPath in the year 9999 in the engine", func(t *testing.T) answer {
			return runEngineWait(t, `"TimestampPath":"$.t"`, `{"t":"9999-12-31T23:59:59Z"}`)
		}, answer{200, "SUCCEEDED ", "advanced"}},
		{"Retry MaxAttempts 99999999 with BackoffRate 1e300", func(t *testing.T) answer {
			def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],` +
				`"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":99999999,"BackoffRate":1e300}],"End":true}}}`
			return h.runRetrying(t, "retry", def)
		}, answer{200, "RUNNING", "2 starts"}},

		// Payloads over 256 KiB.
		{"StartExecution input over 256 KiB", func(t *testing.T) answer {
			return h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": h.standard, "input": `"` + strings.Repeat("x", 270000) + `"`})
		}, answer{400, "ValidationException", "Member must have length less than or equal to 262144"}},
		{"a state output over 256 KiB", func(t *testing.T) answer {
			return h.runSync(t, "grow", passDef(`"Parameters":{"a.$":"$.s","b.$":"$.s"}`), `{"s":"`+strings.Repeat("x", 200000)+`"}`)
		}, answer{200, "FAILED States.DataLimitExceeded", "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit."}},
		{"SendTaskSuccess output over 256 KiB", func(t *testing.T) answer {
			return h.postJSON(t, "SendTaskSuccess", map[string]any{"taskToken": "t", "output": `"` + strings.Repeat("x", 270000) + `"`})
		}, answer{400, "ValidationException", "262144"}},
		{"request body over 1 MiB", func(t *testing.T) answer {
			return h.post(t, "ListStateMachines", []byte(`{"x":"`+strings.Repeat("x", 2<<20)+`"}`))
		}, answer{413, "ValidationException", ""}},

		// Forged tokens.
		{"a forged ListStateMachines nextToken", func(t *testing.T) answer {
			tok := base64.RawURLEncoding.EncodeToString([]byte("sm\x00arn:aws:states:us-east-1:123456789012:stateMachine:a"))
			return h.postJSON(t, "ListStateMachines", map[string]any{"nextToken": tok})
		}, answer{400, "InvalidToken", "Invalid Token"}},
		{"a forged ListActivities nextToken", func(t *testing.T) answer {
			tok := base64.RawURLEncoding.EncodeToString([]byte("act\x00"))
			return h.postJSON(t, "ListActivities", map[string]any{"nextToken": tok})
		}, answer{400, "InvalidToken", "Invalid Token"}},
		{"a forged nextToken of random bytes", func(t *testing.T) answer {
			return h.postJSON(t, "ListStateMachines", map[string]any{"nextToken": "AAAA" + strings.Repeat("Zm9v", 50)})
		}, answer{400, "InvalidToken", "Invalid Token"}},
		{"SendTaskSuccess with a made-up task token", func(t *testing.T) answer {
			return h.postJSON(t, "SendTaskSuccess", map[string]any{"taskToken": "00000000-0000-4000-8000-000000000000", "output": "{}"})
		}, answer{400, "InvalidToken", ""}},
		{"SendTaskFailure with a made-up task token", func(t *testing.T) answer {
			return h.postJSON(t, "SendTaskFailure", map[string]any{"taskToken": "'; DROP TABLE executions; --"})
		}, answer{400, "InvalidToken", ""}},
		{"SendTaskHeartbeat with a task token of 3,000 characters", func(t *testing.T) answer {
			return h.postJSON(t, "SendTaskHeartbeat", map[string]any{"taskToken": strings.Repeat("t", 3000)})
		}, answer{400, "ValidationException", "Member must have length less than or equal to 2048"}},

		// Names.
		{"a name with a path", func(t *testing.T) answer {
			return h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": h.standard, "name": "../../etc/passwd"})
		}, answer{400, "InvalidName", "Invalid Name: '../../etc/passwd'"}},
		{"a name with SQL", func(t *testing.T) answer {
			return h.postJSON(t, "CreateStateMachine", map[string]any{"name": "x'; DROP TABLE state_machines; --", "roleArn": role, "definition": passDef(`"Result":1`)})
		}, answer{400, "InvalidName", "Invalid Name"}},
		{"a name with a NUL", func(t *testing.T) answer {
			return h.postJSON(t, "CreateActivity", map[string]any{"name": "a\x00b"})
		}, answer{400, "InvalidName", "Invalid Name"}},
		{"a name with a newline", func(t *testing.T) answer {
			return h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": h.standard, "name": "a\nb"})
		}, answer{400, "InvalidName", "Invalid Name"}},
		{"a name of 81 characters", func(t *testing.T) answer {
			return h.postJSON(t, "CreateActivity", map[string]any{"name": strings.Repeat("n", 81)})
		}, answer{400, "ValidationException", "Member must have length less than or equal to 80"}},
		{"an ARN with SQL", func(t *testing.T) answer {
			return h.postJSON(t, "DescribeExecution", map[string]any{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:pass:' OR 1=1 --"})
		}, answer{400, "ExecutionDoesNotExist", ""}},
		{"an ARN of control characters", func(t *testing.T) answer {
			return h.postJSON(t, "DescribeStateMachine", map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:\x01\x02"})
		}, answer{400, "StateMachineDoesNotExist", "State Machine Does Not Exist"}},

		// Through the sfn client too.
		{"sfn client: StartExecution input nested 100,000 deep", func(t *testing.T) answer {
			_, err := s.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(h.standard), Input: aws.String(nested(100000))})
			return answer{Status: 400, Type: apiErrorCode(err)}
		}, answer{400, "InvalidExecutionInput", ""}},
		{"sfn client: a forged nextToken", func(t *testing.T) answer {
			tok := base64.RawURLEncoding.EncodeToString([]byte("sm\x00"))
			_, err := s.client.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{NextToken: aws.String(tok)})
			return answer{Status: 400, Type: apiErrorCode(err)}
		}, answer{400, "InvalidToken", ""}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			got := row.attack(t)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if took > hostileTime {
				t.Errorf("took %v, want under %v", took, hostileTime)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > hostileAlloc {
				t.Errorf("allocated %d MiB, want under %d MiB", alloc>>20, hostileAlloc>>20)
			}
			if got.Status >= 500 {
				t.Fatalf("answer %+v: a server error", got)
			}
			if row.want.Status != 0 && got.Status != row.want.Status {
				t.Errorf("status %d (%s: %.300s), want %d", got.Status, got.Type, got.Message, row.want.Status)
			}
			if row.want.Type != "" && got.Type != row.want.Type {
				t.Errorf("type %q (%.300s), want %q", got.Type, got.Message, row.want.Type)
			}
			if !strings.Contains(got.Message, row.want.Message) {
				t.Errorf("message %.500q, want it to contain %q", got.Message, row.want.Message)
			}
		})
	}
	// The server still serves.
	if _, err := s.client.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("after the attacks: %v", err)
	}
}

// runWait starts a STANDARD execution of a Wait state, checks that it is
// waiting, stops it and answers how it ended.
func (h *hostileEnv) runWait(t *testing.T, name, wait string) answer {
	t.Helper()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait",` + wait + `,"End":true}}}`
	a := h.postJSON(t, "CreateStateMachine", map[string]any{"name": name, "definition": def, "roleArn": role})
	if a.Status != http.StatusOK {
		return a
	}
	var created struct{ StateMachineArn string }
	_ = json.Unmarshal([]byte(a.Message), &created)
	a = h.postJSON(t, "StartExecution", map[string]any{"stateMachineArn": created.StateMachineArn})
	if a.Status != http.StatusOK {
		return a
	}
	var started struct{ ExecutionArn string }
	_ = json.Unmarshal([]byte(a.Message), &started)
	c := h.s.client
	deadline := time.Now().Add(hostileTime)
	for {
		hist, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(started.ExecutionArn)})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(hist.Events); n > 0 && hist.Events[n-1].Type == types.HistoryEventTypeWaitStateEntered {
			break
		}
		if n := len(hist.Events); n > 0 && hist.Events[n-1].Type != types.HistoryEventTypeExecutionStarted {
			return answer{Status: 200, Type: "not waiting: " + string(hist.Events[n-1].Type)}
		}
		if time.Now().After(deadline) {
			t.Fatal("the Wait state was never entered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(started.ExecutionArn)})
	if err != nil || d.Status != types.ExecutionStatusRunning {
		t.Fatalf("DescribeExecution: %v, %v; want RUNNING", d, err)
	}
	if _, err := c.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(started.ExecutionArn)}); err != nil {
		t.Fatal(err)
	}
	out := waitDone(t, c, started.ExecutionArn)
	return answer{Status: 200, Type: string(out.Status) + " " + aws.ToString(out.Error), Message: aws.ToString(out.Cause)}
}

// runEngineWait runs a Wait state (wait: its fields) in the engine on a
// virtual clock and answers how it ended, with Message "advanced" when the
// clock moved on by a year or more (a long wait that saturates rather than
// overflowing to the past) and "did not advance" otherwise.
func runEngineWait(t *testing.T, wait, input string) answer {
	t.Helper()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait",` + wait + `,"End":true}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		return answer{Type: "parse", Message: err.Error()}
	}
	in, err := value.DecodeString(input)
	if err != nil {
		t.Fatal(err)
	}
	rt := local.New(local.Options{VirtualClock: true, Seed: 1})
	start := rt.Now()
	c, cancel := context.WithTimeout(context.Background(), hostileTime)
	defer cancel()
	res, err := engine.Run(c, sm, in, engine.Options{Runtime: rt, DiscardEvents: true})
	if err != nil {
		return answer{Type: "run", Message: err.Error()}
	}
	moved := "did not advance"
	if rt.Now().Sub(start) >= 365*24*time.Hour {
		moved = "advanced"
	}
	return answer{Status: 200, Type: res.Status + " " + res.Error, Message: moved + " " + res.Cause}
}

// runRetrying starts a STANDARD execution of definition, which retries
// for ever with a huge back-off: after 3 seconds it must still be RUNNING
// and have started its state at most 3 times (the back-off saturated
// rather than overflowing to no wait); it is then stopped.
func (h *hostileEnv) runRetrying(t *testing.T, name, def string) answer {
	t.Helper()
	a := h.postJSON(t, "CreateStateMachine", map[string]any{"name": name, "definition": def, "roleArn": role})
	if a.Status != http.StatusOK {
		return a
	}
	var created struct{ StateMachineArn string }
	_ = json.Unmarshal([]byte(a.Message), &created)
	c := h.s.client
	ex, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(created.StateMachineArn)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	hist, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	for _, e := range hist.Events {
		if e.Type == types.HistoryEventTypeParallelStateStarted {
			starts++
		}
	}
	d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	return answer{Status: 200, Type: string(d.Status), Message: fmt.Sprintf("%d starts", starts)}
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sfnInputs are the request shapes of every operation, from the SDK.
var sfnInputs = map[string]any{
	"CreateActivity": sfn.CreateActivityInput{}, "CreateStateMachine": sfn.CreateStateMachineInput{},
	"CreateStateMachineAlias": sfn.CreateStateMachineAliasInput{}, "DeleteActivity": sfn.DeleteActivityInput{},
	"DeleteStateMachine": sfn.DeleteStateMachineInput{}, "DeleteStateMachineAlias": sfn.DeleteStateMachineAliasInput{},
	"DeleteStateMachineVersion": sfn.DeleteStateMachineVersionInput{}, "DescribeActivity": sfn.DescribeActivityInput{},
	"DescribeExecution": sfn.DescribeExecutionInput{}, "DescribeMapRun": sfn.DescribeMapRunInput{},
	"DescribeStateMachine": sfn.DescribeStateMachineInput{}, "DescribeStateMachineAlias": sfn.DescribeStateMachineAliasInput{},
	"DescribeStateMachineForExecution": sfn.DescribeStateMachineForExecutionInput{}, "GetActivityTask": sfn.GetActivityTaskInput{},
	"GetExecutionHistory": sfn.GetExecutionHistoryInput{}, "ListActivities": sfn.ListActivitiesInput{},
	"ListExecutions": sfn.ListExecutionsInput{}, "ListMapRuns": sfn.ListMapRunsInput{},
	"ListStateMachineAliases": sfn.ListStateMachineAliasesInput{}, "ListStateMachineVersions": sfn.ListStateMachineVersionsInput{},
	"ListStateMachines": sfn.ListStateMachinesInput{}, "ListTagsForResource": sfn.ListTagsForResourceInput{},
	"PublishStateMachineVersion": sfn.PublishStateMachineVersionInput{}, "RedriveExecution": sfn.RedriveExecutionInput{},
	"SendTaskFailure": sfn.SendTaskFailureInput{}, "SendTaskHeartbeat": sfn.SendTaskHeartbeatInput{},
	"SendTaskSuccess": sfn.SendTaskSuccessInput{}, "StartExecution": sfn.StartExecutionInput{},
	"StartSyncExecution": sfn.StartSyncExecutionInput{}, "StopExecution": sfn.StopExecutionInput{},
	"TagResource": sfn.TagResourceInput{}, "TestState": sfn.TestStateInput{}, "UntagResource": sfn.UntagResourceInput{},
	"UpdateMapRun": sfn.UpdateMapRunInput{}, "UpdateStateMachine": sfn.UpdateStateMachineInput{},
	"UpdateStateMachineAlias": sfn.UpdateStateMachineAliasInput{}, "ValidateStateMachineDefinition": sfn.ValidateStateMachineDefinitionInput{},
}

// wrongTyped is a JSON value of another type than a field of type t takes.
func wrongTyped(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return `12`
	case reflect.Slice, reflect.Map:
		return `"x"`
	case reflect.Struct:
		return `[1]`
	}
	return `"x"`
}

// TestHostileFieldTypes sends every field of every operation with a value
// of the wrong JSON type: each gets AWS's SerializationException, within
// hostileTime.
func TestHostileFieldTypes(t *testing.T) {
	h := &hostileEnv{s: startServer(t, service.Options{ActivityPollTimeout: 100 * time.Millisecond}, true)}
	ops := make([]string, 0, len(sfnInputs))
	for op := range sfnInputs {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		typ := reflect.TypeOf(sfnInputs[op])
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.ToLower(f.Name[:1]) + f.Name[1:]
			body := `{"` + name + `":` + wrongTyped(f.Type) + `}`
			t.Run(op+"/"+name, func(t *testing.T) {
				start := time.Now()
				got := h.post(t, op, []byte(body))
				if took := time.Since(start); took > hostileTime {
					t.Errorf("took %v", took)
				}
				if got.Status != http.StatusBadRequest || got.Type != "SerializationException" || got.Message == "" {
					t.Errorf("%s: %d %s: %.200s, want 400 SerializationException", body, got.Status, got.Type, got.Message)
				}
			})
		}
	}
}
