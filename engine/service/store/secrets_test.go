package store_test

import (
	"bytes"
	"path/filepath"
	"testing"
)

// A secret is random, made once, and the same after the store reopens.
func TestSecretIsKeptAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	a, err := s.Secret(ctx, "k", 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || bytes.Equal(a, make([]byte, 32)) {
		t.Fatalf("secret %x: want 32 random bytes", a)
	}
	again, err := s.Secret(ctx, "k", 32)
	if err != nil || !bytes.Equal(a, again) {
		t.Fatalf("second read %x, %v: want %x", again, err, a)
	}
	other, err := s.Secret(ctx, "other", 32)
	if err != nil || bytes.Equal(a, other) {
		t.Fatalf("another secret %x, %v: want a different one", other, err)
	}
	s.Close()
	s = open(t, path)
	defer s.Close()
	reopened, err := s.Secret(ctx, "k", 32)
	if err != nil || !bytes.Equal(a, reopened) {
		t.Fatalf("after reopening %x, %v: want %x", reopened, err, a)
	}
}
