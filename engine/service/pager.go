package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// pageKeySecret names the store's secret that signs page tokens: kept in
// the database, a token stays valid across a restart of the server.
const pageKeySecret = "page-token-key"

// pageMACSize is how many bytes of the HMAC-SHA256 a page token carries.
const pageMACSize = 16

// pager signs and opens page tokens (nextToken) with an HMAC key.
type pager struct {
	key []byte
}

// mac is the tag of a token's payload.
func (p *pager) mac(payload string) []byte {
	h := hmac.New(sha256.New, p.key)
	h.Write([]byte(payload))
	return h.Sum(nil)[:pageMACSize]
}

// seal returns the token for position pos of a listing of kind.
func (p *pager) seal(kind, pos string) string {
	payload := kind + "\x00" + pos
	return base64.RawURLEncoding.EncodeToString(append([]byte(payload), p.mac(payload)...))
}

// open returns the position of a token seal made for kind; false when the
// token is malformed, was not made by this key or is for another kind.
func (p *pager) open(tok, kind string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < pageMACSize {
		return "", false
	}
	payload, tag := string(b[:len(b)-pageMACSize]), b[len(b)-pageMACSize:]
	if !hmac.Equal(tag, p.mac(payload)) {
		return "", false
	}
	k, pos, ok := strings.Cut(payload, "\x00")
	if !ok || k != kind {
		return "", false
	}
	return pos, true
}
