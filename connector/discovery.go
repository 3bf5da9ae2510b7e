package connector

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// discovery serves /Schemas and /ResourceTypes (RFC 7644 §4) from the
// compiled mappings rather than from the library, which lists the whole
// RFC 7643 User schema as readWrite although only mapped attributes are
// stored. Both are read-only: any other method is 405 with Allow: GET.
type discovery struct {
	schemas       []map[string]interface{}
	resourceTypes []map[string]interface{}
}

func newDiscovery(cfg *config.Config, types []scim.ResourceType) *discovery {
	d := &discovery{}
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
		docs := dt.m.Describe(dt.patch.schemas, builtins)
		d.schemas = append(d.schemas, docs...)
		exts := []map[string]interface{}{}
		for _, doc := range docs[1:] {
			exts = append(exts, map[string]interface{}{"schema": doc["id"], "required": false})
		}
		d.resourceTypes = append(d.resourceTypes, map[string]interface{}{
			"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":               t.ID.Value(),
			"name":             t.Name,
			"endpoint":         t.Endpoint,
			"description":      t.Description.Value(),
			"schema":           t.Schema.ID,
			"schemaExtensions": exts,
			"meta":             map[string]interface{}{"resourceType": "ResourceType", "location": "ResourceTypes/" + t.ID.Value()},
		})
	}
	return d
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

// handler answers one of the two endpoints: the list, or one resource by
// id after the endpoint's name.
func (d *discovery) handler(basePath, endpoint string, docs []map[string]interface{}) echo.HandlerFunc {
	return func(c echo.Context) error {
		if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
			c.Response().Header().Set("Allow", http.MethodGet)
			return web.WriteError(c, http.StatusMethodNotAllowed, "", endpoint+" is read-only; use GET.")
		}
		base := absoluteBase(c.Request(), basePath)
		rest := strings.TrimPrefix(c.Request().URL.Path, strings.TrimSuffix(basePath, "/")+"/"+endpoint)
		if id := strings.Trim(rest, "/"); id != "" {
			for _, doc := range docs {
				if strings.EqualFold(fmt.Sprint(doc["id"]), id) {
					return writeJSON(c, http.StatusOK, located(doc, base))
				}
			}
			return web.WriteError(c, http.StatusNotFound, "", fmt.Sprintf("No %s %q; GET %s%s lists them.", strings.TrimSuffix(endpoint, "s"), id, base, endpoint))
		}
		list := make([]map[string]interface{}, 0, len(docs))
		for _, doc := range docs {
			list = append(list, located(doc, base))
		}
		return writeJSON(c, http.StatusOK, map[string]interface{}{
			"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": len(list),
			"itemsPerPage": len(list),
			"startIndex":   1,
			"Resources":    list,
		})
	}
}

// located is doc with meta.location absolute (a copy: docs are shared).
func located(doc map[string]interface{}, base string) map[string]interface{} {
	out := make(map[string]interface{}, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	if meta, ok := doc["meta"].(map[string]interface{}); ok {
		m := map[string]interface{}{}
		for k, v := range meta {
			m[k] = v
		}
		m["location"] = base + fmt.Sprint(meta["location"])
		out["meta"] = m
	}
	return out
}

// routes registers the endpoints on a front (2.0 or 1.1) served at base.
func (d *discovery) routes(g *echo.Group, base string) {
	for _, ep := range []struct {
		name string
		docs []map[string]interface{}
	}{{"Schemas", d.schemas}, {"ResourceTypes", d.resourceTypes}} {
		h := d.handler(base, ep.name, ep.docs)
		g.Any("/"+ep.name, h)
		g.Any("/"+ep.name+"/*", h)
	}
}

// isDiscovery reports whether a path (below a base path) is served here or
// by handleSPC, none of which takes a body.
func isDiscovery(rest string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch strings.ToLower(first) {
	case "schemas", "resourcetypes", "serviceproviderconfig", "serviceproviderconfigs":
		return true
	}
	return false
}
