package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// The SCIM 1.1 front serves the Okta Provisioning Agent's default dialect.
// It is a translation of URNs and message shapes around the same handlers
// as SCIM 2.0, not a second implementation: a 1.1 request body is rewritten
// to 2.0 URNs on the way in, and the 2.0 answer to 1.1 URNs and the 1.1
// error shape on the way out.

const (
	urnCore11       = "urn:scim:schemas:core:1.0"
	urnEnterprise11 = "urn:scim:schemas:extension:enterprise:1.0"
	urnUser20       = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnGroup20      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	urnList20       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

// to11 maps the 2.0 URNs of answers to their 1.1 forms.
var to11 = map[string]string{
	urnUser20:                 urnCore11,
	urnGroup20:                urnCore11,
	urnList20:                 urnCore11,
	mapping.URNEnterpriseUser: urnEnterprise11,
	"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig": urnCore11,
}

// v1Answer wraps the whole 1.1 front, authentication included, so even a
// 401 or 413 reaches the agent in the 1.1 shape it can display.
func (s *Server) v1Answer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		return web.RewriteAnswer(c, next, func(_ http.Header, status int, body []byte) (int, []byte) {
			return status, convertAnswer11(body, status)
		})
	}
}

// v1Request rewrites 1.1 request bodies to 2.0 (after the body was read)
// on the front served at base.
func (s *Server) v1Request(base string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(base, "/")); ok && isDiscovery(rest) {
				return next(c) // read-only endpoints answer any method themselves
			}
			if r.Method == http.MethodPatch {
				return web.WriteError(c, http.StatusNotImplemented, "", "SCIM 1.1 PATCH is not supported (the Okta agent uses PUT); SCIM 2.0 PATCH is served at "+s.cfg.Server.BasePath+"/")
			}
			r2, err := rewriteRequest11(r, s.cfg.Server.BasePath)
			if err != nil {
				return web.WriteError(c, http.StatusBadRequest, "invalidValue", err.Error())
			}
			c.SetRequest(r2)
			return next(c)
		}
	}
}

// rewriteRequest11 turns a 1.1 body into the 2.0 body the handlers expect.
func rewriteRequest11(r *http.Request, base20 string) (*http.Request, error) {
	raw := web.Body(r.Context())
	if len(bytes.TrimSpace(raw)) == 0 {
		return r, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil {
		return r, nil // the library answers invalidSyntax
	}
	core := urnUser20
	if strings.Contains(r.URL.Path, "/Groups") {
		core = urnGroup20
	}
	if schemas, ok := m["schemas"].([]interface{}); ok {
		var out []interface{}
		for _, sch := range schemas {
			str, _ := sch.(string)
			switch {
			case strings.EqualFold(str, urnCore11):
				out = append(out, core)
			case strings.EqualFold(str, urnEnterprise11):
				out = append(out, mapping.URNEnterpriseUser)
			case strings.HasPrefix(strings.ToLower(str), "urn:ietf:params:scim:"):
				return nil, errors.New("This is the SCIM 1.1 base URL, but the body uses SCIM 2.0 schemas. Use the SCIM 2.0 base URL " + base20 + "/ (or send urn:scim:schemas:core:1.0).")
			default:
				out = append(out, sch)
			}
		}
		m["schemas"] = out
	}
	for k, v := range m {
		if strings.EqualFold(k, urnEnterprise11) {
			delete(m, k)
			m[mapping.URNEnterpriseUser] = v
		}
	}
	managerIn11(m)
	body, err := json.Marshal(m)
	if err != nil {
		return r, nil
	}
	r = r.WithContext(web.WithBody(r.Context(), body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r, nil
}

// convertAnswer11 rewrites a 2.0 answer into SCIM 1.1: URNs, and errors in
// the {"Errors":[{"description","code"}]} shape the agent shows to admins.
func convertAnswer11(body []byte, status int) []byte {
	if len(body) == 0 || body[0] != '{' {
		return body
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil {
		return body
	}
	if hasURN(m, web.ErrorSchema) {
		detail, _ := m["detail"].(string)
		// detail beside Errors: Okta's SCIM 1.1 SPEC test reads it on a 404.
		out, _ := json.Marshal(map[string]interface{}{
			"schemas": []string{urnCore11},
			"Errors":  []map[string]interface{}{{"description": detail, "code": status}},
			"detail":  detail,
		})
		return out
	}
	resource11(m)
	if list, ok := m["Resources"].([]interface{}); ok {
		for _, r := range list {
			if rm, ok := r.(map[string]interface{}); ok {
				resource11(rm)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

func resource11(m map[string]interface{}) {
	refsOut11(m)
	if schemas, ok := m["schemas"].([]interface{}); ok {
		var out []interface{}
		seen := map[string]bool{}
		for _, sch := range schemas {
			str, _ := sch.(string)
			if v, ok := to11[str]; ok {
				str = v
			}
			if !seen[str] {
				seen[str] = true
				out = append(out, str)
			}
		}
		m["schemas"] = out
	}
	if v, ok := m[mapping.URNEnterpriseUser]; ok {
		delete(m, mapping.URNEnterpriseUser)
		m[urnEnterprise11] = v
	}
}

func hasURN(m map[string]interface{}, urn string) bool {
	list, _ := m["schemas"].([]interface{})
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

// serviceProviderConfig11 is the 1.1 shape the agent's "Test Connector
// Configuration" reads, with Okta's capabilities extension.
func (s *Server) serviceProviderConfig11(ctx context.Context) map[string]interface{} {
	var schemes []map[string]interface{}
	for _, sc := range s.serviceProviderConfig(ctx)["authenticationSchemes"].([]map[string]interface{}) {
		schemes = append(schemes, map[string]interface{}{"type": sc["type"], "name": sc["name"], "description": sc["description"], "primary": sc["primary"]})
	}
	if schemes == nil {
		schemes = []map[string]interface{}{}
	}
	return map[string]interface{}{
		"schemas":               []string{urnCore11, oktaProviderURN},
		"documentationUrl":      documentationURI,
		"patch":                 map[string]bool{"supported": false},
		"bulk":                  map[string]interface{}{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]interface{}{"supported": true, "maxResults": s.maxResults},
		"changePassword":        map[string]bool{"supported": s.passwords},
		"sort":                  map[string]bool{"supported": s.ops.store != nil && s.ops.store.SortSupported(ctx)},
		"etag":                  map[string]bool{"supported": s.etagsSupported(ctx)},
		"authenticationSchemes": schemes,
		oktaProviderURN:         map[string]interface{}{"userManagementCapabilities": s.capabilities()},
	}
}

func (s *Server) handleSPC11(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		c.Response().Header().Set("Allow", http.MethodGet)
		return web.WriteError(c, http.StatusMethodNotAllowed, "", "ServiceProviderConfigs is read-only; use GET.")
	}
	return writeJSON(c, http.StatusOK, s.serviceProviderConfig11(c.Request().Context()))
}
