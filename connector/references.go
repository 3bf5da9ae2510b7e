package connector

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/elimity-com/scim"
	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// References between entries (users.attributes[i].reference): SCIM
// carries the target's id, the directory its DN. Writes turn ids into DNs
// with one search per hundred ids (an unknown id is refused before
// anything is written); reads turn the DNs of a whole page of resources
// into ids with one search per hundred distinct targets, never one per
// resource.

// refResolver finds reference targets: users, and groups when configured.
type refResolver struct {
	users  *users
	groups *groups // nil when groups are not configured
	log    *slog.Logger
}

func (u *users) refs() refResolver  { return refResolver{users: u, groups: u.groups, log: u.log} }
func (g *groups) refs() refResolver { return refResolver{users: g.users, groups: g, log: g.log} }

// refTarget is what a reference of one kind points at.
type refTarget struct {
	d           *dirType
	nameAttr    string // LDAP attribute shown as display / displayName
	endpoint    string // "Users", "Groups", for $ref
	resource    string // "User", "Group", for type
	displayAttr string // a mapped displayName, preferred over nameAttr
}

func (rr refResolver) target(kind string) (refTarget, bool) {
	switch kind {
	case "user":
		t := refTarget{d: &rr.users.dirType, nameAttr: rr.users.cfg.UserNameAttribute, endpoint: "Users", resource: "User"}
		for _, f := range rr.users.m.Fields {
			if !f.IsDerived() && f.URN == "" && f.Attr == "displayName" && f.Sub == "" {
				t.displayAttr = f.LDAP
			}
		}
		return t, true
	case "group":
		if rr.groups == nil {
			return refTarget{}, false
		}
		return refTarget{d: &rr.groups.dirType, nameAttr: rr.groups.cfg.DisplayNameAttribute, endpoint: "Groups", resource: "Group"}, true
	}
	return refTarget{}, false
}

// display is the target's name as a reference shows it.
func (t refTarget) display(e *ldapstore.Entry) string {
	if t.displayAttr != "" {
		if v := e.First(t.displayAttr); v != "" {
			return v
		}
	}
	return e.First(t.nameAttr)
}

// toDNs replaces the ids a client sent in doc's reference attributes by
// the targets' DNs (stored DNs stay). An id that names no target is a 400
// naming it.
func (rr refResolver) toDNs(ctx context.Context, m *mapping.Mapping, doc map[string]interface{}) error {
	return m.MapRefs(doc, func(f *mapping.Field, vals []interface{}) ([]interface{}, error) {
		var ids []string
		out := make([]interface{}, 0, len(vals))
		for _, v := range vals {
			switch x := v.(type) {
			case mapping.DN:
				out = append(out, x)
			case string:
				ids = append(ids, x)
			}
		}
		if len(ids) == 0 {
			return out, nil
		}
		found, err := rr.idsToDNs(ctx, f.Ref, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			dn, ok := found[strings.ToLower(id)]
			if !ok {
				return nil, badValue(fmt.Sprintf("%s: %q is not the id of a %s", refPath(f), id, f.Ref))
			}
			out = append(out, mapping.DN(dn))
		}
		return out, nil
	})
}

func refPath(f *mapping.Field) string {
	if f.URN != "" {
		return f.URN + ":" + f.Attr
	}
	return f.Attr
}

// idsToDNs looks ids up (see entriesByID) and answers their DNs, keyed by
// the lower-cased id as the client spelled it.
func (rr refResolver) idsToDNs(ctx context.Context, kind string, ids []string) (map[string]string, error) {
	t, ok := rr.target(kind)
	if !ok {
		return nil, badValue(fmt.Sprintf("references to %ss are not configured", kind))
	}
	es, err := t.d.entriesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[string]string, len(es))
	for id, e := range es {
		found[id] = e.DN
	}
	return found, nil
}

// refObject is one resolved reference as SCIM shows it.
type refObject struct {
	id, display string
}

// dnsToTargets resolves DNs of one kind: one search per hundred DNs below
// the target's base, on the DN's own RDN (the DN itself is no filterable
// attribute everywhere), keeping exact DN matches only. DNs not found
// (deleted, outside the base or scope) are absent from the answer.
func (rr refResolver) dnsToTargets(ctx context.Context, kind string, dns []string) (map[string]refObject, error) {
	out := map[string]refObject{}
	t, ok := rr.target(kind)
	if !ok {
		return out, nil
	}
	d := t.d
	seen := map[string]bool{}
	var want []string
	for _, dn := range dns {
		if n := normDN(dn); !seen[n] {
			seen[n] = true
			want = append(want, dn)
		}
	}
	attrs := []string{d.idAttr, t.nameAttr}
	if t.displayAttr != "" {
		attrs = append(attrs, t.displayAttr)
	}
	for start := 0; start < len(want); start += 100 {
		var alts []ldapstore.Filter
		for _, dn := range want[start:min(start+100, len(want))] {
			if attr, val, err := ldapstore.RDNValue(dn); err == nil {
				alts = append(alts, ldapstore.Eq(attr, val))
			}
		}
		if len(alts) == 0 {
			continue
		}
		es, err := d.store.Search(ctx, ldapstore.SearchRequest{
			BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(d.scope, ldapstore.Or(alts...)), Attributes: attrs,
		})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if n := normDN(e.DN); seen[n] {
				out[n] = refObject{id: d.entryID(e), display: t.display(e)}
			}
		}
	}
	return out, nil
}

// resolveDocs turns the stored DNs of every document's references into
// value objects, with one lookup per kind of target for all documents.
// A reference whose target is gone is left out and logged once.
func (rr refResolver) resolveDocs(ctx context.Context, m *mapping.Mapping, docs []map[string]interface{}) error {
	if len(m.RefFields()) == 0 || len(docs) == 0 {
		return nil
	}
	byKind := map[string][]string{}
	for _, doc := range docs {
		for kind, dns := range m.StoredRefs(doc) {
			byKind[kind] = append(byKind[kind], dns...)
		}
	}
	found := map[string]map[string]refObject{}
	for kind, dns := range byKind {
		if len(dns) == 0 {
			continue
		}
		objs, err := rr.dnsToTargets(ctx, kind, dns)
		if err != nil {
			return err
		}
		found[kind] = objs
	}
	base := refBaseOf(ctx)
	for _, doc := range docs {
		_ = m.MapRefs(doc, func(f *mapping.Field, vals []interface{}) ([]interface{}, error) {
			t, _ := rr.target(f.Ref)
			var out []interface{}
			for _, v := range vals {
				dn, ok := v.(mapping.DN)
				if !ok {
					continue
				}
				o, ok := found[f.Ref][normDN(string(dn))]
				if !ok && rr.placeholder(string(dn)) {
					continue // "no value" by convention, not a stale reference
				}
				if !ok {
					rr.logDangling(ctx, refPath(f), string(dn))
					continue
				}
				obj := map[string]interface{}{"value": o.id, "display": o.display, "type": t.resource}
				if base != "" {
					obj["$ref"] = base + t.endpoint + "/" + o.id
				}
				out = append(out, obj)
			}
			return out, nil
		})
	}
	return nil
}

// placeholder reports the DN that stands for "no member" (groups.emptyMember):
// OpenLDAP's refint writes it (refint_nothing) where it removes the last
// value of an attribute, a deleted manager's too.
func (rr refResolver) placeholder(dn string) bool {
	return rr.groups != nil && rr.groups.cfg.EmptyMember != "" && ldapstore.EqualDN(dn, rr.groups.cfg.EmptyMember)
}

// resolveResources is resolveDocs for resources about to be answered.
func (rr refResolver) resolveResources(ctx context.Context, m *mapping.Mapping, res []scim.Resource) error {
	docs := make([]map[string]interface{}, 0, len(res))
	for _, r := range res {
		if r.Attributes != nil {
			docs = append(docs, map[string]interface{}(r.Attributes))
		}
	}
	return rr.resolveDocs(ctx, m, docs)
}

// danglingSet remembers the dangling references a bridge logged, so a
// stale DN read on every page is logged once (bounded: the set is dropped
// when it grows large, and the log starts over).
type danglingSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (rr refResolver) logDangling(ctx context.Context, path, dn string) {
	set := rr.users.dangling
	if set == nil || rr.log == nil {
		return
	}
	set.mu.Lock()
	if set.seen == nil || len(set.seen) > 10000 {
		set.seen = map[string]bool{}
	}
	key := path + "\x00" + normDN(dn)
	first := !set.seen[key]
	set.seen[key] = true
	set.mu.Unlock()
	if first {
		rr.log.WarnContext(ctx, "reference to an entry that is gone or outside the configured base; left out of answers", "attribute", path, "dn", dn)
	}
}

// ctxRefBase holds the absolute base URL for $ref values.
const ctxRefBase ctxKey = 100

func refBaseOf(ctx context.Context) string {
	s, _ := ctx.Value(ctxRefBase).(string)
	return s
}

// refBase records the base URL that $ref values start with. The first
// front to see the request sets it: a SCIM 1.1 request passes the 1.1
// front's chain, then the 2.0 one, and its references point at 1.1 URLs.
func refBase(basePath string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if refBaseOf(r.Context()) == "" {
				c.SetRequest(r.WithContext(context.WithValue(r.Context(), ctxRefBase, web.AbsoluteBase(r, basePath))))
			}
			return next(c)
		}
	}
}

// followReferences updates the references to a user the bridge renamed
// (newDN) or deleted (newDN ""), for the reference mappings whose
// referenceCleanup is bridge: the directory does not follow those itself.
// One search per such mapping finds the referring entries.
func (u *users) followReferences(ctx context.Context, oldDN, newDN string) error {
	if ldapstore.EqualDN(oldDN, newDN) {
		return nil
	}
	types := []*dirType{&u.dirType}
	if u.groups != nil {
		types = append(types, &u.groups.dirType)
	}
	for _, d := range types {
		for _, f := range d.m.RefFields() {
			if f.Ref != "user" || f.RefCleanup != "bridge" {
				continue
			}
			es, err := d.store.Search(ctx, ldapstore.SearchRequest{
				BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(d.scope, ldapstore.Eq(f.LDAP, oldDN)), Attributes: []string{f.LDAP},
			})
			if err != nil {
				return err
			}
			for _, e := range es {
				var stale []string
				for _, v := range e.Get(f.LDAP) {
					if ldapstore.EqualDN(v, oldDN) {
						stale = append(stale, v)
					}
				}
				changes := []ldapstore.Change{{Op: ldapstore.ChangeDelete, Attr: f.LDAP, Values: stale}}
				if newDN != "" {
					changes = append(changes, ldapstore.Change{Op: ldapstore.ChangeAdd, Attr: f.LDAP, Values: []string{newDN}})
				}
				if err := d.modify(ctx, e.DN, changes); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// compare translates a filter on a reference: the id is looked up and
// compared as the DN the directory holds (an id that names nothing
// matches nothing); pr is presence of the attribute.
func (rr refResolver) compare(ctx context.Context, f *mapping.Field, c scimfilter.Compare) (ldapstore.Filter, error) {
	switch {
	case c.Op == scimfilter.OpPr:
		return ldapstore.Present(f.LDAP), nil
	case (c.Op == scimfilter.OpEq || c.Op == scimfilter.OpNe) && c.Value.Kind == scimfilter.KindString:
		found, err := rr.idsToDNs(ctx, f.Ref, []string{c.Value.Str})
		if err != nil {
			return nil, err
		}
		eq := ldapstore.None()
		if dn, ok := found[strings.ToLower(c.Value.Str)]; ok {
			eq = ldapstore.Eq(f.LDAP, dn)
		}
		if c.Op == scimfilter.OpNe {
			return ldapstore.Not(eq), nil
		}
		return eq, nil
	}
	return nil, invalidFilter("%s takes eq or ne with the id of a %s, or pr", refPath(f), f.Ref)
}

// refsNeedGroups refuses references to groups when groups are not served.
func refsNeedGroups(section string, m *mapping.Mapping) error {
	for _, f := range m.RefFields() {
		if f.Ref == "group" {
			return fmt.Errorf("%s.attributes: %s is a reference to a group, but groups are not served; set groups.baseDN or use reference: user", section, refPath(f))
		}
	}
	return nil
}
