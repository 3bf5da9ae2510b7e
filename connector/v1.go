package connector

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/discovery"
	"github.com/scim2ldap/scim2ldap/connector/scim11"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// The SCIM 1.1 front serves the Okta Provisioning Agent's default dialect.
// It is a translation of URNs and message shapes around the same handlers
// as SCIM 2.0, not a second implementation: a 1.1 request body is rewritten
// to 2.0 URNs on the way in, and the 2.0 answer to 1.1 URNs and the 1.1
// error shape on the way out.

// v1Answer wraps the whole 1.1 front, authentication included, so even a
// 401 or 413 reaches the agent in the 1.1 shape it can display.
func (s *Server) v1Answer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		return web.RewriteAnswer(c, next, func(_ http.Header, status int, body []byte) (int, []byte) {
			return status, scim11.Answer(body, status)
		})
	}
}

// v1Request rewrites 1.1 request bodies to 2.0 (after the body was read)
// on the front served at base.
func (s *Server) v1Request(base string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(base, "/")); ok && discovery.IsDiscovery(rest) {
				return next(c) // read-only endpoints answer any method themselves
			}
			if r.Method == http.MethodPatch {
				return web.WriteError(c, http.StatusNotImplemented, "", "SCIM 1.1 PATCH is not supported (the Okta agent uses PUT); SCIM 2.0 PATCH is served at "+s.cfg.Server.BasePath+"/")
			}
			body, err := scim11.Request(web.Body(r.Context()), strings.Contains(r.URL.Path, "/Groups"), s.cfg.Server.BasePath)
			if err != nil {
				return web.WriteError(c, http.StatusBadRequest, "invalidValue", err.Error())
			}
			r = r.WithContext(web.WithBody(r.Context(), body))
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			c.SetRequest(r)
			return next(c)
		}
	}
}
