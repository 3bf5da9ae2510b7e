// Package discovery serves the endpoints a SCIM client reads to learn
// what the bridge does (RFC 7644 §4): /ServiceProviderConfig (and the SCIM
// 1.1 /ServiceProviderConfigs the Okta Provisioning Agent reads, with
// Okta's capabilities extension), /Schemas and /ResourceTypes. Each says
// what this configuration and this directory really do: the schemas are
// built from the compiled mapping, the capabilities from the settings,
// etag and sort from the directory's root DSE.
//
// All are read-only: any method but GET is 405 with Allow: GET, before a
// body is read. It knows echo and the web plumbing, not the directory or
// the SCIM handlers, which hand it the facts (Facts, Type).
package discovery

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

const (
	// DocumentationURI is where admins read about the bridge.
	DocumentationURI = "https://github.com/scim2ldap/scim2ldap#readme"
	oktaProviderURN  = "urn:okta:schemas:scim:providerconfig:1.0"
	urnCore11        = "urn:scim:schemas:core:1.0"
)

// Facts are what ServiceProviderConfig reports of the running bridge.
type Facts struct {
	MaxResults   int
	Passwords    bool // users.password is stored
	Deactivation bool // active:false is applied
	Groups       bool
	Bearer       bool // bearer tokens are configured
	Basic        bool // HTTP Basic users are configured
	// ETags and Sort say whether the directory supports them; asked on
	// each read of the document (the directory may have been down at
	// start-up).
	ETags, Sort func(context.Context) bool
}

// Type is one resource type and its schemas (core first, then the
// extensions it stores, as mapping.Describe builds them).
type Type struct {
	ID, Name, Endpoint, Description string
	Schemas                         []map[string]interface{}
}

// Endpoints serves the discovery documents.
type Endpoints struct {
	facts         Facts
	schemas       []map[string]interface{}
	resourceTypes []map[string]interface{}
}

// New builds the documents for the resource types.
func New(facts Facts, types []Type) *Endpoints {
	e := &Endpoints{facts: facts}
	for _, t := range types {
		e.schemas = append(e.schemas, t.Schemas...)
		exts := []map[string]interface{}{}
		for _, doc := range t.Schemas[1:] {
			exts = append(exts, map[string]interface{}{"schema": doc["id"], "required": false})
		}
		e.resourceTypes = append(e.resourceTypes, map[string]interface{}{
			"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":               t.ID,
			"name":             t.Name,
			"endpoint":         t.Endpoint,
			"description":      t.Description,
			"schema":           t.Schemas[0]["id"],
			"schemaExtensions": exts,
			"meta":             map[string]interface{}{"resourceType": "ResourceType", "location": "ResourceTypes/" + t.ID},
		})
	}
	return e
}

// Routes registers the endpoints on a front served at base: the SCIM 2.0
// one, or (v11) a SCIM 1.1 one.
func (e *Endpoints) Routes(g *echo.Group, base string, v11 bool) {
	spc := e.handleSPC
	if v11 {
		spc = e.handleSPC11
	}
	g.Any("/ServiceProviderConfig", spc)
	g.Any("/ServiceProviderConfigs", spc)
	for _, ep := range []struct {
		name string
		docs []map[string]interface{}
	}{{"Schemas", e.schemas}, {"ResourceTypes", e.resourceTypes}} {
		h := e.handler(base, ep.name, ep.docs)
		g.Any("/"+ep.name, h)
		g.Any("/"+ep.name+"/*", h)
	}
}

// IsDiscovery reports whether a path (below a base path) is served here,
// where no method takes a body.
func IsDiscovery(rest string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch strings.ToLower(first) {
	case "schemas", "resourcetypes", "serviceproviderconfig", "serviceproviderconfigs":
		return true
	}
	return false
}

// readOnly answers 405 to anything but GET and HEAD.
func readOnly(c echo.Context, what string) (bool, error) {
	if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
		c.Response().Header().Set("Allow", http.MethodGet)
		return true, web.WriteError(c, http.StatusMethodNotAllowed, "", what+" is read-only; use GET.")
	}
	return false, nil
}

// handler answers one of the two endpoints: the list, or one resource by
// id after the endpoint's name.
func (e *Endpoints) handler(basePath, endpoint string, docs []map[string]interface{}) echo.HandlerFunc {
	return func(c echo.Context) error {
		if refused, err := readOnly(c, endpoint); refused {
			return err
		}
		base := web.AbsoluteBase(c.Request(), basePath)
		rest := strings.TrimPrefix(c.Request().URL.Path, strings.TrimSuffix(basePath, "/")+"/"+endpoint)
		if id := strings.Trim(rest, "/"); id != "" {
			for _, doc := range docs {
				if strings.EqualFold(fmt.Sprint(doc["id"]), id) {
					return web.WriteJSON(c, http.StatusOK, located(doc, base))
				}
			}
			return web.WriteError(c, http.StatusNotFound, "", fmt.Sprintf("No %s %q; GET %s%s lists them.", strings.TrimSuffix(endpoint, "s"), id, base, endpoint))
		}
		list := make([]map[string]interface{}, 0, len(docs))
		for _, doc := range docs {
			list = append(list, located(doc, base))
		}
		return web.WriteJSON(c, http.StatusOK, map[string]interface{}{
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
