// Package connector is the SCIM server of scim2ldap: the routes, the SCIM
// 2.0 and 1.1 fronts, the User and Group handlers (on elimity-com/scim),
// PATCH, filter translation, uniqueness, ServiceProviderConfig and the
// schemas it serves, and the one place where directory errors become SCIM
// errors.
//
// Its rooms below it: mapping (SCIM document ↔ directory attributes),
// web (HTTP plumbing: auth, limits, TLS, metrics, health, logs) and
// scimfilter (the filter and path grammar). It talks to the directory only
// through ldapstore and must never import go-ldap; nothing below it
// imports it.
package connector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/discovery"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Server is the HTTP side of the bridge.
type Server struct {
	cfg          *config.Config
	echo         *echo.Echo
	auth         *web.Authenticator
	log          *slog.Logger
	maxResults   int
	passwords    bool
	deactivation bool
	groups       bool
	throttle     *web.Throttle        // server.maxInFlight, queueTimeout, requestTimeout
	bodies       web.BodyChecks       // server.maxStringLength
	maxMembers   int                  // server.maxMembersPerPatch
	ops          *ops                 // metrics, health, TLS, reload, dry run (ops.go)
	discovery    *discovery.Endpoints // /ServiceProviderConfig, /Schemas, /ResourceTypes
	versions     bool                 // some versionAttribute is set (etag.go)
	status       *web.Status          // the /status page (status.go)
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
		auth:         web.NewAuthenticator(cfg.Server.Auth, web.NewFailureLimiter(cfg.Server.MaxAuthFailures, cfg.Server.AuthFailureWindow), log),
		log:          log,
		maxResults:   cfg.Server.MaxResults,
		passwords:    cfg.Users.Password.Attribute != "-",
		deactivation: cfg.Users.Deactivation.Strategy != "none",
		groups:       cfg.Groups.Enabled(),
		versions:     cfg.Users.VersionAttribute != "-" || cfg.Groups.Enabled() && cfg.Groups.VersionAttribute != "-",
		throttle:     web.NewThrottle(cfg.Server.MaxInFlight, cfg.Server.QueueTimeout, cfg.Server.RequestTimeout),
		bodies:       web.BodyChecks{MaxString: int(cfg.Server.MaxStringLength)},
		maxMembers:   cfg.Server.MaxMembersPerPatch,
	}
	for _, w := range cfg.Warnings() {
		log.Warn("SECURITY: " + w)
	}
	o, err := newOps(cfg, store)
	if err != nil {
		return nil, err
	}
	s.ops = o
	s.status = newStatus(cfg, store, o.metrics)
	types, err := resourceTypes(cfg, store, log, &unmappedPolicy{
		reject: cfg.Server.UnmappedAttributes == config.UnmappedReject, log: log,
		count: s.ops.metrics.UnmappedAttribute, seen: map[string]bool{},
	})
	if err != nil {
		return nil, err
	}
	s.discovery = s.newDiscovery(cfg, types)
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			DocumentationURI: optional.NewString(discovery.DocumentationURI),
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
func resourceTypes(cfg *config.Config, store *ldapstore.Store, log *slog.Logger, unmapped *unmappedPolicy) ([]scim.ResourceType, error) {
	audit := &web.AuditLog{Log: log}
	uSchemas, uExts := mapping.UserSchemas(cfg.Users.Attributes)
	u := &users{cfg: cfg.Users, dangling: &danglingSet{}, digestKey: cfg.PasswordDigestKey()}
	if err := u.dirType.init("User", "users", store, log, audit, cfg.Users.BaseDN, cfg.Users.Filter, cfg.Users.IDAttribute, mappedOnly(cfg.Users.Attributes), uSchemas, uExts, mapping.UserReserved); err != nil {
		return nil, err
	}
	var err error
	if u.ids, err = ldapstore.ParseIDFormat(cfg.Users.IDFormat); err != nil {
		return nil, fmt.Errorf("users.idFormat: %w", err)
	}
	u.created, u.modified = cfg.Users.CreatedAttribute, cfg.Users.ModifiedAttribute
	u.version = versionAttr(cfg.Users.VersionAttribute)
	u.stringOrdering = stringOrdering(cfg.Directory)
	u.filter.specials = u.userSpecials()
	kept := []string{"userName", "id", "meta", "schemas", "groups", "active"}
	if cfg.Users.Password.Attribute != "-" {
		kept = append(kept, "password") // else a password sent is unmapped
	}
	u.unmapped, u.builtin = unmapped, names(kept...)
	u.filter.aliases = map[string]string{"email": "emails"}
	u.filter.refs = u.refs().compare
	if err := u.initTree(cfg); err != nil {
		return nil, err
	}
	types := []scim.ResourceType{{
		ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
		Description: optional.NewString("User accounts in the directory"),
		Schema:      uSchemas.Core, SchemaExtensions: uExts, Handler: u,
	}}
	if !cfg.Groups.Enabled() {
		return types, refsNeedGroups("users", u.m)
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
	g.version = versionAttr(cfg.Groups.VersionAttribute)
	g.stringOrdering = stringOrdering(cfg.Directory)
	g.filter.specials = g.groupSpecials()
	g.filter.refs = g.refs().compare
	if err := g.initTree(cfg); err != nil {
		return nil, err
	}
	g.unmapped, g.builtin = unmapped, names("displayName", "members", "id", "meta", "schemas")
	u.groups = g
	return append(types, scim.ResourceType{
		ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
		Description: optional.NewString("Groups in the directory"),
		Schema:      gSchemas.Core, SchemaExtensions: gExts, Handler: g,
	}), nil
}

// versionAttr is a versionAttribute setting, "" for "-" (none).
func versionAttr(attr string) string {
	if attr == "-" {
		return ""
	}
	return attr
}

// stringOrdering: see caseIgnoreOrderingMatch.
func stringOrdering(directory string) string {
	if directory == config.DirectoryOpenLDAP {
		return caseIgnoreOrderingMatch
	}
	return ""
}

// names is a case-insensitive set of attribute names.
func names(list ...string) func(string) bool {
	return func(n string) bool { return mapping.ContainsFold(list, n) }
}

func (s *Server) routes(srv scim.Server) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.httpError
	e.Use(s.operations, s.status.Middleware, web.RequestLog(s.log))
	base := s.cfg.Server.BasePath
	g := e.Group(base, pathHint(base), s.auth.Middleware(), web.ReadBody(int64(s.cfg.Server.BodyLimit), normalizePatch), s.versionHint)
	s.discovery.Routes(g, base, false)
	lib := echo.WrapHandler(http.StripPrefix(base, srv))
	g.Any("/*", lib, trimTrailingSlash, s.resolveETags, notModified, s.bodies.Middleware, s.memberLimit, patchStandIn, s.throttle.Middleware, s.search, takeFilter, refBase(base), fixResponses(base))
	for _, v1 := range s.cfg.Server.V1BasePaths {
		g1 := e.Group(v1, s.v1Answer, pathHint(v1), s.auth.Middleware(), web.ReadBody(int64(s.cfg.Server.BodyLimit), normalizePatch), s.v1Request(v1))
		s.discovery.Routes(g1, v1, true)
		g1.Any("/*", echo.WrapHandler(http.StripPrefix(v1, srv)), trimTrailingSlash, s.resolveETags, notModified, s.bodies.Middleware, s.memberLimit, s.throttle.Middleware, takeFilter, refBase(v1), fixResponses(v1))
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
	_ = web.WriteError(c, status, "", detail)
}

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, health, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, l, health)
}

// newDiscovery hands the discovery endpoints what this configuration does:
// the schemas built from each type's compiled mapping, and the facts
// ServiceProviderConfig reports.
func (s *Server) newDiscovery(cfg *config.Config, types []scim.ResourceType) *discovery.Endpoints {
	var docs []discovery.Type
	for _, t := range types {
		var dt *dirType
		var builtins []mapping.Builtin
		switch h := t.Handler.(type) {
		case *users:
			dt, builtins = &h.dirType, userBuiltins(cfg)
		case *groups:
			dt, builtins = &h.dirType, []mapping.Builtin{
				{Name: "displayName", Required: true, Uniqueness: "server"},
				{Name: "members"},
			}
		default:
			continue
		}
		docs = append(docs, discovery.Type{ID: t.ID.Value(), Name: t.Name, Endpoint: t.Endpoint, Description: t.Description.Value(),
			Schemas: dt.m.Describe(dt.patch.schemas, builtins)})
	}
	bearer, basic := s.auth.Schemes()
	return discovery.New(discovery.Facts{
		MaxResults: s.maxResults, Passwords: s.passwords, Deactivation: s.deactivation, Groups: s.groups,
		Bearer: bearer, Basic: basic, ETags: s.etagsSupported, Sort: s.sortSupported,
	}, docs)
}

// userBuiltins are the User attributes the bridge keeps itself, as the
// configuration has them.
func userBuiltins(cfg *config.Config) []mapping.Builtin {
	b := []mapping.Builtin{{Name: "userName", Required: true, Uniqueness: "server"}}
	if cfg.Users.Deactivation.Strategy != config.DeactivateNone {
		b = append(b, mapping.Builtin{Name: "active"})
	}
	if cfg.Users.Password.Attribute != "-" {
		b = append(b, mapping.Builtin{Name: "password", Mutability: "writeOnly", Returned: "never"})
	}
	if cfg.Groups.Enabled() {
		b = append(b, mapping.Builtin{Name: "groups", Mutability: "readOnly"})
	}
	return b
}
