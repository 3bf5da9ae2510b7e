package web

import (
	"encoding/base64"
	"log/slog"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestBasicVerifiedCache(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("right-Pass-1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := []config.BasicUser{{Username: "agent", PasswordHash: string(hash)}, {Username: "other", PasswordHash: string(hash)}}
	a := NewAuthenticator(config.Auth{Basic: users}, nil, slog.New(slog.DiscardHandler))
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"first check (bcrypt)", basicHeader("agent", "right-Pass-1"), true},
		{"second check (cached)", basicHeader("agent", "right-Pass-1"), true},
		{"wrong password after a right one", basicHeader("agent", "right-Pass-2"), false},
		{"prefix of the right password", basicHeader("agent", "right-Pass-"), false},
		{"other user, same password: own check", basicHeader("other", "right-Pass-1"), true},
		{"unknown user with a cached password", basicHeader("nobody", "right-Pass-1"), false},
	}
	for _, tt := range tests {
		if _, _, ok := a.check(tt.header); ok != tt.ok {
			t.Errorf("%s: ok=%v, want %v", tt.name, ok, tt.ok)
		}
	}
	d := a.verified.digest("agent", "right-Pass-1", string(hash))
	if !a.verified.has(d, time.Now()) {
		t.Fatal("a verified credential is not cached")
	}
	if a.verified.has(d, time.Now().Add(verifiedTTL+time.Second)) {
		t.Errorf("a cached credential outlives verifiedTTL")
	}
	// A reload builds a new authenticator: a changed hash is checked anew.
	newHash, _ := bcrypt.GenerateFromPassword([]byte("new-Pass-3"), bcrypt.MinCost)
	b := NewAuthenticator(config.Auth{Basic: []config.BasicUser{{Username: "agent", PasswordHash: string(newHash)}}}, nil, slog.New(slog.DiscardHandler))
	if _, _, ok := b.check(basicHeader("agent", "right-Pass-1")); ok {
		t.Errorf("the old password works after the hash changed")
	}
	for range verifiedMax + 10 {
		a.verified.add([32]byte{byte(len(a.verified.until)), byte(len(a.verified.until) >> 8)}, time.Now())
	}
	if len(a.verified.until) > verifiedMax {
		t.Errorf("%d cached credentials, max %d", len(a.verified.until), verifiedMax)
	}
}

// BenchmarkBasicAuth measures one Basic check at bcrypt cost 12, as
// `htpasswd -B -C 12` writes: uncached (every failure, and the first
// success) and cached (the Okta agent's following requests).
func BenchmarkBasicAuth(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("agent-Secret-9"), 12)
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Auth{Basic: []config.BasicUser{{Username: "okta-agent", PasswordHash: string(hash)}}}
	h := basicHeader("okta-agent", "agent-Secret-9")
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			a := NewAuthenticator(cfg, nil, slog.New(slog.DiscardHandler))
			if _, _, ok := a.check(h); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		a := NewAuthenticator(cfg, nil, slog.New(slog.DiscardHandler))
		a.check(h)
		for b.Loop() {
			if _, _, ok := a.check(h); !ok {
				b.Fatal("refused")
			}
		}
	})
}
