package connector_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

func TestDiscoveryEndpoints(t *testing.T) {
	b := newBed(t)
	r := b.do("GET", "/ServiceProviderConfig", "").want(t, http.StatusOK)
	if str(r.body, "documentationUri") == "" || str(r.body, "patch.supported") != "true" || str(r.body, "filter.maxResults") != "100" {
		t.Errorf("SPC: %s", r.raw)
	}
	if str(r.body, "authenticationSchemes.0.type") != "oauthbearertoken" {
		t.Errorf("auth schemes do not match the config: %s", r.raw)
	}
	b.do("POST", "/ServiceProviderConfig", "test").wantError(t, http.StatusMethodNotAllowed, "")
	r = b.do("GET", "/ResourceTypes", "").want(t, http.StatusOK)
	if str(r.body, "Resources.0.name") != "User" || str(r.body, "Resources.0.endpoint") != "/Users" {
		t.Errorf("ResourceTypes: %s", r.raw)
	}
	r = b.do("GET", "/Schemas", "").want(t, http.StatusOK)
	if !strings.Contains(string(r.raw), "urn:ietf:params:scim:schemas:core:2.0:User") || !strings.Contains(string(r.raw), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User") {
		t.Errorf("Schemas: %s", r.raw)
	}
}

func TestAuthentication(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("agent-secret"), bcrypt.MinCost)
	b := newBed(t, func(c *config.Config) {
		c.Server.Auth.Basic = []config.BasicUser{{Username: "okta", Password: "plain-secret"}, {Username: "agent", PasswordHash: string(hash)}}
	})
	cases := []struct {
		name   string
		header string
		status int
	}{
		{"bearer", "Authorization: Bearer " + exampleToken, http.StatusOK},
		{"bearer, scheme in other case", "Authorization: bearer " + exampleToken, http.StatusOK},
		{"raw token (Okta HTTP Header auth)", "Authorization: " + exampleToken, http.StatusOK},
		{"basic", "Authorization: " + basicHeader("okta", "plain-secret"), http.StatusOK},
		{"basic with bcrypt hash", "Authorization: " + basicHeader("agent", "agent-secret"), http.StatusOK},
		{"wrong token", "Authorization: Bearer wrong", http.StatusUnauthorized},
		{"wrong basic password", "Authorization: " + basicHeader("okta", "nope"), http.StatusUnauthorized},
		{"token prefix only", "Authorization: Bearer " + exampleToken[:5], http.StatusUnauthorized},
		{"missing", "Authorization:", http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := b.do("GET", "/Users?count=1", "", c.header)
			if c.status == http.StatusOK {
				r.want(t, http.StatusOK)
				return
			}
			r.wantError(t, http.StatusUnauthorized, "")
			if !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(r.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	if strings.Contains(b.logs.String(), exampleToken) || strings.Contains(b.logs.String(), "plain-secret") {
		t.Errorf("a secret reached the log:\n%s", b.logs.String())
	}
}

func TestErrorsDoNotLeakDirectoryDetails(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("leak@corp.local", "L", "Eak", "Pass-1-word"))
	t.Run("body limit", func(t *testing.T) {
		huge := `{"userName":"big","displayName":"` + strings.Repeat("x", 5<<20) + `"}`
		b.do("POST", "/Users", huge).wantError(t, http.StatusRequestEntityTooLarge, "")
		if b.entry("big") != nil {
			t.Errorf("oversized create reached the directory")
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		r := b.do("GET", "/Nope", "")
		if r.status != http.StatusNotFound {
			t.Errorf("status %d", r.status)
		}
	})
	t.Run("directory down is a 500 without LDAP text", func(t *testing.T) {
		if err := b.dir.Kill(); err != nil {
			t.Fatal(err)
		}
		r := b.do("GET", "/Users/"+id, "").wantError(t, http.StatusInternalServerError, "")
		for _, leak := range []string{"dc=", "ou=", "ldap", "LDAP Result", "127.0.0.1"} {
			if strings.Contains(string(r.raw), leak) {
				t.Errorf("%q leaked: %s", leak, r.raw)
			}
		}
		if err := b.dir.Restart(); err != nil {
			t.Fatal(err)
		}
		b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	})
}
