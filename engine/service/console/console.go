// Package console is the web console of stepwise serve: a page that lists
// state machines, draws each definition as a graph (laid out in the
// browser with dagre), lists executions, shows one execution live (its
// path coloured on the graph, its history a page at a time, each state's
// input, output and data-flow steps) and starts, stops and redrives
// executions. It reads and acts through the service's own API operations
// (service.Service.Call), so it sees exactly what an AWS SDK sees.
//
// Everything it serves is embedded (assets/, with dagre vendored at a
// pinned version): nothing is fetched at run time. The page sets a strict
// Content-Security-Policy (scripts and styles only from the console
// itself, no inline script) and builds the DOM with textContent only, so
// names and payloads, which executions control, always show as text.
//
// WritePage writes the same execution view as one self-contained HTML
// file (stepwise run --html).
package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/integrations/mock"
)

//go:embed assets
var assets embed.FS

// API runs Step Functions API operations: *service.Service does.
type API interface {
	Call(ctx context.Context, operation string, in []byte) ([]byte, error)
}

var _ API = (*service.Service)(nil)

// Options configure a Console.
type Options struct {
	API API // required
	// Traces, when set, holds the executions' data-flow traces (give its
	// Tracer to service.Options.Tracer); nil: the state view shows the
	// input and output from the history only.
	Traces *Traces
	// Mocks is the service's MockConfigFile: its test cases are offered
	// when starting an execution.
	Mocks *mock.Config
	// Credentials, when set, are the access keys (id → secret) that may log
	// in: every page and call then needs a session from the login form.
	// nil: no login (serve listens on loopback only), and requests must
	// name a loopback host, so that a web page cannot reach the console
	// through DNS rebinding.
	Credentials map[string]string
	// Logger receives the console's logs (nil: none).
	Logger *slog.Logger
}

// Console is the web console, an http.Handler for GET / and /console/.
type Console struct {
	opts     Options
	log      *slog.Logger
	static   fs.FS
	sessions *sessions

	mu      sync.Mutex
	graphs  *lru[*graphEntry]     // by definition hash
	done    *lru[*Summary]        // summaries of ended executions, by ARN
	running *lru[*runningSummary] // of running ones, by ARN
	sumMu   sync.Mutex            // one summary is built at a time
}

// New returns a console.
func New(opts Options) (*Console, error) {
	if opts.API == nil {
		return nil, errors.New("console: no API")
	}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{opts: opts, log: opts.Logger, static: static, graphs: newLRU[*graphEntry](32), done: newLRU[*Summary](64),
		running: newLRU[*runningSummary](16)}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opts.Credentials != nil {
		c.sessions = newSessions(12 * time.Hour)
	}
	return c, nil
}

// Mount adds the console's routes to mux: GET / (the page), /console/...
// (its assets, login and JSON API). POST / stays the Step Functions API's.
func (c *Console) Mount(mux *http.ServeMux) {
	mux.Handle("GET /{$}", c)
	mux.Handle("/console/", c)
}

// csp is the Content-Security-Policy of everything the console serves.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin") // not no-referrer: Chromium then sends "Origin: null" on same-origin form posts
	h.Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("console: panic serving a request", "path", r.URL.Path, "panic", p)
			writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "internal error")
		}
	}()
	if c.opts.Credentials == nil && !loopbackHost(r.Host) {
		http.Error(w, "the console answers on a loopback host only (localhost, 127.0.0.1, [::1])", http.StatusMisdirectedRequest)
		return
	}
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/console/assets/"):
		c.serveAsset(w, r, strings.TrimPrefix(p, "/console/assets/"))
		return
	case p == "/console/login":
		c.serveLogin(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		writeJSONError(w, http.StatusForbidden, "Forbidden", "cross-origin request refused")
		return
	}
	if c.sessions != nil && !c.sessions.valid(r) {
		if strings.HasPrefix(p, "/console/api/") || r.Method != http.MethodGet {
			writeJSONError(w, http.StatusUnauthorized, "Unauthorized", "log in first")
			return
		}
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		return
	}
	if c.opts.Traces != nil {
		c.opts.Traces.Watch()
	}
	switch {
	case p == "/" || p == "/console/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		c.serveFile(w, r, "index.html")
	case p == "/console/logout":
		c.serveLogout(w, r)
	case strings.HasPrefix(p, "/console/api/"):
		c.serveAPI(w, r, strings.TrimPrefix(p, "/console/api/"))
	default:
		http.NotFound(w, r)
	}
}

// serveAsset serves one embedded file (no directory listings).
func (c *Console) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name = path.Clean(name)
	if name == "." || strings.HasPrefix(name, "..") || strings.HasSuffix(name, ".html") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	c.serveFile(w, r, name)
}

func (c *Console) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	data, err := fs.ReadFile(c.static, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml"}[path.Ext(name)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(data)
}

// loopbackHost reports whether a Host header names this machine's loopback.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = strings.Trim(host, "[]")
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether a state-changing request comes from the
// console's own page: its Origin (sent by browsers on every POST) names
// the host it was sent to, and JSON calls carry the console's header,
// which a cross-origin page cannot add without a preflight the console
// never grants.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		if o == "null" || !strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(o, "http://"), "https://"), r.Host) {
			return false
		}
	}
	if r.URL.Path == "/console/login" || r.URL.Path == "/console/logout" {
		return true
	}
	return r.Header.Get("X-Stepwise-Console") == "1"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "encoding the response")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	data, _ := json.Marshal(map[string]string{"error": typ, "message": msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// hashOf is the hex SHA-256 of s.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// lru is a small least-recently-used map.
type lru[V any] struct {
	max   int
	keys  []string
	items map[string]V
}

func newLRU[V any](max int) *lru[V] { return &lru[V]{max: max, items: map[string]V{}} }

func (l *lru[V]) get(k string) (V, bool) {
	v, ok := l.items[k]
	if ok {
		l.touch(k)
	}
	return v, ok
}

func (l *lru[V]) touch(k string) {
	for i, key := range l.keys {
		if key == k {
			l.keys = append(append(l.keys[:i:i], l.keys[i+1:]...), k)
			return
		}
	}
}

func (l *lru[V]) remove(k string) {
	if _, ok := l.items[k]; !ok {
		return
	}
	delete(l.items, k)
	for i, key := range l.keys {
		if key == k {
			l.keys = append(l.keys[:i:i], l.keys[i+1:]...)
			return
		}
	}
}

func (l *lru[V]) put(k string, v V) {
	if _, ok := l.items[k]; ok {
		l.items[k] = v
		l.touch(k)
		return
	}
	l.items[k] = v
	l.keys = append(l.keys, k)
	for len(l.keys) > l.max {
		delete(l.items, l.keys[0])
		l.keys = l.keys[1:]
	}
}
