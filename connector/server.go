// Package connector is the SCIM side of scim2ldap: the echo server,
// authentication, the SCIM resource handlers (on elimity-com/scim) and the
// translation between SCIM resources and directory entries.
package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Server is the HTTP side of the bridge.
type Server struct {
	cfg          *config.Config
	echo         *echo.Echo
	auth         *authenticator
	log          *slog.Logger
	maxResults   int
	passwords    bool
	deactivation bool
	groups       bool
	throttle     *throttle  // server.maxInFlight, queueTimeout, requestTimeout
	bodies       bodyChecks // server.maxStringLength, maxMembersPerPatch
	ops          *ops       // metrics, health, TLS, reload, dry run (ops.go)
}

// New builds the HTTP server for a validated configuration.
func New(cfg *config.Config, store *ldapstore.Store, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Entra sends booleans as strings ("False"); the switch is a global of
	// the library.
	schema.SetAllowStringValues(true)

	s := &Server{
		cfg:          cfg,
		auth:         newAuthenticator(cfg.Server.Auth, newFailureLimiter(cfg.Server.MaxAuthFailures, cfg.Server.AuthFailureWindow), log),
		log:          log,
		maxResults:   cfg.Server.MaxResults,
		passwords:    cfg.Users.Password.Attribute != "-",
		deactivation: cfg.Users.Deactivation.Strategy != "none",
		groups:       cfg.Groups.Enabled(),
		throttle:     newThrottle(cfg.Server.MaxInFlight, cfg.Server.QueueTimeout, cfg.Server.RequestTimeout),
		bodies:       bodyChecks{maxString: int(cfg.Server.MaxStringLength), maxMembers: cfg.Server.MaxMembersPerPatch},
	}
	for _, w := range cfg.Warnings() {
		log.Warn("SECURITY: " + w)
	}
	o, err := newOps(cfg, store)
	if err != nil {
		return nil, err
	}
	s.ops = o
	types, err := resourceTypes(cfg, store, log)
	if err != nil {
		return nil, err
	}
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			DocumentationURI: optional.NewString(documentationURI),
			MaxResults:       cfg.Server.MaxResults,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: types,
	})
	if err != nil {
		return nil, fmt.Errorf("scim server: %w", err)
	}
	s.echo = s.routes(srv)
	return s, nil
}

// resourceTypes compiles the mappings and builds the User (and, when
// groups.baseDN is set, Group) resource types.
func resourceTypes(cfg *config.Config, store *ldapstore.Store, log *slog.Logger) ([]scim.ResourceType, error) {
	audit := &auditLog{log: log}
	uSchemas, uExts := mapping.UserSchemas(cfg.Users.Attributes)
	u := &users{cfg: cfg.Users}
	if err := u.dirType.init("User", "users", store, log, audit, cfg.Users.BaseDN, cfg.Users.Filter, cfg.Users.IDAttribute, cfg.Users.Attributes, uSchemas, uExts, mapping.UserReserved); err != nil {
		return nil, err
	}
	var err error
	if u.ids, err = ldapstore.ParseIDFormat(cfg.Users.IDFormat); err != nil {
		return nil, fmt.Errorf("users.idFormat: %w", err)
	}
	u.created, u.modified = cfg.Users.CreatedAttribute, cfg.Users.ModifiedAttribute
	u.filter.specials = u.userSpecials()
	u.filter.aliases = map[string]string{"email": "emails"}
	types := []scim.ResourceType{{
		ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
		Description: optional.NewString("User accounts in the directory"),
		Schema:      uSchemas.Core, SchemaExtensions: uExts, Handler: u,
	}}
	if !cfg.Groups.Enabled() {
		return types, nil
	}
	gSchemas, gExts := mapping.GroupSchemas(cfg.Groups.Attributes)
	g := &groups{cfg: cfg.Groups, users: u, byDN: cfg.Groups.Model != config.PosixGroup}
	if err := g.dirType.init("Group", "groups", store, log, audit, cfg.Groups.BaseDN, cfg.Groups.Filter, cfg.Groups.IDAttribute, cfg.Groups.Attributes, gSchemas, gExts, mapping.GroupReserved); err != nil {
		return nil, err
	}
	if g.ids, err = ldapstore.ParseIDFormat(cfg.Groups.IDFormat); err != nil {
		return nil, fmt.Errorf("groups.idFormat: %w", err)
	}
	g.created, g.modified = cfg.Groups.CreatedAttribute, cfg.Groups.ModifiedAttribute
	g.filter.specials = g.groupSpecials()
	u.groups = g
	return append(types, scim.ResourceType{
		ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
		Description: optional.NewString("Groups in the directory"),
		Schema:      gSchemas.Core, SchemaExtensions: gExts, Handler: g,
	}), nil
}

func (s *Server) routes(srv scim.Server) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.httpError
	e.Use(s.operations, s.requestLog)
	base := s.cfg.Server.BasePath
	g := e.Group(base, pathHint(base), s.auth.middleware(), readBody(int64(s.cfg.Server.BodyLimit)), s.versionHint)
	g.Any("/ServiceProviderConfig", s.handleSPC)
	g.Any("/ServiceProviderConfigs", s.handleSPC)
	lib := echo.WrapHandler(http.StripPrefix(base, srv))
	g.Any("/*", lib, s.bodies.middleware, s.throttle.middleware, takeFilter, fixResponses(base))
	for _, v1 := range s.cfg.Server.V1BasePaths {
		g1 := e.Group(v1, s.v1Answer, pathHint(v1), s.auth.middleware(), readBody(int64(s.cfg.Server.BodyLimit)), s.v1Request)
		g1.Any("/ServiceProviderConfigs", s.handleSPC11)
		g1.Any("/ServiceProviderConfig", s.handleSPC11)
		g1.Any("/*", echo.WrapHandler(http.StripPrefix(v1, srv)), s.bodies.middleware, s.throttle.middleware, takeFilter, fixResponses(v1))
	}
	return e
}

// Handler is the whole HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.front() }

// httpError answers echo's own errors (unknown routes, panics) as SCIM Errors.
func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	detail := "Internal error; see the bridge's log."
	if he, ok := err.(*echo.HTTPError); ok {
		status = he.Code
		detail = fmt.Sprint(he.Message)
	}
	if status == http.StatusNotFound {
		detail = fmt.Sprintf("No SCIM endpoint at %s. The SCIM base URL is <scheme>://<host>:<port>%s/", c.Request().URL.Path, s.cfg.Server.BasePath)
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "err", err)
	}
	_ = writeError(c, status, "", detail)
}

// requestLog gives each request an id and logs one line per request. It
// never logs headers or bodies: they carry tokens and passwords.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := c.Request().Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\r\n") {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set("X-Request-Id", id)
		r := c.Request()
		c.SetRequest(r.WithContext(withRequestID(r.Context(), id)))
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.log.InfoContext(c.Request().Context(), "request",
			"method", r.Method, "path", r.URL.Path, "status", c.Response().Status,
			"duration_ms", time.Since(start).Milliseconds(), "client", clientName(c.Request().Context()))
		return nil
	}
}

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, health, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, l, health)
}
