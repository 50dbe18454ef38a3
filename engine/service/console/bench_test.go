package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// BenchmarkTrace measures what the console's trace adds to an execution
// on the service's hot path: a 1,000-state Pass chain run with no tracer
// (serve --console=false) and with Traces.Tracer (the console on). The
// difference per state is a Step allocation and an append under the
// execution's mutex; nothing is encoded until the console asks.
func BenchmarkTrace(b *testing.B) {
	var def strings.Builder
	def.WriteString(`{"StartAt":"S0","States":{`)
	for i := range 1000 {
		if i > 0 {
			def.WriteString(",")
		}
		if i == 999 {
			fmt.Fprintf(&def, `"S%d":{"Type":"Pass","Result":"x","ResultPath":"$.r","End":true}`, i)
		} else {
			fmt.Fprintf(&def, `"S%d":{"Type":"Pass","Result":"x","ResultPath":"$.r","Next":"S%d"}`, i, i+1)
		}
	}
	def.WriteString("}}")
	sm, err := asl.Parse([]byte(def.String()))
	if err != nil {
		b.Fatal(err)
	}
	input, err := value.Decode([]byte(`{"order":{"id":"o-1","lines":[1,2,3]}}`))
	if err != nil {
		b.Fatal(err)
	}
	for _, traced := range []bool{false, true} {
		b.Run(fmt.Sprint("traced=", traced), func(b *testing.B) {
			traces := NewTraces(TraceOptions{})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				opts := engine.Options{DiscardEvents: true}
				if traced {
					opts.Tracer = traces.Tracer(fmt.Sprint("arn:", i))
				}
				res, err := engine.Run(context.Background(), sm, input, opts)
				if err != nil || res.Status != engine.StatusSucceeded {
					b.Fatal(err, res.Status)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/state")
		})
	}
}

// FuzzHistoryEvents: any event text is read without panicking, by the
// summary and by the visits of a state.
func FuzzHistoryEvents(f *testing.F) {
	f.Add(`{"id":2,"previousEventId":1,"type":"TaskStateEntered","stateEnteredEventDetails":{"name":"A","input":"{}"}}`, `{"id":3,"previousEventId":2,"type":"TaskFailed"}`)
	f.Add(`{"id":4,"previousEventId":3,"type":"MapIterationStarted","mapIterationStartedEventDetails":{"name":"M","index":-5}}`, `{"id":5,"previousEventId":4,"type":"MapIterationSucceeded"}`)
	f.Add(`{"id":1,"previousEventId":1,"type":"PassStateExited","stateExitedEventDetails":{"name":"A","output":"not json"}}`, `[`)
	f.Fuzz(func(t *testing.T, a, b string) {
		s := NewSummary()
		h := newHistoryVisits("A")
		for _, ev := range []string{a, b, a} {
			s.Add(json.RawMessage(ev))
			h.add(json.RawMessage(ev))
		}
		s.Finish("FAILED")
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(h.visits); err != nil {
			t.Fatal(err)
		}
	})
}
