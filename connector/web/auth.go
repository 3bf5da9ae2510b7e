package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

// Authenticator checks the Authorization header against the configured
// credentials. Tokens are compared as SHA-256 digests in constant time, so
// neither a token's content nor its length leaks through timing.
type Authenticator struct {
	none     bool
	tokens   [][32]byte
	basic    []config.BasicUser
	failures *FailureLimiter // nil: no limit
	verified *verifiedCache  // Basic credentials that passed bcrypt
	log      *slog.Logger
	reloaded atomic.Pointer[Authenticator] // installed by Reload; see current
}

// NewAuthenticator checks requests against cfg; failures (nil: no limit)
// is shared across reloads, so a reload does not reset an attacker's count.
func NewAuthenticator(cfg config.Auth, failures *FailureLimiter, log *slog.Logger) *Authenticator {
	a := &Authenticator{none: cfg.None, basic: cfg.Basic, failures: failures, verified: newVerifiedCache(), log: log}
	for _, t := range cfg.BearerTokens {
		a.tokens = append(a.tokens, sha256.Sum256([]byte(t)))
	}
	return a
}

// check returns the client name for the audit log, or ok=false and why, in
// words that never contain the presented secret.
func (a *Authenticator) check(header string) (client, why string, ok bool) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", "no Authorization header", false
	}
	scheme, rest, _ := strings.Cut(header, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		client, ok = a.token(strings.TrimSpace(rest))
		return client, "unknown bearer token", ok
	case "basic":
		return a.basicAuth(strings.TrimSpace(rest))
	}
	// Okta's "HTTP Header" auth pastes the token as the whole value.
	client, ok = a.token(header)
	return client, "unknown token (sent without a scheme)", ok
}

func (a *Authenticator) token(t string) (string, bool) {
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

// basicAuth names the user in why only when it is a configured one: an
// unknown "user name" may well be a password typed into the wrong field.
func (a *Authenticator) basicAuth(enc string) (client, why string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "Basic credentials are not base64", false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "Basic credentials without user:password", false
	}
	why = "unknown Basic user"
	known := false
	// An unknown user costs a bcrypt comparison too (against the first
	// configured hash, result ignored), so that the answer's timing does
	// not tell which user names exist.
	defer func() {
		if !known {
			for _, b := range a.basic {
				if b.PasswordHash != "" {
					_ = bcrypt.CompareHashAndPassword([]byte(b.PasswordHash), []byte(pass))
					break
				}
			}
		}
	}()
	for _, b := range a.basic {
		if subtle.ConstantTimeCompare([]byte(user), []byte(b.Username)) != 1 {
			continue
		}
		known = true
		why = fmt.Sprintf("wrong password for Basic user %q", b.Username)
		if b.PasswordHash != "" {
			d := a.verified.digest(user, pass, b.PasswordHash)
			if a.verified.has(d, time.Now()) {
				return "basic:" + b.Username, "", true
			}
			if bcrypt.CompareHashAndPassword([]byte(b.PasswordHash), []byte(pass)) == nil {
				a.verified.add(d, time.Now())
				return "basic:" + b.Username, "", true
			}
			continue
		}
		pd, wd := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(b.Password))
		if subtle.ConstantTimeCompare(pd[:], wd[:]) == 1 {
			return "basic:" + b.Username, "", true
		}
	}
	return "", why, false
}

// Schemes tells which kinds of credentials are configured, for
// ServiceProviderConfig's authenticationSchemes.
func (a *Authenticator) Schemes() (bearer, basic bool) {
	return len(a.tokens) > 0, len(a.basic) > 0
}

// challenge is the WWW-Authenticate value listing the accepted schemes.
func (a *Authenticator) challenge() string {
	var c []string
	if len(a.tokens) > 0 {
		c = append(c, `Bearer realm="scim2ldap"`)
	}
	if len(a.basic) > 0 {
		c = append(c, `Basic realm="scim2ldap"`)
	}
	return strings.Join(c, ", ")
}

func (a *Authenticator) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := a.current()
			if a.none {
				return next(c)
			}
			if client, ok := ClientCertIdentity(c.Request()); ok {
				return next(withClient(c, client))
			}
			r := c.Request()
			addr := clientAddr(r)
			wait, settle, admitted := a.failures.admit(addr, time.Now())
			if !admitted {
				secs := retryAfter(wait)
				a.log.DebugContext(r.Context(), "authentication refused: too many failures", "remote", addr)
				noteAuthFailure(r.Context(), "too many failed authentications from this address")
				c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
				return WriteError(c, http.StatusTooManyRequests, "", fmt.Sprintf(
					"Too many failed authentications from this address; retry after %d seconds with the right credentials.", secs))
			}
			h := r.Header.Get("Authorization")
			client, why, ok := a.check(h)
			settle(!ok)
			if !ok {
				a.log.WarnContext(r.Context(), "authentication failed", "remote", addr, "reason", why)
				noteAuthFailure(r.Context(), why)
				detail := "The credentials were not accepted. Send Authorization: Bearer <token>, the token alone, or HTTP Basic, as configured in server.auth."
				if strings.TrimSpace(h) == "" {
					detail = "Authorization header missing. Send Authorization: Bearer <token> (or HTTP Basic, as configured in server.auth)."
				}
				c.Response().Header().Set("WWW-Authenticate", a.challenge())
				return WriteError(c, http.StatusUnauthorized, "", detail)
			}
			return next(withClient(c, client))
		}
	}
}

// Reload installs credentials from cfg for the requests after it; the
// failure limiter carries over.
func (a *Authenticator) Reload(cfg config.Auth) {
	cur := a.current()
	a.reloaded.Store(NewAuthenticator(cfg, cur.failures, a.log))
}

// current is the authenticator in force: the one the last Reload
// installed, else a itself.
func (a *Authenticator) current() *Authenticator {
	if n := a.reloaded.Load(); n != nil {
		return n
	}
	return a
}
