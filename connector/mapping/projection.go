package mapping

import (
	"net/url"
	"strings"
)

// Projection is the attributes / excludedAttributes query (RFC 7644
// §3.4.2.5). It decides which SCIM attributes a response carries and, from
// that, which LDAP attributes are requested at all: an excluded attribute
// costs the directory nothing.
type Projection struct {
	include map[string]bool // lower-cased "attr" or "attr.sub"; nil = everything (default set)
	exclude map[string]bool
}

// Excluding is the default projection less the named attributes.
func Excluding(attrs ...string) Projection {
	return Projection{exclude: pathSet(strings.Join(attrs, ","))}
}

func ParseProjection(q url.Values) Projection {
	return Projection{include: pathSet(q.Get("attributes")), exclude: pathSet(q.Get("excludedAttributes"))}
}

// pathSet splits a comma-separated attribute list. URN-prefixed core names
// (urn:ietf:params:scim:schemas:core:2.0:User:userName) are reduced to the
// bare name; extension attributes keep their URN.
func pathSet(s string) map[string]bool {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		for _, core := range []string{"urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:"} {
			p = strings.TrimPrefix(p, core)
		}
		if p != "" {
			out[p] = true
		}
	}
	return out
}

// Wants reports whether the top-level attribute (or extension URN) is
// returned at all.
func (p Projection) Wants(attr string) bool {
	a := strings.ToLower(attr)
	if a == "id" {
		return true
	}
	if p.exclude[a] {
		return false
	}
	if p.include == nil {
		return true
	}
	for k := range p.include {
		if k == a || strings.HasPrefix(k, a+".") || strings.HasPrefix(k, a+":") {
			return true
		}
	}
	return false
}

// Apply removes what the client did not ask for from a document.
func (p Projection) Apply(doc map[string]interface{}) {
	for k, v := range doc {
		if k == "schemas" {
			continue
		}
		if !p.Wants(k) {
			delete(doc, k)
			continue
		}
		obj, ok := v.(map[string]interface{})
		if !ok {
			continue
		}
		for sub := range obj {
			full := strings.ToLower(k) + "." + strings.ToLower(sub)
			if strings.HasPrefix(strings.ToLower(k), "urn:") {
				full = strings.ToLower(k) + ":" + strings.ToLower(sub)
			}
			if p.exclude[full] || p.include != nil && !p.include[strings.ToLower(k)] && !p.include[full] {
				delete(obj, sub)
			}
		}
	}
}
