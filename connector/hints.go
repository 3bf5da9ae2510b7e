package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// The most common setup mistakes reach the bridge as requests that look
// almost right. These middlewares recognise them and answer with a SCIM
// Error whose detail names the fix, which is what the admin sees in Okta's
// or Entra's error message.

// scimEndpoints are the names a client appends to its base URL.
var scimEndpoints = map[string]bool{
	"users": true, "groups": true, "serviceproviderconfig": true, "serviceproviderconfigs": true,
	"schemas": true, "resourcetypes": true, "bulk": true, "me": true,
}

// pathHint answers a base URL that ends in /Users or /Groups: the client
// then requests …/Users/Users, …/Users/ServiceProviderConfig, and the
// handlers would answer "User \"Users\" not found", which reads like a
// missing user rather than a wrong URL.
func pathHint(base string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(base, "/"))
			if !ok {
				return next(c)
			}
			segs := strings.Split(strings.Trim(rest, "/"), "/")
			if len(segs) < 2 {
				return next(c)
			}
			first := strings.ToLower(segs[0])
			if (first != "users" && first != "groups") || !scimEndpoints[strings.ToLower(segs[1])] {
				return next(c)
			}
			return web.WriteError(c, http.StatusNotFound, "", fmt.Sprintf(
				"The SCIM base URL must not end in /%s: this request went to %s. Set the client's base URL to %s "+
					"(the SCIM root; the client adds /Users and /Groups itself).",
				segs[0], r.URL.Path, absoluteBase(r, base)))
		}
	}
}

// versionHint answers a SCIM 1.1 body (schemas urn:scim:schemas:core:1.0)
// sent to the 2.0 front: the Okta Provisioning Agent speaks 1.1 when its
// base URL lacks /v2, and 2.0 URNs when it has it, so a 1.1 body here means
// the agent was set up for 1.1 with a 2.0 URL. It runs after readBody.
func (s *Server) versionHint(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			return next(c)
		}
		body := web.Body(r.Context())
		if !bytes.Contains(body, []byte(urnCore11)) || !hasSchema(body, urnCore11) {
			return next(c)
		}
		detail := fmt.Sprintf("This is a SCIM 1.1 request (schemas %s) sent to the SCIM 2.0 base URL %s. ", urnCore11, absoluteBase(r, s.cfg.Server.BasePath))
		if v1 := s.cfg.Server.V1BasePaths; len(v1) > 0 {
			detail += fmt.Sprintf("Set the client's base URL to the SCIM 1.1 one, %s, or configure it for SCIM 2.0 "+
				"(the Okta Provisioning Agent speaks 2.0 only with /v2 in its base URL).", absoluteBase(r, v1[0]))
		} else {
			detail += "This bridge serves SCIM 2.0 only (server.v1BasePaths is empty); configure the client for SCIM 2.0."
		}
		return web.WriteError(c, http.StatusBadRequest, "invalidSyntax", detail)
	}
}

// hasSchema reports whether a JSON object body lists urn in "schemas".
func hasSchema(body []byte, urn string) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	for k, v := range doc {
		if !strings.EqualFold(k, "schemas") {
			continue
		}
		var list []string
		if json.Unmarshal(v, &list) != nil {
			return false
		}
		for _, s := range list {
			if strings.EqualFold(strings.TrimSpace(s), urn) {
				return true
			}
		}
	}
	return false
}
