package connector

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

// authenticator checks the Authorization header against the configured
// credentials. Tokens are compared as SHA-256 digests in constant time, so
// neither a token's content nor its length leaks through timing.
type authenticator struct {
	none   bool
	tokens [][32]byte
	basic  []config.BasicUser
}

func newAuthenticator(cfg config.Auth) *authenticator {
	a := &authenticator{none: cfg.None, basic: cfg.Basic}
	for _, t := range cfg.BearerTokens {
		a.tokens = append(a.tokens, sha256.Sum256([]byte(t)))
	}
	return a
}

// check returns the client name for the audit log, or ok=false.
func (a *authenticator) check(header string) (client string, ok bool) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", false
	}
	scheme, rest, _ := strings.Cut(header, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return a.token(strings.TrimSpace(rest))
	case "basic":
		return a.basicAuth(strings.TrimSpace(rest))
	}
	// Okta's "HTTP Header" auth pastes the token as the whole value.
	return a.token(header)
}

func (a *authenticator) token(t string) (string, bool) {
	d := sha256.Sum256([]byte(t))
	match := -1
	for i, want := range a.tokens {
		if subtle.ConstantTimeCompare(d[:], want[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return "", false
	}
	return fmt.Sprintf("token#%d", match+1), true
}

func (a *authenticator) basicAuth(enc string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", false
	}
	for _, b := range a.basic {
		if subtle.ConstantTimeCompare([]byte(user), []byte(b.Username)) != 1 {
			continue
		}
		if b.PasswordHash != "" {
			if bcrypt.CompareHashAndPassword([]byte(b.PasswordHash), []byte(pass)) == nil {
				return "basic:" + b.Username, true
			}
			continue
		}
		pd, wd := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(b.Password))
		if subtle.ConstantTimeCompare(pd[:], wd[:]) == 1 {
			return "basic:" + b.Username, true
		}
	}
	return "", false
}

// challenge is the WWW-Authenticate value listing the accepted schemes.
func (a *authenticator) challenge() string {
	var c []string
	if len(a.tokens) > 0 {
		c = append(c, `Bearer realm="scim2ldap"`)
	}
	if len(a.basic) > 0 {
		c = append(c, `Basic realm="scim2ldap"`)
	}
	return strings.Join(c, ", ")
}

func (a *authenticator) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.none {
				return next(c)
			}
			h := c.Request().Header.Get("Authorization")
			client, ok := a.check(h)
			if !ok {
				detail := "The credentials were not accepted. Send Authorization: Bearer <token>, the token alone, or HTTP Basic, as configured in server.auth."
				if strings.TrimSpace(h) == "" {
					detail = "Authorization header missing. Send Authorization: Bearer <token> (or HTTP Basic, as configured in server.auth)."
				}
				c.Response().Header().Set("WWW-Authenticate", a.challenge())
				return writeError(c, http.StatusUnauthorized, "", detail)
			}
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), ctxClient, client)))
			return next(c)
		}
	}
}
