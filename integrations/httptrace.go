package integrations

import (
	"context"
	"net/http"
)

// HTTPExchange is one HTTP request a task sent and the response it got, as
// TestState's TRACE inspection level shows them.
type HTTPExchange struct {
	Method string
	URL    string // as sent, with the query string
	Header http.Header
	Body   []byte

	// The request without what its connection added (authorization
	// headers, and the connection's header, query and body parameters):
	// what TestState shows unless revealSecrets is set.
	PublicURL    string
	PublicHeader http.Header
	PublicBody   []byte

	// The response; StatusCode is 0 when none came (a socket error).
	StatusCode     int
	ResponseHeader http.Header
	ResponseBody   []byte
}

// httpTraceKey is the context key of WithHTTPTrace.
type httpTraceKey struct{}

// WithHTTPTrace returns a context whose tasks report each HTTP exchange
// they make (an http:invoke task) to f, on the task's goroutine.
func WithHTTPTrace(ctx context.Context, f func(HTTPExchange)) context.Context {
	return context.WithValue(ctx, httpTraceKey{}, f)
}

// TraceHTTP reports an exchange to the function of WithHTTPTrace, if ctx
// carries one.
func TraceHTTP(ctx context.Context, x HTTPExchange) {
	if f, ok := ctx.Value(httpTraceKey{}).(func(HTTPExchange)); ok {
		f(x)
	}
}
