package connector

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

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
