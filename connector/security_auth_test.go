package connector_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

func TestAuthenticationMethods(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("agent-Secret-9"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b := bridge{cfg: func(c *config.Config) {
		c.Server.Auth.BearerTokens = []string{"old-token-AAAA", "new-token-BBBB"}
		c.Server.Auth.Basic = []config.BasicUser{{Username: "okta-agent", PasswordHash: string(hash)}}
		c.Server.MaxAuthFailures = -1 // the limit has its own test
	}}.start(t)
	tests := []struct {
		name, auth string
		status     int
	}{
		{"first token", "Bearer old-token-AAAA", 200},
		{"second token (rotation)", "Bearer new-token-BBBB", 200},
		{"bare token (Okta HTTP Header)", "new-token-BBBB", 200},
		{"scheme in other case", "bearer old-token-AAAA", 200},
		{"Basic with the bcrypt password", basicHeader("okta-agent", "agent-Secret-9"), 200},
		{"retired token", "Bearer " + exampleToken, 401},
		{"token prefix", "Bearer old-token-AAA", 401},
		{"token with a suffix", "Bearer old-token-AAAAx", 401},
		{"Basic wrong password", basicHeader("okta-agent", "guess-Wrong-1"), 401},
		{"Basic unknown user", basicHeader("P@ssw0rd-typed-as-user", "x"), 401},
		{"Basic not base64", "Basic %%%", 401},
		{"missing", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			r, err := b.send(http.DefaultClient, "GET", "/Users?count=1", "", h)
			if err != nil {
				t.Fatal(err)
			}
			if tt.status == 200 {
				r.want(t, 200)
				return
			}
			r.wantError(t, tt.status, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	t.Run("failures are logged without the secret", func(t *testing.T) {
		logs := b.logs.String()
		if n := strings.Count(logs, "authentication failed"); n < 6 {
			t.Errorf("%d failures logged, want every one:\n%s", n, logs)
		}
		for _, secret := range []string{"old-token", "new-token", exampleToken, "agent-Secret-9", "guess-Wrong-1", "P@ssw0rd-typed-as-user", string(hash), "old-token-AAA"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains the secret %q", secret)
			}
		}
		if !strings.Contains(logs, `wrong password for Basic user \"okta-agent\"`) && !strings.Contains(logs, `wrong password for Basic user "okta-agent"`) {
			t.Errorf("the log does not say which configured user failed")
		}
	})
}

// TestAuthFailureLimit: after maxAuthFailures failures an address gets 429
// with an integer Retry-After, even with right credentials, until the
// window refills.
func TestAuthFailureLimit(t *testing.T) {
	b := bridge{cfg: func(c *config.Config) {
		c.Server.MaxAuthFailures = 3
		c.Server.AuthFailureWindow = time.Hour
	}}.start(t)
	wrong := map[string]string{"Authorization": "Bearer guessed-token-1"}
	for i := range 3 {
		r, err := b.send(http.DefaultClient, "GET", "/Users", "", wrong)
		if err != nil {
			t.Fatal(err)
		}
		r.wantError(t, http.StatusUnauthorized, "")
		_ = i
	}
	for _, h := range []map[string]string{wrong, {"Authorization": "Bearer " + exampleToken}} {
		r, err := b.send(http.DefaultClient, "GET", "/Users", "", h)
		if err != nil {
			t.Fatal(err)
		}
		r.wantError(t, http.StatusTooManyRequests, "")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 3600 {
			t.Errorf("Retry-After %q, want integer seconds within the window", r.header.Get("Retry-After"))
		}
	}
	if strings.Contains(b.logs.String(), "guessed-token-1") {
		t.Errorf("the log contains the presented token")
	}
}

// TestSecretsNotLogged runs the requests that carry passwords, at debug
// level, through successes and failures, and looks for them in the log.
func TestSecretsNotLogged(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("secret@corp.local", "Sec", "Ret", "Zebra-Secret-77"))
	b.do("PUT", "/Users/"+id, userBody("secret@corp.local", "Sec", "Ret", "Other-Secret-88")).want(t, http.StatusOK)
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"password":"Third-Secret-99"}}]}`).want(t, http.StatusOK)
	b.do("POST", "/Users", userBody("secret@corp.local", "Sec", "Ret", "Dup-Secret-11")).wantError(t, http.StatusConflict, "uniqueness")
	b.do("POST", "/Users", `{"userName":"x","password":"Bad-Secret-22",`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"y","password":"Dup-Key-33","password":"Dup-Key-44"}`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("GET", "/Users", "", "Authorization: Bearer Guess-Token-55").wantError(t, http.StatusUnauthorized, "")
	if err := b.dir.CanBind("uid=secret@corp.local,"+b.dir.PeopleDN, "Third-Secret-99"); err != nil {
		t.Errorf("the last password was not written: %v", err)
	}
	logs := b.logs.String()
	for _, s := range []string{"Zebra-Secret-77", "Other-Secret-88", "Third-Secret-99", "Dup-Secret-11", "Bad-Secret-22", "Dup-Key-33", "Dup-Key-44", "Guess-Token-55", exampleToken} {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains %q:\n%s", s, grepLines(logs, s))
		}
	}
}
