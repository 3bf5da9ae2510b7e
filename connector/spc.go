package connector

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

const (
	documentationURI = "https://github.com/scim2ldap/scim2ldap#readme"
	oktaProviderURN  = "urn:okta:schemas:scim:providerconfig:1.0"
)

// serviceProviderConfig is served by us rather than the library: the
// library hard-codes changePassword false, shows maxResults 0 when unset,
// and has no room for Okta's userManagementCapabilities extension, which the
// Okta Provisioning Agent reads on "Test Connector Configuration".
func (s *Server) serviceProviderConfig(ctx context.Context) map[string]interface{} {
	var schemes []map[string]interface{}
	bearer, basic := s.auth.Schemes()
	if bearer {
		schemes = append(schemes, map[string]interface{}{
			"type": "oauthbearertoken", "name": "Bearer token",
			"description":      "Authorization: Bearer <token> (the token alone is accepted too)",
			"specUri":          "https://www.rfc-editor.org/rfc/rfc6750",
			"documentationUri": documentationURI, "primary": true,
		})
	}
	if basic {
		schemes = append(schemes, map[string]interface{}{
			"type": "httpbasic", "name": "HTTP Basic",
			"description":      "HTTP Basic authentication",
			"specUri":          "https://www.rfc-editor.org/rfc/rfc7617",
			"documentationUri": documentationURI, "primary": len(schemes) == 0,
		})
	}
	if schemes == nil {
		schemes = []map[string]interface{}{}
	}
	return map[string]interface{}{
		"schemas":               []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", oktaProviderURN},
		"documentationUri":      documentationURI,
		"patch":                 map[string]bool{"supported": true},
		"bulk":                  map[string]interface{}{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]interface{}{"supported": true, "maxResults": s.maxResults},
		"changePassword":        map[string]bool{"supported": s.passwords},
		"sort":                  map[string]bool{"supported": s.ops.store != nil && s.ops.store.SortSupported(ctx)},
		"etag":                  map[string]bool{"supported": s.etagsSupported(ctx)},
		"authenticationSchemes": schemes,
		"meta":                  map[string]interface{}{"resourceType": "ServiceProviderConfig"},
		oktaProviderURN:         map[string]interface{}{"userManagementCapabilities": s.capabilities()},
	}
}

// capabilities tells the Okta agent which functions to use; a function the
// configuration cannot do is left out, so Okta does not try it.
func (s *Server) capabilities() []string {
	caps := []string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PENDING_USERS", "PUSH_PROFILE_UPDATES"}
	if s.passwords {
		caps = append(caps, "PUSH_PASSWORD_UPDATES")
	}
	if s.deactivation {
		caps = append(caps, "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS")
	}
	if s.groups {
		caps = append(caps, "GROUP_PUSH")
	}
	// meta.lastModified gt "<time>" is answered from modifyTimestamp.
	return append(caps, "OPP_SCIM_INCREMENTAL_IMPORTS")
}

func (s *Server) handleSPC(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		c.Response().Header().Set("Allow", http.MethodGet)
		return web.WriteError(c, http.StatusMethodNotAllowed, "", "ServiceProviderConfig is read-only; use GET.")
	}
	return writeJSON(c, http.StatusOK, s.serviceProviderConfig(c.Request().Context()))
}

func writeJSON(c echo.Context, status int, v interface{}) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, web.ContentType, raw)
}
