package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// readyTimeout bounds /readyz: a load balancer's probe must get an answer
// before its own timeout, even when the directory drops packets.
const readyTimeout = 3 * time.Second

// IsHealthPath reports the paths served without a SCIM token, on
// server.listen or, when set, only on server.healthListen.
func IsHealthPath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

type health struct {
	store *ldapstore.Store // nil: not ready
	log   *slog.Logger
}

// NewHealthHandler serves /healthz, /readyz (a probe of store) and
// /metrics. It has no request log: probes come every few seconds and would
// drown the SCIM lines; they are counted in the metrics instead.
func NewHealthHandler(m *Metrics, store *ldapstore.Store, log *slog.Logger) http.Handler {
	h := &health{store: store, log: log}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(m.ObserveHTTP)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/healthz", h.healthz)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/readyz", h.readyz)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/metrics", echo.WrapHandler(m.handler()))
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if !c.Response().Committed {
			_ = c.JSON(http.StatusNotFound, map[string]string{"status": "not found", "detail": "Only /healthz, /readyz and /metrics are served here."})
		}
	}
	return e
}

// healthz says the process is up and serving HTTP; it never touches the
// directory, so a directory outage does not get the bridge restarted.
func (h *health) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "up"})
}

// readyz says whether requests can succeed now: a pooled connection to the
// directory, bound as the service account, answers a root DSE read within
// readyTimeout. The cause goes to the log; the answer names only its kind,
// since the endpoint needs no credentials.
func (h *health) readyz(c echo.Context) error {
	if h.store == nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "detail": "no directory configured"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	err := h.store.Ping(ctx)
	if err == nil {
		// Still ready after a failover, but say so: the endpoint needs no
		// credentials, so it names the config path, not the host.
		if _, i := h.store.ActiveURL(); i > 0 {
			return c.JSON(http.StatusOK, map[string]string{"status": "ready", "ldapURL": fmt.Sprintf("ldap.urls[%d]", i),
				"detail": fmt.Sprintf("Failed over to ldap.urls[%d]; returns to ldap.urls[0] once it has answered for ldap.failbackAfter.", i)})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready", "ldapURL": "ldap.urls[0]"})
	}
	h.log.WarnContext(ctx, "readyz: directory not ready", "err", err)
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
