package connector

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// groups implements the SCIM Group resource. Membership changes are sent as
// LDAP add/delete of single member values; the member list is read whole
// only where SCIM asks for it (GET with members, PUT, replace of members).
type groups struct {
	dirType
	cfg   config.Groups
	users *users
	// byDN: the member attribute holds user DNs; otherwise (posixGroup)
	// it holds the user's uid.
	byDN bool
}

// memberUIDAttr is the user attribute a posixGroup's memberUid holds.
const memberUIDAttr = "uid"

func (g *groups) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	if err := g.unmappedInDocument(r.Context()); err != nil {
		return scim.Resource{}, err
	}
	res, err := g.create(r.Context(), map[string]interface{}(attrs))
	projectAnswer(r, res)
	return res, toSCIM(r.Context(), g.log, "create group", err)
}

func (g *groups) create(ctx context.Context, doc map[string]interface{}) (scim.Resource, error) {
	name := strings.TrimSpace(fmt.Sprint(mapping.LookupFold(doc, "displayName")))
	if mapping.LookupFold(doc, "displayName") == nil || name == "" {
		return scim.Resource{}, badValue("displayName is required")
	}
	if taken, err := g.nameTaken(ctx, g.cfg.DisplayNameAttribute, name); err != nil {
		return scim.Resource{}, err
	} else if taken {
		return scim.Resource{}, alreadyExists(g.kind, name)
	}
	ids, err := memberIDs(mapping.LookupFold(doc, "members"))
	if err != nil {
		return scim.Resource{}, err
	}
	values, err := g.resolve(ctx, ids)
	if err != nil {
		return scim.Resource{}, err
	}
	if err := g.refs().toDNs(ctx, g.m, doc); err != nil {
		return scim.Resource{}, err
	}
	entry := map[string][]string{"objectClass": g.cfg.ObjectClasses}
	for attr, vals := range g.m.ToLDAP(doc) {
		if len(vals) > 0 {
			entry[attr] = vals
		}
	}
	entry[g.cfg.DisplayNameAttribute] = []string{name}
	switch {
	case len(values) > 0:
		entry[g.cfg.MemberAttribute] = values
	case g.cfg.EmptyMember != "":
		entry[g.cfg.MemberAttribute] = []string{g.cfg.EmptyMember}
	}
	if g.cfg.GroupType != 0 {
		entry["groupType"] = []string{strconv.Itoa(g.cfg.GroupType)}
	}
	if g.cfg.Model == config.PosixGroup {
		gid, err := g.nextGID(ctx)
		if err != nil {
			return scim.Resource{}, err
		}
		entry["gidNumber"] = []string{strconv.Itoa(gid)}
	}
	rdn := name
	if !strings.EqualFold(g.cfg.RDNAttribute, g.cfg.DisplayNameAttribute) {
		if v := entry[g.cfg.RDNAttribute]; len(v) > 0 {
			rdn = v[0]
		}
	}
	parent := g.cfg.CreateDN
	if g.tree.moves() {
		parent = g.tree.parentFor(doc, true)
		if err := g.ensureContainer(ctx, parent); err != nil {
			return scim.Resource{}, err
		}
	}
	dn := ldapstore.ChildDN(g.cfg.RDNAttribute, rdn, parent)
	e, err := g.store.AddRead(ctx, dn, entry, g.ldapAttributes(mapping.Projection{}))
	g.audit.Write(ctx, "add", dn, keys(entry), writeErr(err))
	if err != nil {
		return scim.Resource{}, createConflict(err, entry, "", g.kind, name)
	}
	return g.resource(ctx, e, mapping.Projection{})
}

// nextGID gives a new posixGroup one more than the highest gidNumber in the
// groups subtree (at least gidNumberMin). Two bridges creating groups at the
// same instant can pick the same number; posixGroup does not forbid it and
// the clash is visible in the directory.
func (g *groups) nextGID(ctx context.Context) (int, error) {
	es, err := g.store.Search(ctx, ldapstore.SearchRequest{
		BaseDN: g.baseDN, Bases: g.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.Present("gidNumber"), Attributes: []string{"gidNumber"},
	})
	if err != nil {
		return 0, err
	}
	next := g.cfg.GIDNumberMin
	for _, e := range es {
		if n, err := strconv.Atoi(e.First("gidNumber")); err == nil && n >= next {
			next = n + 1
		}
	}
	return next, nil
}

func (g *groups) Get(r *http.Request, id string) (scim.Resource, error) {
	ctx := r.Context()
	proj := mapping.ParseProjection(r.URL.Query())
	e, err := g.findByID(ctx, id, g.ldapAttributes(proj))
	if err != nil {
		return scim.Resource{}, toSCIM(ctx, g.log, "get group", err)
	}
	res, err := g.resource(ctx, e, proj)
	return res, toSCIM(ctx, g.log, "get group", err)
}

func (g *groups) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	ctx := r.Context()
	proj := mapping.ParseProjection(r.URL.Query())
	sort, err := g.sortKeys(ctx, r.URL.Query(), "displayName", g.cfg.DisplayNameAttribute)
	if err != nil {
		return scim.Page{}, toSCIM(ctx, g.log, "list groups", err)
	}
	entries, total, err := g.list(ctx, g.ldapAttributes(proj), params, sort)
	if err != nil {
		return scim.Page{}, toSCIM(ctx, g.log, "list groups", err)
	}
	page := scim.Page{TotalResults: total, Resources: make([]scim.Resource, 0, len(entries))}
	for _, e := range entries {
		res, err := g.resource(ctx, e, proj)
		if err != nil {
			return scim.Page{}, toSCIM(ctx, g.log, "list groups", err)
		}
		page.Resources = append(page.Resources, res)
	}
	return page, nil
}

// ldapAttributes: the member attribute is requested only when the client
// wants members, so excludedAttributes=members costs nothing on a group of
// any size.
func (g *groups) ldapAttributes(p mapping.Projection) []string {
	attrs := append([]string{g.idAttr, g.cfg.DisplayNameAttribute, g.createdAttr(), g.modifiedAttr()}, g.versionAttrs()...)
	if p.Wants("members") {
		attrs = append(attrs, g.cfg.MemberAttribute)
	}
	return append(attrs, g.mappedAttributes(p)...)
}

func (g *groups) document(e *ldapstore.Entry) map[string]interface{} {
	doc := map[string]interface{}{"displayName": e.First(g.cfg.DisplayNameAttribute)}
	g.m.FromLDAP(e.Get, doc)
	return doc
}

func (g *groups) resource(ctx context.Context, e *ldapstore.Entry, p mapping.Projection) (scim.Resource, error) {
	doc := g.document(e)
	if p.Wants("members") {
		values, err := g.store.AllValues(ctx, e, g.cfg.MemberAttribute)
		if err != nil {
			return scim.Resource{}, err
		}
		members, err := g.members(ctx, values)
		if err != nil {
			return scim.Resource{}, err
		}
		doc["members"] = members
	}
	p.Apply(doc)
	if err := g.refs().resolveDocs(ctx, g.m, []map[string]interface{}{doc}); err != nil {
		return scim.Resource{}, err
	}
	return scim.Resource{ID: g.entryID(e), Attributes: doc, Meta: g.meta(e)}, nil
}

func (g *groups) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx := r.Context()
	if err := g.unmappedInDocument(ctx); err != nil {
		return scim.Resource{}, err
	}
	e, err := g.findByID(ctx, id, g.ldapAttributes(mapping.Projection{}))
	if err != nil {
		return scim.Resource{}, toSCIM(ctx, g.log, "replace group", err)
	}
	if ctx, err = g.precondition(ctx, r, e); err != nil {
		return scim.Resource{}, err
	}
	doc := map[string]interface{}(attrs)
	ids, err := memberIDs(mapping.LookupFold(doc, "members"))
	if err != nil {
		return scim.Resource{}, err
	}
	delta := &memberDelta{}
	delta.replaceWith(ids)
	proj := mapping.ParseProjection(r.URL.Query())
	res, err := g.update(ctx, e, doc, delta, &proj)
	return res, toSCIM(ctx, g.log, "replace group", err)
}

func (g *groups) Patch(r *http.Request, id string, _ []scim.PatchOperation) (scim.Resource, error) {
	ctx := r.Context()
	ops, err := parsePatchBody(web.Body(ctx))
	if err != nil {
		return scim.Resource{}, err
	}
	if len(ops) == 0 {
		return scim.Resource{}, badValue("Operations must hold at least one operation (RFC 7644 §3.5.2).")
	}
	if err := g.unmappedInPatch(ctx, ops); err != nil {
		return scim.Resource{}, err
	}
	// Members are not read here: a membership PATCH on a large group
	// must not cost a read of every member.
	e, err := g.findByID(ctx, id, g.ldapAttributes(mapping.Excluding("members")))
	if err != nil {
		return scim.Resource{}, toSCIM(ctx, g.log, "patch group", err)
	}
	if ctx, err = g.precondition(ctx, r, e); err != nil {
		return scim.Resource{}, err
	}
	doc := g.document(e)
	delta := &memberDelta{}
	var rest []patchOp
	for i, op := range ops {
		handled, err := delta.apply(op)
		if err != nil {
			return scim.Resource{}, toSCIM(ctx, g.log, "patch group", fmt.Errorf("Operations[%d]: %w", i, err))
		}
		if !handled {
			rest = append(rest, op)
		}
	}
	if err := applyPatch(doc, rest, map[string]bool{}, &g.patch); err != nil {
		return scim.Resource{}, toSCIM(ctx, g.log, "patch group", err)
	}
	// Entra prefers 204 for group PATCH, Okta accepts it: an empty result
	// makes the library answer 204 without reading the members back.
	// A client that asks for attributes gets 200 with the group (RFC 7644
	// §3.5.2 MUST), reading members only if it asked for them.
	var back *mapping.Projection
	if q := r.URL.Query(); q.Has("attributes") || q.Has("excludedAttributes") {
		p := mapping.ParseProjection(q)
		back = &p
	}
	res, err := g.update(ctx, e, doc, delta, back)
	return res, toSCIM(ctx, g.log, "patch group", err)
}

// update renames the group when displayName changed, then sends one modify
// with the mapped attributes and the membership delta.
// With back nil it returns no resource: reading the group back means
// reading and resolving every member, which a PATCH answered with 204
// must not cost on a large group. Otherwise the answer has what back asks
// for, and members are read only if it asks for them.
func (g *groups) update(ctx context.Context, e *ldapstore.Entry, doc map[string]interface{}, delta *memberDelta, back *mapping.Projection) (scim.Resource, error) {
	dn := e.DN
	name, _ := mapping.LookupFold(doc, "displayName").(string)
	name = strings.TrimSpace(name)
	if name == "" {
		return scim.Resource{}, badValue("displayName must not be empty")
	}
	if err := g.refs().toDNs(ctx, g.m, doc); err != nil {
		return scim.Resource{}, err
	}
	var changes []ldapstore.Change
	if current := e.First(g.cfg.DisplayNameAttribute); name != current {
		var err error
		if dn, changes, err = g.rename(ctx, dn, current, name, g.cfg.DisplayNameAttribute, g.cfg.RDNAttribute); err != nil {
			return scim.Resource{}, err
		}
	}
	changes = append(changes, g.mappedChanges(e, doc, g.document(e), g.cfg.RDNAttribute, g.cfg.DisplayNameAttribute, g.cfg.MemberAttribute)...)
	dn, err := g.place(ctx, dn, doc, true)
	if err != nil {
		return scim.Resource{}, err
	}
	memberChanges, err := g.memberChanges(ctx, dn, delta)
	if err != nil {
		return scim.Resource{}, err
	}
	changes = append(changes, memberChanges...)
	if back == nil {
		return scim.Resource{}, g.modifyMembers(ctx, dn, changes)
	}
	fresh, err := g.modifyMembersRead(ctx, dn, changes, g.ldapAttributes(*back))
	if err != nil {
		return scim.Resource{}, err
	}
	return g.resource(ctx, fresh, *back)
}

// modifyMembersRead is modifyMembers answering with the group as it is
// afterwards (see modifyRead).
func (g *groups) modifyMembersRead(ctx context.Context, dn string, changes []ldapstore.Change, attrs []string) (*ldapstore.Entry, error) {
	e, err := g.modifyRead(ctx, dn, changes, attrs)
	if ldapstore.Code(err) == ldapstore.CodeObjectClassViolation && g.cfg.EmptyMember != "" {
		changes = append(changes, ldapstore.Change{Op: ldapstore.ChangeAdd, Attr: g.cfg.MemberAttribute, Values: []string{g.cfg.EmptyMember}})
		e, err = g.modifyRead(ctx, dn, changes, attrs)
	}
	return e, err
}

// modifyMembers sends the modify; when it empties a groupOfNames (which the
// schema refuses), it is sent again with the placeholder member added.
func (g *groups) modifyMembers(ctx context.Context, dn string, changes []ldapstore.Change) error {
	err := g.modify(ctx, dn, changes)
	if ldapstore.Code(err) == ldapstore.CodeObjectClassViolation && g.cfg.EmptyMember != "" {
		changes = append(changes, ldapstore.Change{Op: ldapstore.ChangeAdd, Attr: g.cfg.MemberAttribute, Values: []string{g.cfg.EmptyMember}})
		err = g.modify(ctx, dn, changes)
	}
	return err
}

func (g *groups) Delete(r *http.Request, id string) error {
	ctx := r.Context()
	e, err := g.findByID(ctx, id, g.versionAttrs())
	if err != nil {
		return toSCIM(ctx, g.log, "delete group", err)
	}
	if ctx, err = g.precondition(ctx, r, e); err != nil {
		return err
	}
	err = g.store.Delete(ctx, e.DN)
	g.audit.Write(ctx, "delete", e.DN, nil, err)
	return toSCIM(ctx, g.log, "delete group", err)
}

// memberIDs reads the user ids of a members value: a list of {"value": id}
// (one object alone counts as a list).
func memberIDs(v interface{}) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]interface{})
	if !ok {
		if m, isObj := v.(map[string]interface{}); isObj {
			list = []interface{}{m}
		} else {
			return nil, badValue("members must be a list of {\"value\": \"<user id>\"}")
		}
	}
	ids := make([]string, 0, len(list))
	for _, el := range list {
		m, _ := el.(map[string]interface{})
		id, _ := mapping.LookupFold(m, "value").(string)
		if strings.TrimSpace(id) == "" {
			return nil, badValue("every member needs a value (a user id)")
		}
		ids = append(ids, strings.TrimSpace(id))
	}
	return ids, nil
}

// idsInFilter reads the ids of members[value eq "a" or value eq "b"].
func idsInFilter(e scimfilter.Expr) ([]string, bool) {
	switch x := e.(type) {
	case scimfilter.Compare:
		if x.Op == scimfilter.OpEq && strings.EqualFold(x.Path.Name, "value") && x.Value.Kind == scimfilter.KindString {
			return []string{x.Value.Str}, true
		}
	case scimfilter.Logical:
		if x.Op == scimfilter.OpOr {
			l, lok := idsInFilter(x.Left)
			r, rok := idsInFilter(x.Right)
			return append(l, r...), lok && rok
		}
	}
	return nil, false
}

// groupSpecials are the filterable Group attributes outside the mapping.
// displayName eq is what Okta and Entra look groups up by; the directory's
// equality rule for cn makes it case-insensitive.
func (g *groups) groupSpecials() map[string]special {
	sp := g.commonSpecials("displayname", g.cfg.DisplayNameAttribute)
	sp["members.value"] = g.memberFilter
	sp["members"] = g.memberFilter
	return sp
}

// memberFilter answers members.value eq "<user id>" (groups of a user)
// with the member attribute's own index; the id is resolved first.
func (g *groups) memberFilter(ctx context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
	if c.Op != scimfilter.OpEq || c.Value.Kind != scimfilter.KindString {
		return nil, invalidFilter("members can only be filtered with members.value eq \"<user id>\"")
	}
	vals, err := g.resolve(ctx, []string{c.Value.Str})
	if err != nil {
		return ldapstore.None(), nil
	}
	return ldapstore.Eq(g.cfg.MemberAttribute, vals[0]), nil
}
