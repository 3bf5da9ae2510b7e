package config

import (
	"fmt"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) check(p *problems) {
	if host, port, err := net.SplitHostPort(s.Listen); err != nil {
		p.add("server.listen", "%q is not host:port; write e.g. 127.0.0.1:8080, or :8080 for every interface", s.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.add("server.listen", "port %q is not a number from 1 to 65535; write e.g. %s", port, net.JoinHostPort(host, "8080"))
	}
	s.checkBasePath(p)
	if s.BodyLimit <= 0 {
		p.add("server.bodyLimit", "must be more than 0; write e.g. 4MiB")
	}
	if s.MaxResults < 1 || s.MaxResults > 10000 {
		p.add("server.maxResults", "%d is out of range; use 1 to 10000", s.MaxResults)
	}
	s.checkLimits(p)
	if s.HealthListen != "" {
		if host, port, err := net.SplitHostPort(s.HealthListen); err != nil {
			p.add("server.healthListen", "%q is not host:port; write e.g. 127.0.0.1:9090, or remove it to serve /healthz, /readyz and /metrics on server.listen", s.HealthListen)
		} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			p.add("server.healthListen", "port %q is not a number from 1 to 65535; write e.g. %s", port, net.JoinHostPort(host, "9090"))
		} else if s.HealthListen == s.Listen {
			p.add("server.healthListen", "%q is the same as server.listen; use another port, or remove healthListen to serve health and metrics on server.listen", s.HealthListen)
		}
	}
	s.TLS.check(p)
	s.Auth.check(p, s.TLS.ClientCAFile != "")
	s.checkStatusToken(p)
}

// checkStatusToken never quotes the token.
func (s *Server) checkStatusToken(p *problems) {
	if s.StatusToken == "" {
		return
	}
	if len(s.StatusToken) < 16 {
		p.add("server.statusToken", "is shorter than 16 characters; use a random one (scim2ldap token prints one), or remove it to serve /status to loopback clients only")
	}
	if slices.Contains(s.Auth.BearerTokens, s.StatusToken) {
		p.add("server.statusToken", "is also in server.auth.bearerTokens; give the status page a token of its own (scim2ldap token prints one), so that it does not open SCIM")
	}
}

func (s *Server) checkBasePath(p *problems) {
	bp := s.BasePath
	switch {
	case !strings.HasPrefix(bp, "/"):
		p.add("server.basePath", `%q must start with "/"; write e.g. /scim/v2`, bp)
	case strings.ContainsAny(bp, "?#% \t"):
		p.add("server.basePath", "%q must be a plain URL path without query, fragment, spaces or %%-escapes; write e.g. /scim/v2", bp)
	case bp != "/" && path.Clean(bp) != bp:
		p.add("server.basePath", "%q is not a clean path; write %s", bp, path.Clean(bp))
	}
	for i, v1 := range s.V1BasePaths {
		if v1 == bp || v1 == "/" {
			p.add(fmt.Sprintf("server.v1BasePaths[%d]", i), "%q must differ from server.basePath and not be /; write e.g. /scim/v1", v1)
		}
	}
	for _, resource := range []string{"/Users", "/Groups"} {
		if trimmed, ok := cutSuffixFold(bp, resource); ok {
			p.add("server.basePath", "%q ends in %s, but the base path must be the SCIM root, e.g. /scim/v2; write %s and clients add %s themselves",
				bp, resource, nonEmpty(trimmed, "/"), resource)
		}
	}
}

func (t *ServerTLS) check(p *problems) {
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		p.add("server.tls.keyFile", "missing while server.tls.certFile is set; set the PEM private key file, or remove certFile to serve plain HTTP")
	case t.CertFile == "" && t.KeyFile != "":
		p.add("server.tls.certFile", "missing while server.tls.keyFile is set; set the PEM certificate file, or remove keyFile to serve plain HTTP")
	}
	checkFile(p, "server.tls.certFile", t.CertFile)
	checkFile(p, "server.tls.keyFile", t.KeyFile)
	if t.ClientCAFile != "" && t.CertFile == "" {
		p.add("server.tls.clientCAFile", "client certificates need HTTPS; set server.tls.certFile and keyFile, or remove clientCAFile")
	}
	checkFile(p, "server.tls.clientCAFile", t.ClientCAFile)
}

// check never quotes tokens or passwords: they are secrets. clientCerts
// says server.tls.clientCAFile authenticates clients too.
func (a *Auth) check(p *problems, clientCerts bool) {
	hasOther := len(a.BearerTokens) > 0 || a.TokenFile != "" || len(a.Basic) > 0
	switch {
	case a.None && hasOther:
		p.add("server.auth.none", "true cannot be combined with other methods; remove none: true, or remove bearerTokens, tokenFile and basic")
	case !a.None && !hasOther && !clientCerts:
		p.add("server.auth", "no authentication configured; set server.auth.bearerTokens, server.auth.tokenFile or server.auth.basic, "+
			"or set server.auth.none: true to accept every request")
	}
	for i, token := range a.BearerTokens {
		path := fmt.Sprintf("server.auth.bearerTokens[%d]", i)
		switch {
		case token == "":
			p.add(path, "empty token (an unset ${VAR}?); remove the entry or give the variable a value")
		case strings.ContainsAny(token, " \t\r\n"):
			p.add(path, "the token contains spaces or line breaks, which clients cannot send; remove them")
		}
	}
	seen := map[string]int{}
	for i, u := range a.Basic {
		u.check(p, fmt.Sprintf("server.auth.basic[%d]", i))
		if first, dup := seen[u.Username]; dup && u.Username != "" {
			p.add(fmt.Sprintf("server.auth.basic[%d].username", i), "%q is already listed as server.auth.basic[%d]; remove one", u.Username, first)
		} else {
			seen[u.Username] = i
		}
	}
}

func (u *BasicUser) check(p *problems, path string) {
	switch {
	case u.Username == "":
		p.add(path+".username", "missing; set the user name the SCIM client sends")
	case strings.Contains(u.Username, ":"):
		p.add(path+".username", `%q contains ":", which HTTP Basic uses as the separator; choose a name without it`, u.Username)
	}
	switch {
	case u.Password != "" && u.PasswordHash != "":
		p.add(path, "set exactly one of password or passwordHash, not both")
	case u.Password == "" && u.PasswordHash == "":
		p.add(path, "set exactly one of password (prefer ${VAR}) or passwordHash (a bcrypt hash)")
	case u.PasswordHash != "" && !isBcrypt(u.PasswordHash):
		p.add(path+".passwordHash", "not a bcrypt hash; it must start with $2a$, $2b$ or $2y$ and be 60 characters long "+
			"(create one with: htpasswd -nB user | cut -d: -f2)")
	}
}

func isBcrypt(h string) bool {
	return len(h) == 60 && (strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$"))
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// checkLimits covers the protection settings (see README "Security").
func (s *Server) checkLimits(p *problems) {
	if s.RequestTimeout <= 0 {
		p.add("server.requestTimeout", "must be more than 0; write e.g. 30s (Okta gives up after 60s)")
	}
	if s.MaxInFlight < 1 || s.MaxInFlight > 100000 {
		p.add("server.maxInFlight", "%d is out of range; use 1 to 100000, e.g. 32", s.MaxInFlight)
	}
	if s.QueueTimeout <= 0 || s.QueueTimeout > time.Minute {
		p.add("server.queueTimeout", "%s is out of range; use more than 0 and at most 1m, e.g. 1s", s.QueueTimeout)
	}
	if s.MaxMembersPerPatch < 1 {
		p.add("server.maxMembersPerPatch", "%d is out of range; use 1 or more, e.g. 1000", s.MaxMembersPerPatch)
	}
	if s.UnmappedAttributes != UnmappedWarn && s.UnmappedAttributes != UnmappedReject {
		p.add("server.unmappedAttributes", "%q is not a policy; write warn (accept, log and count) or reject (400)", s.UnmappedAttributes)
	}
	if s.MaxStringLength < 1024 {
		p.add("server.maxStringLength", "%s is too small for real requests; use at least 1KiB, e.g. 64KiB", s.MaxStringLength)
	}
	if s.MaxAuthFailures < -1 {
		p.add("server.maxAuthFailures", "%d is out of range; use 1 or more (e.g. 10), or -1 to turn the limit off", s.MaxAuthFailures)
	}
	if s.AuthFailureWindow <= 0 {
		p.add("server.authFailureWindow", "must be more than 0; write e.g. 1m")
	}
}
