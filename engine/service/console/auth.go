package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sessionCookie names the console's session cookie.
const sessionCookie = "stepwise_console"

// sessions are the logged-in browsers: random ids, kept in memory until
// they expire or log out.
type sessions struct {
	ttl time.Duration
	mu  sync.Mutex
	ids map[string]time.Time // id → expiry
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, ids: map[string]time.Time{}}
}

func (s *sessions) create() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, exp := range s.ids {
		if now.After(exp) {
			delete(s.ids, k)
		}
	}
	s.ids[id] = now.Add(s.ttl)
	return id
}

// valid reports whether the request carries a live session, as the cookie
// or as "Authorization: Bearer <id>".
func (s *sessions) valid(r *http.Request) bool {
	id := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		id = c.Value
	} else if v, ok := cutPrefixFold(r.Header.Get("Authorization"), "Bearer "); ok {
		id = v
	}
	if id == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.ids[id]
	if ok && time.Now().After(exp) {
		delete(s.ids, id)
		return false
	}
	return ok
}

func (s *sessions) drop(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.ids, c.Value)
		s.mu.Unlock()
	}
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// checkCredentials reports whether id and secret are an accepted access
// key, comparing the secret in constant time.
func (c *Console) checkCredentials(id, secret string) bool {
	want, ok := c.opts.Credentials[id]
	if !ok {
		want = "\x00never"
	}
	eq := subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
	return ok && eq && secret != ""
}

// serveLogin shows the login form (GET) or checks it (POST): the access
// key id and secret serve --auth accepts. A good login sets the session
// cookie (HttpOnly, SameSite=Strict) and goes to the console; the JSON
// answer of a request that asks for it carries the session id as a token.
func (c *Console) serveLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if c.sessions == nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		c.serveFile(w, r, "login.html")
	case http.MethodPost:
		if c.sessions == nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if !sameOrigin(r) {
			writeJSONError(w, http.StatusForbidden, "Forbidden", "cross-origin request refused")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if !c.checkCredentials(r.PostForm.Get("accessKeyId"), r.PostForm.Get("secretAccessKey")) {
			c.log.Warn("console: failed login", "remote", r.RemoteAddr)
			http.Redirect(w, r, "/console/login?failed=1", http.StatusSeeOther)
			return
		}
		id := c.sessions.create()
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(c.sessions.ttl / time.Second)})
		if r.Header.Get("Accept") == "application/json" {
			writeJSON(w, http.StatusOK, map[string]string{"token": id})
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (c *Console) serveLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if c.sessions != nil {
		c.sessions.drop(r)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}
