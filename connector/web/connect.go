package web

import (
	"fmt"
	"net"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
)

// ConnectTarget is one place a SCIM client is told where the bridge is.
// The start-up banner, `scim2ldap check` and the status page all show
// these, so they live here, below both cmd and connector.
type ConnectTarget struct {
	Client string // e.g. "Okta Provisioning Agent, SCIM 1.1"
	Field  string // the client's field the URL goes in
	URL    string
	Auth   string // what the client's authentication settings take
	Other  string // another setting the client needs, "" if none
}

// ConnectInfo builds the URLs each client is given, from the listener's
// address (bound: the real port of ":0"), scheme and the host's name, and
// notes about what keeps a client from reaching it. It never holds a
// secret: the auth texts name where the token is, not the token.
func ConnectInfo(cfg *config.Config, listen string, hostname func() (string, error)) ([]ConnectTarget, []string) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		host, port = listen, ""
	}
	var notes []string
	ip := net.ParseIP(host)
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		// Every interface: clients reach it by the host's name.
		name, err := hostname()
		if err != nil || name == "" {
			name = "<this host's name>"
			notes = append(notes, "could not read this host's name; put its DNS name in the URLs")
		}
		host = name
	case strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback():
		notes = append(notes, fmt.Sprintf("server.listen %s is loopback: only a client on this machine (an Okta Provisioning Agent installed here) can connect; "+
			"for Okta cloud, Entra or an agent on another host, listen on 0.0.0.0:8443 with server.tls", listen))
	}
	scheme := "http"
	if cfg.Server.TLS.CertFile != "" {
		scheme = "https"
	} else {
		notes = append(notes, "plain HTTP: Okta cloud and Entra connect only over HTTPS (set server.tls); the Okta Provisioning Agent takes http:// only on a trusted network")
	}
	root := scheme + "://" + host
	if port != "" {
		root = scheme + "://" + net.JoinHostPort(host, port)
	}
	v2 := root + strings.TrimSuffix(cfg.Server.BasePath, "/")

	a := cfg.Server.Auth
	tokens := len(a.BearerTokens) > 0 || a.TokenFile != ""
	var users []string
	for _, u := range a.Basic {
		users = append(users, u.Username)
	}
	var agent, app []string
	if tokens {
		agent = append(agent, `HTTP Header, name Authorization, value "Bearer <token>"`)
		app = append(app, `HTTP Header, Authorization "Bearer <token>"`)
	}
	if len(users) > 0 {
		basic := "Basic Auth as " + strings.Join(users, " or ") + " with its password"
		agent, app = append(agent, basic), append(app, basic)
	}
	if a.None {
		agent, app = append(agent, "None (server.auth.none)"), append(app, "none (server.auth.none)")
	}
	tokenWhere := "<token> is a bearer token of server.auth (scim2ldap token makes one)"
	entra := `Secret Token: the bearer token, without "Bearer "`
	if !tokens {
		entra = "needs a bearer token, which server.auth does not have: run scim2ldap token and add it"
	}

	var out []ConnectTarget
	if len(cfg.Server.V1BasePaths) > 0 {
		out = append(out, ConnectTarget{"Okta Provisioning Agent, SCIM 1.1", "SCIM connector base URL",
			root + strings.TrimSuffix(cfg.Server.V1BasePaths[0], "/") + "/", strings.Join(agent, "; or "), "Unique user field name: userName"})
	}
	out = append(out,
		ConnectTarget{"Okta Provisioning Agent, SCIM 2.0 (agent 2.1+)", "SCIM connector base URL", v2 + "/", strings.Join(agent, "; or "), "Unique user field name: userName"},
		ConnectTarget{"Okta SCIM app", "SCIM connector base URL", v2, strings.Join(app, "; or "), "Unique identifier field for users: userName"},
		// aadOptscim062020: Entra's standards-compliant PATCH dialect
		// (boolean active, filtered member removal); both are accepted.
		ConnectTarget{"Microsoft Entra ID", "Tenant URL", v2 + "?aadOptscim062020", entra, ""},
	)
	if tokens {
		notes = append(notes, tokenWhere)
	}
	return out, notes
}
