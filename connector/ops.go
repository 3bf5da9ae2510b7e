package connector

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// ops holds what running the bridge needs beyond answering SCIM: metrics,
// the readiness probe's store, the swappable TLS configuration, and the
// dry-run scope's id attributes.
type ops struct {
	store   *ldapstore.Store
	metrics *web.Metrics
	tls     *web.TLSState        // nil when serving plain HTTP
	idAttrs []ldapstore.DryRunID // given random values by a dry-run create
}

func newOps(cfg *config.Config, store *ldapstore.Store) (*ops, error) {
	o := &ops{store: store, metrics: web.NewMetrics(append([]string{cfg.Server.BasePath}, cfg.Server.V1BasePaths...))}
	if store != nil {
		store.SetObserver(o.metrics.ObserveLDAP)
		o.metrics.WatchActiveURL(func() int { _, i := store.ActiveURL(); return i })
	}
	if cfg.Server.TLS.CertFile != "" {
		t, err := web.NewTLSState(cfg.Server.TLS)
		if err != nil {
			return nil, err
		}
		o.tls = t
	}
	o.idAttrs = []ldapstore.DryRunID{dryRunID(cfg.Users.IDAttribute, cfg.Users.IDFormat)}
	if cfg.Groups.Enabled() && cfg.Groups.IDAttribute != cfg.Users.IDAttribute {
		o.idAttrs = append(o.idAttrs, dryRunID(cfg.Groups.IDAttribute, cfg.Groups.IDFormat))
	}
	return o, nil
}

// dryRunID: the format was validated with the config (New parses it too).
func dryRunID(attr, format string) ldapstore.DryRunID {
	f, _ := ldapstore.ParseIDFormat(format)
	return ldapstore.DryRunID{Attr: attr, Format: f}
}

// operations wraps every SCIM request: it is counted in the metrics and,
// when the store is dry-run, gets a dry-run scope (so the answer shows the
// resource as it would be) and an X-Scim2ldap-Dry-Run header.
func (s *Server) operations(next echo.HandlerFunc) echo.HandlerFunc {
	counted := s.ops.metrics.ObserveHTTP(next)
	if s.ops.store == nil || !s.ops.store.DryRun() {
		return counted
	}
	return func(c echo.Context) error {
		r := c.Request()
		c.SetRequest(r.WithContext(ldapstore.WithDryRunScope(r.Context(), s.ops.idAttrs...)))
		c.Response().Header().Set("X-Scim2ldap-Dry-Run", "true")
		return counted(c)
	}
}

// front is the server's whole handler: health and metrics (unless they
// have their own listener), else SCIM.
func (s *Server) front() http.Handler {
	if s.cfg.Server.HealthListen != "" {
		return s.echo
	}
	health := s.healthHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.IsHealthPath(r.URL.Path) || web.IsStatusPath(r.URL.Path) {
			health.ServeHTTP(w, r)
			return
		}
		s.echo.ServeHTTP(w, r)
	})
}

// Listen opens server.listen and, when set, server.healthListen, so that
// a caller can fail at start-up (port taken, no permission) before it
// reports the service as started, then Serve.
func (s *Server) Listen() (main, health net.Listener, err error) {
	main, err = net.Listen("tcp", s.cfg.Server.Listen)
	if err != nil {
		return nil, nil, err
	}
	if s.cfg.Server.HealthListen != "" {
		if health, err = net.Listen("tcp", s.cfg.Server.HealthListen); err != nil {
			main.Close()
			return nil, nil, err
		}
	}
	return main, health, nil
}

// Serve serves SCIM on l (HTTPS when server.tls is set) and, if health is
// not nil, /healthz, /readyz and /metrics on it, until ctx is cancelled;
// then it shuts both down gracefully, letting requests in progress finish
// (up to 30 s).
func (s *Server) Serve(ctx context.Context, l, health net.Listener) error {
	s.status.SetListen(l.Addr().String())
	return web.Serve(ctx, s.log, s.front(), s.ops.tls, l, s.healthHandler(), health)
}

// healthHandler also serves the status page (/status), next to health
// and metrics, wherever those are served.
func (s *Server) healthHandler() http.Handler {
	return s.status.Around(web.NewHealthHandler(s.ops.metrics, s.ops.store, s.log))
}

// CertificateNotAfter is the expiry of the certificate new handshakes
// get (zero when serving plain HTTP), for the start-up and reload logs.
func (s *Server) CertificateNotAfter() time.Time {
	if s.ops.tls == nil {
		return time.Time{}
	}
	return s.ops.tls.NotAfter()
}

// StoreOptions turns the ldap section of cfg into the store's options.
// serve, check and the tests all build their store from it, so that none
// of them forgets a connection setting such as startTLS or caFile.
func StoreOptions(cfg *config.Config, log *slog.Logger) ldapstore.Options {
	l := cfg.LDAP
	return ldapstore.Options{
		URLs: l.URLs, BindDN: l.BindDN, BindPassword: l.BindPassword,
		StartTLS: l.StartTLS, CAFile: l.CAFile, ServerName: l.ServerName, InsecureSkipVerify: l.InsecureSkipVerify,
		DialTimeout: l.DialTimeout, RequestTimeout: l.RequestTimeout, PoolSize: l.PoolSize,
		FailbackAfter: l.FailbackAfter,
		Logger:        log,
	}
}

// Reload applies a new, validated configuration to the running server
// where that is safe without dropping a connection:
//
//   - server.auth (tokens, tokenFile, Basic users): requests after the
//     reload are checked against the new credentials;
//   - server.tls certFile, keyFile, clientCAFile: new handshakes use the
//     new files; open connections keep theirs.
//
// Everything else (listen addresses, base paths, limits, ldap, users,
// groups) is compiled into handlers, routes, listeners and the connection
// pool, so it takes a restart; Reload returns the YAML paths of such
// settings that changed, for the caller to log. If the new TLS files cannot
// be loaded, nothing changes and the error says why.
func (s *Server) Reload(cfg *config.Config) (needRestart []string, err error) {
	oldTLS, newTLS := s.cfg.Server.TLS.CertFile != "", cfg.Server.TLS.CertFile != ""
	switch {
	case oldTLS && newTLS:
		if err := s.ops.tls.Load(cfg.Server.TLS); err != nil {
			return nil, err
		}
	case oldTLS != newTLS:
		needRestart = append(needRestart, "server.tls (switching between HTTP and HTTPS)")
	}
	s.auth.Reload(cfg.Server.Auth)

	old, neu := *s.cfg, *cfg
	needRestart = append(needRestart, changedFields("server", reflect.ValueOf(old.Server), reflect.ValueOf(neu.Server), "auth", "tls")...)
	for _, f := range []struct {
		path     string
		old, new any
	}{
		{"directory", old.Directory, neu.Directory},
		{"ldap", old.LDAP, neu.LDAP},
		{"users", old.Users, neu.Users},
		{"groups", old.Groups, neu.Groups},
	} {
		if !reflect.DeepEqual(f.old, f.new) {
			needRestart = append(needRestart, f.path)
		}
	}
	return needRestart, nil
}

// changedFields lists prefix.<yaml key> of the struct fields that differ,
// except the keys in skip.
func changedFields(prefix string, a, b reflect.Value, skip ...string) []string {
	var out []string
	for i := range a.NumField() {
		key, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" || slices.Contains(skip, key) {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, prefix+"."+key)
		}
	}
	return out
}
