package connector

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// readyTimeout bounds /readyz: a load balancer's probe must get an answer
// before its own timeout, even when the directory drops packets.
const readyTimeout = 3 * time.Second

// healthPaths are served without a SCIM token, on server.listen or, when
// set, only on server.healthListen.
var healthPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// healthHandler serves /healthz, /readyz and /metrics. It has no request
// log: probes come every few seconds and would drown the SCIM lines; they
// are counted in the metrics instead.
func (s *Server) healthHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(s.ops.metrics.observeHTTP)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/healthz", s.healthz)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/readyz", s.readyz)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/metrics", echo.WrapHandler(s.ops.metrics.handler()))
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if !c.Response().Committed {
			_ = c.JSON(http.StatusNotFound, map[string]string{"status": "not found", "detail": "Only /healthz, /readyz and /metrics are served here."})
		}
	}
	return e
}

// healthz says the process is up and serving HTTP; it never touches the
// directory, so a directory outage does not get the bridge restarted.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "up"})
}

// readyz says whether requests can succeed now: a pooled connection to the
// directory, bound as the service account, answers a root DSE read within
// readyTimeout. The cause goes to the log; the answer names only its kind,
// since the endpoint needs no credentials.
func (s *Server) readyz(c echo.Context) error {
	if s.ops.store == nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "detail": "no directory configured"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	err := s.ops.store.Ping(ctx)
	if err == nil {
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
	s.log.WarnContext(ctx, "readyz: directory not ready", "err", err)
	detail := "The directory is not reachable within " + readyTimeout.String() + "; see the bridge's log."
	switch ldapstore.Code(err) {
	case ldapstore.CodeInvalidCredentials:
		detail = "The directory rejected the bridge's bind credentials (ldap.bindDN, ldap.bindPassword)."
	case 0:
	default:
		detail = "The directory answered with an error; see the bridge's log."
	}
	return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "detail": detail})
}
