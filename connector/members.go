package connector

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// memberDelta accumulates the membership effect of PATCH operations in
// order: adds and removes of user ids, or a full replacement (after which
// later adds and removes edit the replacement list).
type memberDelta struct {
	replace bool
	target  []string // the full list, when replace
	add     []string
	remove  []string
}

func (d *memberDelta) replaceWith(ids []string) {
	d.replace, d.target, d.add, d.remove = true, dedupe(ids), nil, nil
}

func (d *memberDelta) addIDs(ids []string) {
	if d.replace {
		d.target = dedupe(append(d.target, ids...))
		return
	}
	d.remove = without(d.remove, ids)
	d.add = dedupe(append(d.add, ids...))
}

func (d *memberDelta) removeIDs(ids []string) {
	if d.replace {
		d.target = without(d.target, ids)
		return
	}
	d.add = without(d.add, ids)
	d.remove = dedupe(append(d.remove, ids...))
}

// apply takes the operations that target members, in every shape Okta and
// Entra send; it reports false for operations on other attributes.
func (d *memberDelta) apply(op patchOp) (bool, error) {
	kind := strings.ToLower(op.Op)
	value, err := decodeValue(op.Value)
	if err != nil {
		return false, errors.ScimErrorInvalidSyntax
	}
	if strings.TrimSpace(op.Path) == "" {
		// {"op":"replace","value":{"displayName":…,"members":[…]}}: take
		// members out, leave the rest to the document patch.
		obj, ok := value.(map[string]interface{})
		if !ok || mapping.LookupFold(obj, "members") == nil {
			return false, nil
		}
		ids, err := memberIDs(mapping.LookupFold(obj, "members"))
		if err != nil {
			return false, err
		}
		if kind == "add" {
			d.addIDs(ids)
		} else {
			d.replaceWith(ids)
		}
		// The document patch also sees members and ignores them: they are
		// not a mapped attribute.
		return false, nil
	}
	p, err := scimfilter.ParsePath(op.Path)
	if err != nil || !strings.EqualFold(p.Name, "members") || p.URN != "" {
		return false, nil
	}
	if p.Filter != nil {
		// members[value eq "id"] (or several joined by or)
		ids, ok := idsInFilter(p.Filter)
		if !ok || kind != "remove" || p.Sub != "" {
			return true, scimErr(http.StatusBadRequest, errors.ScimTypeInvalidPath, `members filters take the form members[value eq "<user id>"] with remove`)
		}
		d.removeIDs(ids)
		return true, nil
	}
	ids, err := memberIDs(value)
	if err != nil {
		return true, err
	}
	switch kind {
	case "add":
		d.addIDs(ids)
	case "replace":
		d.replaceWith(ids)
	case "remove":
		if value == nil {
			d.replaceWith(nil) // remove without value: all members
		} else {
			d.removeIDs(ids) // Entra: remove with a value list
		}
	default:
		return true, badValue(fmt.Sprintf("op %q is not add, replace or remove", op.Op))
	}
	return true, nil
}

// memberChanges turns the delta into add/delete modifications. Adds and
// removes are checked value by value against the group (one indexed
// compare-like search each), so a re-sent add or remove is a no-op and the
// member list is never read; a replacement reads the current list once.
func (g *groups) memberChanges(ctx context.Context, dn string, d *memberDelta) ([]ldapstore.Change, error) {
	attr := g.cfg.MemberAttribute
	if d.replace {
		want, nested, err := g.resolveMembers(ctx, d.target, false)
		if err != nil {
			return nil, err
		}
		e, err := g.readDN(ctx, dn, []string{attr})
		if err != nil {
			return nil, err
		}
		have, err := g.store.AllValues(ctx, e, attr)
		if err != nil {
			return nil, err
		}
		add, del := diffValues(have, want, g.sameMember)
		if err := g.checkNoCycle(ctx, dn, groupValues(add, nested)); err != nil {
			return nil, err
		}
		if len(want) > 0 && g.cfg.EmptyMember != "" && containsValue(have, g.cfg.EmptyMember, g.sameMember) {
			del = append(del, g.cfg.EmptyMember)
		}
		if len(want) == 0 && g.cfg.EmptyMember != "" && !containsValue(have, g.cfg.EmptyMember, g.sameMember) {
			add = append(add, g.cfg.EmptyMember)
		}
		return memberMods(attr, add, del), nil
	}
	addVals, nested, err := g.resolveMembers(ctx, d.add, false)
	if err != nil {
		return nil, err
	}
	// A user who is gone is no member: removing it leaves the group as the
	// client wants it, as a re-sent remove does (Okta and Entra remove
	// members after deleting their users).
	delVals, _, err := g.resolveMembers(ctx, d.remove, true)
	if err != nil {
		return nil, err
	}
	var add, del []string
	for _, v := range addVals {
		if in, err := g.hasMember(ctx, dn, v); err != nil {
			return nil, err
		} else if !in {
			add = append(add, v)
		}
	}
	for _, v := range delVals {
		if in, err := g.hasMember(ctx, dn, v); err != nil {
			return nil, err
		} else if in {
			del = append(del, v)
		}
	}
	if err := g.checkNoCycle(ctx, dn, groupValues(add, nested)); err != nil {
		return nil, err
	}
	if len(add) > 0 && g.cfg.EmptyMember != "" {
		if in, err := g.hasMember(ctx, dn, g.cfg.EmptyMember); err != nil {
			return nil, err
		} else if in {
			del = append(del, g.cfg.EmptyMember)
		}
	}
	return memberMods(attr, add, del), nil
}

func memberMods(attr string, add, del []string) []ldapstore.Change {
	var cs []ldapstore.Change
	if len(add) > 0 {
		cs = append(cs, ldapstore.Change{Op: ldapstore.ChangeAdd, Attr: attr, Values: add})
	}
	if len(del) > 0 {
		cs = append(cs, ldapstore.Change{Op: ldapstore.ChangeDelete, Attr: attr, Values: del})
	}
	return cs
}

// hasMember asks the directory whether the group holds one value, using
// the attribute's own equality rule (DN matching for member).
func (g *groups) hasMember(ctx context.Context, dn, value string) (bool, error) {
	e, err := g.store.SearchOne(ctx, ldapstore.SearchRequest{
		BaseDN: dn, Scope: ldapstore.ScopeBase, Filter: ldapstore.Eq(g.cfg.MemberAttribute, value),
	})
	return e != nil, err
}

func (g *groups) sameMember(a, b string) bool {
	if g.byDN {
		return ldapstore.EqualDN(a, b)
	}
	return a == b
}

// resolve maps SCIM member ids to member attribute values (user DNs or
// uids, and group DNs: see resolveMembers in nesting.go). An id that is no
// member is a 400 and nothing is written.
func (g *groups) resolve(ctx context.Context, ids []string) ([]string, error) {
	vals, _, err := g.resolveMembers(ctx, ids, false)
	return vals, err
}

// members maps member attribute values back to SCIM members, looking the
// users up by their RDN value in batches of a hundred and keeping only exact
// DN matches; values that are no user are looked up as groups (nested
// groups, type Group); the placeholder and dangling values are not shown.
func (g *groups) members(ctx context.Context, values []string) ([]interface{}, error) {
	u := g.users
	out := make([]interface{}, 0, len(values))
	keyAttr := memberUIDAttr
	if g.byDN {
		keyAttr = u.cfg.RDNAttribute
	}
	// DN values not (yet) found as users: looked up as groups after. Kept
	// without normalising any DN twice: GET of a 10,000-member group
	// spends its time here.
	var others []string
	for start := 0; start < len(values); start += 100 {
		chunk := values[start:min(start+100, len(values))]
		want := map[string]string{} // normalised DN (or uid) → value
		var alts []ldapstore.Filter
		for _, v := range chunk {
			key := v
			if g.byDN {
				attr, val, err := ldapstore.RDNValue(v)
				if err != nil || !strings.EqualFold(attr, keyAttr) {
					others = append(others, v)
					continue
				}
				key = val
				want[normDN(v)] = v
			} else {
				want[v] = v
			}
			alts = append(alts, ldapstore.Eq(keyAttr, key))
		}
		if len(alts) == 0 {
			continue
		}
		es, err := g.store.Search(ctx, ldapstore.SearchRequest{
			BaseDN: u.baseDN, Bases: u.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(u.scope, ldapstore.Or(alts...)),
			Attributes: []string{u.idAttr, u.cfg.UserNameAttribute, memberUIDAttr},
		})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			k := e.First(memberUIDAttr)
			if g.byDN {
				k = normDN(e.DN)
			}
			if _, ok := want[k]; !ok {
				continue
			}
			delete(want, k)
			out = append(out, withRef(ctx, map[string]interface{}{"value": u.entryID(e), "display": e.First(u.cfg.UserNameAttribute), "type": "User"}, "Users"))
		}
		if g.byDN {
			for _, v := range want {
				others = append(others, v)
			}
		}
	}
	if !g.byDN || len(others) == 0 {
		return out, nil
	}
	nested, err := g.memberGroups(ctx, others)
	if err != nil {
		return nil, err
	}
	for _, m := range nested {
		out = append(out, withRef(ctx, m.(map[string]interface{}), "Groups"))
	}
	return out, nil
}

// groupsOf finds the groups of each user entry for the users' read-only
// "groups" attribute: from memberOf when the directory keeps it (one batched
// lookup for a whole page), else with one search per user.
func (u *users) groupsOf(ctx context.Context, entries []*ldapstore.Entry, p mapping.Projection) (map[string][]interface{}, error) {
	g := u.groups
	if g == nil || !p.Wants("groups") || len(entries) == 0 {
		return nil, nil
	}
	out := map[string][]interface{}{}
	attrs := []string{g.idAttr, g.cfg.DisplayNameAttribute}
	if g.cfg.MemberOfAttribute != "" {
		byName := map[string][]string{} // group RDN value → member user DNs
		for _, e := range entries {
			for _, gdn := range e.Get(g.cfg.MemberOfAttribute) {
				if _, val, err := ldapstore.RDNValue(gdn); err == nil {
					byName[val] = append(byName[val], e.DN+"\x00"+normDN(gdn))
				}
			}
		}
		var alts []ldapstore.Filter
		for name := range byName {
			alts = append(alts, ldapstore.Eq(g.cfg.RDNAttribute, name))
		}
		for start := 0; start < len(alts); start += 100 {
			es, err := g.store.Search(ctx, ldapstore.SearchRequest{
				BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(g.scope, ldapstore.Or(alts[start:min(start+100, len(alts))]...)), Attributes: attrs,
			})
			if err != nil {
				return nil, err
			}
			for _, ge := range es {
				_, val, _ := ldapstore.RDNValue(ge.DN)
				for _, pair := range byName[val] {
					userDN, gdn, _ := strings.Cut(pair, "\x00")
					if gdn == normDN(ge.DN) {
						out[userDN] = append(out[userDN], groupRef(g, ge))
					}
				}
			}
		}
		return out, u.addIndirect(ctx, entries, out)
	}
	for _, e := range entries {
		v := e.DN
		if !g.byDN {
			v = e.First(memberUIDAttr)
		}
		es, err := g.store.Search(ctx, ldapstore.SearchRequest{
			BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(g.scope, ldapstore.Eq(g.cfg.MemberAttribute, v)), Attributes: attrs,
		})
		if err != nil {
			return nil, err
		}
		for _, ge := range es {
			out[e.DN] = append(out[e.DN], groupRef(g, ge))
		}
	}
	return out, nil
}

func groupRef(g *groups, e *ldapstore.Entry) map[string]interface{} {
	return map[string]interface{}{"value": g.entryID(e), "display": e.First(g.cfg.DisplayNameAttribute), "type": "direct"}
}

// cleanupMemberships removes a deleted user from every group (or follows a
// rename) where the directory does not do it itself.
func (u *users) cleanupMemberships(ctx context.Context, oldValue, newValue string) error {
	g := u.groups
	if g == nil || g.cfg.MembershipCleanup != "bridge" || oldValue == newValue {
		return nil
	}
	es, err := g.store.Search(ctx, ldapstore.SearchRequest{
		BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(g.scope, ldapstore.Eq(g.cfg.MemberAttribute, oldValue)),
	})
	if err != nil {
		return err
	}
	for _, ge := range es {
		changes := []ldapstore.Change{{Op: ldapstore.ChangeDelete, Attr: g.cfg.MemberAttribute, Values: []string{oldValue}}}
		if newValue != "" {
			changes = append(changes, ldapstore.Change{Op: ldapstore.ChangeAdd, Attr: g.cfg.MemberAttribute, Values: []string{newValue}})
		}
		if err := g.modifyMembers(ctx, ge.DN, changes); err != nil {
			return err
		}
	}
	return nil
}

func normDN(dn string) string {
	return ldapstore.NormalizeDN(dn)
}

func diffValues(have, want []string, same func(a, b string) bool) (add, del []string) {
	for _, w := range want {
		if !containsValue(have, w, same) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !containsValue(want, h, same) {
			del = append(del, h)
		}
	}
	return add, del
}

func containsValue(list []string, v string, same func(a, b string) bool) bool {
	for _, x := range list {
		if same(x, v) {
			return true
		}
	}
	return false
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, v := range list {
		if k := strings.ToLower(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func without(list, remove []string) []string {
	var out []string
	for _, v := range list {
		if !mapping.ContainsFold(remove, v) {
			out = append(out, v)
		}
	}
	return out
}
