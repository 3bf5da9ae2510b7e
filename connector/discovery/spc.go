package discovery

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// serviceProviderConfig is served here rather than by the library: the
// library hard-codes changePassword false, shows maxResults 0 when unset,
// and has no room for Okta's userManagementCapabilities extension, which the
// Okta Provisioning Agent reads on "Test Connector Configuration".
func (e *Endpoints) serviceProviderConfig(c echo.Context) map[string]interface{} {
	ctx := c.Request().Context()
	f := e.facts
	return map[string]interface{}{
		"schemas":               []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", oktaProviderURN},
		"documentationUri":      DocumentationURI,
		"patch":                 map[string]bool{"supported": true},
		"bulk":                  map[string]interface{}{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]interface{}{"supported": true, "maxResults": f.MaxResults},
		"changePassword":        map[string]bool{"supported": f.Passwords},
		"sort":                  map[string]bool{"supported": f.Sort != nil && f.Sort(ctx)},
		"etag":                  map[string]bool{"supported": f.ETags != nil && f.ETags(ctx)},
		"authenticationSchemes": e.schemes(true),
		"meta":                  map[string]interface{}{"resourceType": "ServiceProviderConfig"},
		oktaProviderURN:         map[string]interface{}{"userManagementCapabilities": e.capabilities()},
	}
}

// serviceProviderConfig11 is the 1.1 shape the agent's "Test Connector
// Configuration" reads, with Okta's capabilities extension.
func (e *Endpoints) serviceProviderConfig11(c echo.Context) map[string]interface{} {
	doc := e.serviceProviderConfig(c)
	delete(doc, "documentationUri")
	delete(doc, "meta")
	doc["schemas"] = []string{urnCore11, oktaProviderURN}
	doc["documentationUrl"] = DocumentationURI
	doc["patch"] = map[string]bool{"supported": false} // the agent uses PUT
	doc["authenticationSchemes"] = e.schemes(false)
	return doc
}

// schemes lists the configured authentication schemes; SCIM 1.1 has no
// specUri or documentationUri.
func (e *Endpoints) schemes(v20 bool) []map[string]interface{} {
	schemes := []map[string]interface{}{}
	add := func(typ, name, desc, spec string) {
		s := map[string]interface{}{"type": typ, "name": name, "description": desc, "primary": len(schemes) == 0}
		if v20 {
			s["specUri"], s["documentationUri"] = spec, DocumentationURI
		}
		schemes = append(schemes, s)
	}
	if e.facts.Bearer {
		add("oauthbearertoken", "Bearer token", "Authorization: Bearer <token> (the token alone is accepted too)", "https://www.rfc-editor.org/rfc/rfc6750")
	}
	if e.facts.Basic {
		add("httpbasic", "HTTP Basic", "HTTP Basic authentication", "https://www.rfc-editor.org/rfc/rfc7617")
	}
	return schemes
}

// capabilities tells the Okta agent which functions to use; a function the
// configuration cannot do is left out, so Okta does not try it.
func (e *Endpoints) capabilities() []string {
	caps := []string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PENDING_USERS", "PUSH_PROFILE_UPDATES"}
	if e.facts.Passwords {
		caps = append(caps, "PUSH_PASSWORD_UPDATES")
	}
	if e.facts.Deactivation {
		caps = append(caps, "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS")
	}
	if e.facts.Groups {
		caps = append(caps, "GROUP_PUSH")
	}
	// meta.lastModified gt "<time>" is answered from modifyTimestamp.
	return append(caps, "OPP_SCIM_INCREMENTAL_IMPORTS")
}

func (e *Endpoints) handleSPC(c echo.Context) error {
	if refused, err := readOnly(c, "ServiceProviderConfig"); refused {
		return err
	}
	return web.WriteJSON(c, http.StatusOK, e.serviceProviderConfig(c))
}

func (e *Endpoints) handleSPC11(c echo.Context) error {
	if refused, err := readOnly(c, "ServiceProviderConfigs"); refused {
		return err
	}
	return web.WriteJSON(c, http.StatusOK, e.serviceProviderConfig11(c))
}
