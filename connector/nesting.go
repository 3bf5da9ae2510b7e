package connector

import (
	"context"
	"fmt"
	"strings"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Nested groups: a member that is a group is stored as the group's DN in
// the member attribute, as groupOfNames, groupOfUniqueNames and AD groups
// allow. Ids are looked up as users first (one search per hundred, as
// before); only ids that are no user cost a second search among groups,
// so a membership change of users alone costs what it did.

// maxNesting bounds every walk through nested groups: the cycle check and
// indirect memberships. Deeper nesting is refused on write and not
// followed further on read.
const maxNesting = 32

// resolveMembers maps SCIM member ids to member attribute values (user
// DNs or uids, group DNs) and reports which values are groups. An id that
// is neither a user nor a group is a 400, as is a group in a posixGroup,
// whose memberUid can only hold user names.
func (g *groups) resolveMembers(ctx context.Context, ids []string, skipUnknown bool) ([]string, map[string]bool, error) {
	u := g.users
	users, err := u.entriesByID(ctx, ids, memberUIDAttr)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]string{} // lower-cased id as sent → value
	isGroup := map[string]bool{}
	var missing []string
	for _, id := range ids {
		e, ok := users[strings.ToLower(id)]
		switch {
		case !ok:
			missing = append(missing, id)
		case g.byDN:
			byID[strings.ToLower(id)] = e.DN
		default:
			byID[strings.ToLower(id)] = e.First(memberUIDAttr)
		}
	}
	if len(missing) > 0 {
		groupDNs, err := g.refs().idsToDNs(ctx, "group", missing)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range missing {
			dn, ok := groupDNs[strings.ToLower(id)]
			switch {
			case !ok && skipUnknown:
				continue
			case !ok:
				return nil, nil, badValue(fmt.Sprintf("member %q is not the id of a user or a group", id))
			case !g.byDN:
				return nil, nil, badValue(fmt.Sprintf("member %q is a group; a posixGroup's memberUid holds user names only, so groups cannot be nested (use groups.model groupOfNames or groupOfUniqueNames to nest)", id))
			}
			byID[strings.ToLower(id)] = dn
			isGroup[normDN(dn)] = true
		}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[strings.ToLower(id)]; ok {
			out = append(out, v)
		}
	}
	return dedupe(out), isGroup, nil
}

// checkNoCycle refuses to make any of the groups (DNs) a member of the
// group at dn when that would close a loop: when the group is dn itself
// or already contains dn, directly or through other groups. It walks up
// from dn, one search per level for all groups of that level.
func (g *groups) checkNoCycle(ctx context.Context, dn string, adding []string) error {
	if len(adding) == 0 {
		return nil
	}
	bad := map[string]bool{}
	for _, a := range adding {
		bad[normDN(a)] = true
	}
	seen := map[string]bool{normDN(dn): true}
	level := []string{dn}
	for depth := 0; len(level) > 0; depth++ {
		for _, l := range level {
			if bad[normDN(l)] {
				return badValue(fmt.Sprintf("adding group %s as a member would make a cycle: it already contains this group", l))
			}
		}
		if depth >= maxNesting {
			return badValue(fmt.Sprintf("groups nested deeper than %d levels; the bridge does not follow them further", maxNesting))
		}
		var alts []ldapstore.Filter
		for _, l := range level {
			alts = append(alts, ldapstore.Eq(g.cfg.MemberAttribute, l))
		}
		es, err := g.store.Search(ctx, ldapstore.SearchRequest{
			BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(g.scope, ldapstore.Or(alts...)), Attributes: []string{"1.1"},
		})
		if err != nil {
			return err
		}
		level = level[:0:0]
		for _, e := range es {
			if n := normDN(e.DN); !seen[n] {
				seen[n] = true
				level = append(level, e.DN)
			}
		}
	}
	return nil
}

// groupValues are the values among vals that isGroup marks.
func groupValues(vals []string, isGroup map[string]bool) []string {
	var out []string
	for _, v := range vals {
		if isGroup[normDN(v)] {
			out = append(out, v)
		}
	}
	return out
}

// memberGroups resolves member values that are no user to groups (one
// search per hundred, by RDN, exact DN matches only), for GET's members.
func (g *groups) memberGroups(ctx context.Context, values []string) ([]interface{}, error) {
	var dns []string
	for _, v := range values {
		if g.cfg.EmptyMember != "" && ldapstore.EqualDN(v, g.cfg.EmptyMember) {
			continue
		}
		dns = append(dns, v)
	}
	if len(dns) == 0 {
		return nil, nil
	}
	found, err := g.refs().dnsToTargets(ctx, "group", dns)
	if err != nil {
		return nil, err
	}
	var out []interface{}
	for _, dn := range dns {
		if o, ok := found[normDN(dn)]; ok {
			out = append(out, map[string]interface{}{"value": o.id, "display": o.display, "type": "Group"})
		}
	}
	return out, nil
}

// withRef adds $ref (the member's URL under endpoint) where the request's
// base URL is known.
func withRef(ctx context.Context, m map[string]interface{}, endpoint string) map[string]interface{} {
	if base := refBaseOf(ctx); base != "" {
		m["$ref"] = base + endpoint + "/" + fmt.Sprint(m["value"])
	}
	return m
}

// groupNode is a group met while walking up from users' direct groups.
type groupNode struct {
	ref     map[string]interface{} // as "groups" shows it
	parents []string               // the group's own memberOf
}

// addIndirect adds to each user's groups (out, by user DN, holding the
// direct ones) the groups it is in through nesting, with type "indirect".
// It walks up from the page's direct groups (the users' memberOf) through
// the groups' memberOf: one search per level for the whole page (per
// hundred groups), at most maxNesting levels, never one per user. Only
// with groups.indirectMemberships.
func (u *users) addIndirect(ctx context.Context, entries []*ldapstore.Entry, out map[string][]interface{}) error {
	g := u.groups
	if g == nil || !g.cfg.IndirectMemberships || g.cfg.MemberOfAttribute == "" {
		return nil
	}
	known := map[string]*groupNode{} // normalised DN → node (nil: not a group in scope)
	var frontier []string
	queue := func(dn string) {
		if _, ok := known[normDN(dn)]; !ok {
			known[normDN(dn)] = nil
			frontier = append(frontier, dn)
		}
	}
	for _, e := range entries {
		for _, dn := range e.Get(g.cfg.MemberOfAttribute) {
			queue(dn)
		}
	}
	attrs := []string{g.idAttr, g.cfg.DisplayNameAttribute, g.cfg.MemberOfAttribute}
	for depth := 0; len(frontier) > 0 && depth <= maxNesting; depth++ {
		level := frontier
		frontier = nil
		for start := 0; start < len(level); start += 100 {
			want := map[string]bool{}
			var alts []ldapstore.Filter
			for _, dn := range level[start:min(start+100, len(level))] {
				if attr, val, err := ldapstore.RDNValue(dn); err == nil {
					alts = append(alts, ldapstore.Eq(attr, val))
					want[normDN(dn)] = true
				}
			}
			if len(alts) == 0 {
				continue
			}
			es, err := g.store.Search(ctx, ldapstore.SearchRequest{
				BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(g.scope, ldapstore.Or(alts...)), Attributes: attrs,
			})
			if err != nil {
				return err
			}
			for _, ge := range es {
				n := normDN(ge.DN)
				if !want[n] {
					continue
				}
				ref := groupRef(g, ge)
				ref["type"] = "indirect"
				known[n] = &groupNode{ref: ref, parents: ge.Get(g.cfg.MemberOfAttribute)}
				for _, p := range known[n].parents {
					queue(p)
				}
			}
		}
	}
	for _, e := range entries {
		direct := map[string]bool{}
		var walk []string
		for _, dn := range e.Get(g.cfg.MemberOfAttribute) {
			direct[normDN(dn)] = true
			walk = append(walk, dn)
		}
		seen := map[string]bool{}
		for len(walk) > 0 {
			dn := walk[0]
			walk = walk[1:]
			node := known[normDN(dn)]
			if node == nil {
				continue
			}
			for _, p := range node.parents {
				n := normDN(p)
				if seen[n] || direct[n] {
					continue
				}
				seen[n] = true
				walk = append(walk, p)
				if pn := known[n]; pn != nil {
					ref := make(map[string]interface{}, len(pn.ref))
					for k, v := range pn.ref {
						ref[k] = v // each user its own copy: projections edit in place
					}
					out[e.DN] = append(out[e.DN], ref)
				}
			}
		}
	}
	return nil
}
