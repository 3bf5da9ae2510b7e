package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// POST …/.search (RFC 7644 §3.4.3) is a query whose parameters come in the
// body, for filters too long or too private for a URL. Under /Users and
// /Groups it is answered exactly as the GET with the same parameters (same
// filter translation, paging, projection and limits); at the root it
// lists Users, then Groups.

const searchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
}

// query is the request as GET parameters.
func (q searchRequest) query() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("filter", q.Filter)
	set("attributes", strings.Join(q.Attributes, ","))
	set("excludedAttributes", strings.Join(q.ExcludedAttributes, ","))
	set("sortBy", q.SortBy)
	set("sortOrder", q.SortOrder)
	if q.StartIndex != nil {
		v.Set("startIndex", strconv.Itoa(*q.StartIndex))
	}
	if q.Count != nil {
		v.Set("count", strconv.Itoa(*q.Count))
	}
	return v
}

// search turns a POST …/.search into the list GET it stands for; it runs
// before takeFilter, so the rest of the chain sees an ordinary list.
func (s *Server) search(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		rest, isSearch := strings.CutSuffix(r.URL.Path, "/.search")
		if !isSearch {
			return next(c)
		}
		if r.Method != http.MethodPost {
			c.Response().Header().Set("Allow", http.MethodPost)
			return web.WriteError(c, http.StatusMethodNotAllowed, "", "/.search takes POST with a SearchRequest body (RFC 7644 §3.4.3); GET the resource endpoint to query by URL.")
		}
		var q searchRequest
		d := json.NewDecoder(bytes.NewReader(web.Body(r.Context())))
		if err := d.Decode(&q); err != nil {
			return web.WriteError(c, http.StatusBadRequest, "invalidSyntax", fmt.Sprintf(
				"The body is not a SearchRequest (%v); send {\"schemas\":[%q],\"filter\":\"…\",\"startIndex\":1,\"count\":100}.", err, searchRequestURN))
		}
		base := strings.TrimSuffix(s.cfg.Server.BasePath, "/")
		switch strings.TrimPrefix(rest, base) {
		case "":
			return s.searchAll(c, next, base, q)
		case "/Users", "/Groups":
			return next(asList(c, rest, q.query()))
		}
		return web.WriteError(c, http.StatusNotFound, "", "No SCIM endpoint at "+r.URL.Path+"; search at /.search, /Users/.search or /Groups/.search.")
	}
}

// asList makes c's request the GET of path with query.
func asList(c echo.Context, path string, query url.Values) echo.Context {
	r := c.Request().Clone(c.Request().Context())
	r.Method = http.MethodGet
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = path, "", query.Encode()
	r.URL = &u
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(nil)), 0
	r.Header.Del("Content-Type")
	c.SetRequest(r)
	return c
}

// searchAll is the root search: the Users that match, then the Groups,
// paged as one list. A filter only one type understands (userName …) is
// that type's: the other contributes nothing.
func (s *Server) searchAll(c echo.Context, next echo.HandlerFunc, base string, q searchRequest) error {
	orig := c.Request()
	start, count := 1, s.maxResults
	if q.StartIndex != nil && *q.StartIndex > 1 {
		start = *q.StartIndex
	}
	if q.Count != nil && *q.Count >= 0 && *q.Count < count {
		count = *q.Count
	}
	endpoints := []string{"/Users"}
	if s.groups {
		endpoints = append(endpoints, "/Groups")
	}
	var resources []json.RawMessage
	total, understood := 0, 0
	var refusal []byte // the first type's 400, answered if no type understands the filter
	for _, ep := range endpoints {
		// This type's part of the one list: its startIndex is what is left
		// of the list's after the types before it; a count of 0 still
		// answers totalResults.
		pq := q
		epStart, epCount := max(1, start-total), max(0, count-len(resources))
		pq.StartIndex, pq.Count = &epStart, &epCount
		c.SetRequest(orig)
		status, body, err := web.Capture(c, func(c echo.Context) error { return next(asList(c, base+ep, pq.query())) })
		if err != nil {
			return err
		}
		var page struct {
			TotalResults int               `json:"totalResults"`
			Resources    []json.RawMessage `json:"Resources"`
			ScimType     string            `json:"scimType"`
		}
		_ = json.Unmarshal(body, &page)
		if status == http.StatusBadRequest && page.ScimType == "invalidFilter" {
			if refusal == nil {
				refusal = body
			}
			continue
		}
		if status != http.StatusOK {
			c.SetRequest(orig)
			c.Response().Header().Del("Content-Length")
			return c.Blob(status, web.ContentType, body)
		}
		understood++
		total += page.TotalResults
		resources = append(resources, page.Resources...)
	}
	c.SetRequest(orig)
	// The parts' answers set the length of each; this one is longer.
	c.Response().Header().Del("Content-Length")
	if understood == 0 {
		return c.Blob(http.StatusBadRequest, web.ContentType, refusal)
	}
	if resources == nil {
		resources = []json.RawMessage{}
	}
	return web.WriteJSON(c, http.StatusOK, map[string]interface{}{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": total,
		"startIndex":   start,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	})
}

// sortBy and sortOrder (RFC 7644 §3.4.2.3) are handed to the directory as
// a Server Side Sorting request (RFC 2891), so that paging stays a walk of
// one server-ordered result: every page, cursor or skip, sees the same
// order. Where the directory does not advertise the control,
// ServiceProviderConfig says sort.supported false and sortBy is ignored,
// as RFC 7644 allows.

// caseIgnoreOrderingMatch orders strings as SCIM compares them (caseExact
// false). OpenLDAP needs it: uid, cn and mail have no ORDERING rule of
// their own (error 18). 389 DS must not get it: named, it silently leaves
// the result unsorted, while its own collation already ignores case
// (measured); AD sorts by its own rules.
const caseIgnoreOrderingMatch = "caseIgnoreOrderingMatch"

// sortKeys resolves a list request's sortBy to the LDAP attribute that
// holds it; nil when the request does not sort or the directory cannot.
// nameKey and nameAttr are the type's naming attribute (userName,
// displayName).
func (d *dirType) sortKeys(ctx context.Context, q url.Values, nameKey, nameAttr string) ([]ldapstore.SortKey, error) {
	by, order := strings.TrimSpace(q.Get("sortBy")), strings.TrimSpace(q.Get("sortOrder"))
	if by == "" {
		return nil, nil
	}
	reverse := false
	switch strings.ToLower(order) {
	case "", "ascending":
	case "descending":
		reverse = true
	default:
		return nil, badValue(fmt.Sprintf("sortOrder %q is not ascending or descending", order))
	}
	if !d.store.SortSupported(ctx) {
		return nil, nil
	}
	p, err := scimfilter.ParsePath(by)
	if err != nil {
		return nil, badValue(fmt.Sprintf("sortBy %q is not an attribute path: %v", by, err))
	}
	if strings.EqualFold(p.URN, d.patch.core) {
		p.URN = ""
	}
	key := func(attr, rule string) []ldapstore.SortKey {
		return []ldapstore.SortKey{{Attr: attr, OrderingRule: rule, Reverse: reverse}}
	}
	if p.URN == "" && p.Filter == nil {
		switch strings.ToLower(p.Name + "." + p.Sub) {
		case strings.ToLower(nameKey) + ".":
			return key(nameAttr, d.stringOrdering), nil
		case "id.":
			return key(d.idAttr, ""), nil
		case "meta.created":
			return key(d.createdAttr(), ""), nil
		case "meta.lastmodified":
			return key(d.modifiedAttr(), ""), nil
		}
	}
	if f := d.sortField(p); f != nil {
		rule := ""
		if f.SimpleType == "string" {
			rule = d.stringOrdering
		}
		return key(f.LDAP, rule), nil
	}
	return nil, badValue(fmt.Sprintf("Cannot sort by %q: sortBy takes %s, id, meta.created, meta.lastModified or a mapped attribute (see /Schemas).", by, nameKey))
}

// sortField is the field whose value sorts a resource for path: the field
// a [type eq …] filter names, else the primary one (RFC 7644: a
// multi-valued attribute sorts by its primary value).
func (d *dirType) sortField(p scimfilter.AttrPath) *mapping.Field {
	var first *mapping.Field
	for _, f := range d.filter.fieldsFor(p.URN, p.Name) {
		if p.Sub != "" && !strings.EqualFold(f.Sub, p.Sub) && !(f.Multi && strings.EqualFold(p.Sub, "value") && f.Sub == "value") {
			continue
		}
		if p.Filter != nil {
			if c, ok := p.Filter.(scimfilter.Compare); ok && strings.EqualFold(c.Path.Name, "type") && strings.EqualFold(c.Value.Str, f.TypeValue) {
				return f
			}
			continue
		}
		if f.Primary || !f.Multi {
			return f
		}
		if first == nil {
			first = f
		}
	}
	return first
}

// sortSupported is ServiceProviderConfig's sort.supported.
func (s *Server) sortSupported(ctx context.Context) bool {
	return s.ops.store != nil && s.ops.store.SortSupported(ctx)
}
