package config

import (
	"strings"
	"testing"
)

// TestStatusToken: server.statusToken must be long enough and not a SCIM
// token, and the message never quotes it.
func TestStatusToken(t *testing.T) {
	for _, tc := range []struct {
		name, token, want string
	}{
		{"unset", "", ""},
		{"random", "st-0123456789abcdef", ""},
		{"short", "st-short", "server.statusToken: is shorter than 16 characters"},
		{"a SCIM token", "demo-token-0123456789", "server.statusToken: is also in server.auth.bearerTokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			c.Server.Auth.BearerTokens = []string{"demo-token-0123456789"}
			c.Server.StatusToken = tc.token
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), tc.token):
				t.Fatalf("the message quotes the token: %v", err)
			}
		})
	}
}
