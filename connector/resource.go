package connector

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// dirType is what Users and Groups share: where their entries live, which
// entries are of the type, how the immutable id is stored, and the
// attribute mapping.
type dirType struct {
	kind   string // "User" or "Group", for messages
	store  *ldapstore.Store
	baseDN string
	bases  []string // every searched subtree, when more than baseDN (tree.go)
	tree   *tree    // placement and moves (tree.go)
	scope  ldapstore.Filter
	idAttr string
	ids    ldapstore.IDFormat // how idAttr's value becomes the SCIM id
	// created and modified hold meta's times ("" = createTimestamp and
	// modifyTimestamp).
	created, modified string
	m                 *mapping.Mapping
	filter            filterTranslator
	patch             patchScope
	log               *slog.Logger
	audit             *web.AuditLog
	// section is the YAML section of the type ("users"); builtin reports
	// the top-level attributes kept outside the mapping (userName, id…),
	// which unmapped never reports.
	section  string
	builtin  func(name string) bool
	unmapped *unmappedPolicy
	// version is the change marker attribute (versionAttribute), "" for
	// none; see etag.go.
	version string
	// stringOrdering is the ordering rule string sort keys need on this
	// directory, "" for the attribute's own (sort.go).
	stringOrdering string
	// dns remembers the DN of each id seen (dncache.go).
	dns *dnCache
}

// init compiles the mapping of one resource type; section names the YAML
// section in errors ("users", "groups").
func (d *dirType) init(kind, section string, store *ldapstore.Store, log *slog.Logger, audit *web.AuditLog,
	baseDN, scopeFilter, idAttr string, attrs []config.AttributeMapping, schemas mapping.SchemaSet, exts []scim.SchemaExtension, reserved map[string]string) error {
	m, err := mapping.Compile(section, attrs, schemas, reserved)
	if err != nil {
		return err
	}
	scope, err := ldapstore.ParseFilter(scopeFilter)
	if err != nil {
		return fmt.Errorf("%s.filter: %w", section, err)
	}
	*d = dirType{kind: kind, store: store, baseDN: baseDN, scope: scope, idAttr: idAttr, m: m, log: log, audit: audit, section: section}
	d.dns = &dnCache{}
	d.filter = filterTranslator{m: m}
	d.patch = patchScope{core: schemas.Core.ID, schemas: schemas, m: m}
	for _, e := range exts {
		d.patch.urns = append(d.patch.urns, e.Schema.ID)
	}
	return nil
}

// commonSpecials are the filterable attributes every resource type has
// outside its mapping (RFC 7643 §3.1), plus the one that names it
// (userName, displayName); each type adds its own.
func (d *dirType) commonSpecials(nameKey, nameAttr string) map[string]special {
	return map[string]special{
		nameKey: func(_ context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
			return ldapCompare(nameAttr, c, "string")
		},
		"id": d.idCompare,
		"meta.lastmodified": func(_ context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
			return ldapCompare(d.modifiedAttr(), c, "dateTime")
		},
		"meta.created": func(_ context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
			return ldapCompare(d.createdAttr(), c, "dateTime")
		},
	}
}

// Operational attributes read for meta.
const (
	attrCreated  = "createTimestamp"
	attrModified = "modifyTimestamp"
)

func (d *dirType) findByID(ctx context.Context, id string, attrs []string) (*ldapstore.Entry, error) {
	idf, ok := d.idFilter(id)
	if !ok {
		return nil, notFound(d.kind, id)
	}
	e, err := d.store.SearchOne(ctx, ldapstore.SearchRequest{
		BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub,
		Filter: ldapstore.And(d.scope, idf), Attributes: attrs,
	})
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, notFound(d.kind, id)
	}
	d.remember(e)
	return e, nil
}

// entriesByID looks ids up, a hundred per search, reading attrs besides
// the id attribute; the answer is keyed by the lower-cased id as the client
// spelled it, and ids that match no entry (or are not ids at all) are
// absent.
func (d *dirType) entriesByID(ctx context.Context, ids []string, attrs ...string) (map[string]*ldapstore.Entry, error) {
	found := map[string]*ldapstore.Entry{}
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		var alts []ldapstore.Filter
		for _, id := range chunk {
			if f, ok := d.idFilter(id); ok {
				alts = append(alts, f)
			}
		}
		if len(alts) == 0 {
			continue
		}
		es, err := d.store.Search(ctx, ldapstore.SearchRequest{
			BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.And(d.scope, ldapstore.Or(alts...)),
			Attributes: append([]string{d.idAttr}, attrs...),
		})
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*ldapstore.Entry, len(es))
		for _, e := range es {
			byID[strings.ToLower(d.entryID(e))] = e
		}
		for _, id := range chunk {
			if e, ok := byID[strings.ToLower(d.canonicalID(id))]; ok {
				found[strings.ToLower(id)] = e
			}
		}
	}
	return found, nil
}

func (d *dirType) readDN(ctx context.Context, dn string, attrs []string) (*ldapstore.Entry, error) {
	e, err := d.store.SearchOne(ctx, ldapstore.SearchRequest{BaseDN: dn, Scope: ldapstore.ScopeBase, Filter: ldapstore.All(), Attributes: attrs})
	if err == nil && e == nil {
		err = fmt.Errorf("entry %s vanished after write", dn)
	}
	return e, err
}

// list runs a SCIM list request: the filter is pushed down whole, and only
// the requested page is decoded.
func (d *dirType) list(ctx context.Context, attrs []string, params scim.ListRequestParams, sort []ldapstore.SortKey) ([]*ldapstore.Entry, int, error) {
	f := d.scope
	if raw := rawFilter(ctx); raw != "" {
		tf, err := d.filter.translate(ctx, raw)
		if err != nil {
			return nil, 0, err
		}
		f = ldapstore.And(d.scope, tf)
	}
	return d.store.SearchPage(ctx, ldapstore.SearchRequest{
		BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub, Filter: f, Attributes: attrs, Sort: sort,
	}, params.StartIndex-1, params.Count)
}

// nameTaken looks a name up in the whole subtree: the directory's equality
// rule (caseIgnoreMatch for uid and cn) makes the check case-insensitive,
// as SCIM's userName and displayName are.
func (d *dirType) nameTaken(ctx context.Context, attr, name string) (bool, error) {
	e, err := d.store.Search(ctx, ldapstore.SearchRequest{
		BaseDN: d.baseDN, Bases: d.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.Eq(attr, name), SizeLimit: 1,
	})
	if ldapstore.Code(err) == ldapstore.CodeSizeLimitExceeded {
		return true, nil
	}
	return len(e) > 0, err
}

// rename gives the entry at dn the name (its current one is current): a
// name another entry has is refused (the check ignores case, so a change of
// case alone passes); when nameAttr is the RDN the entry is renamed and its
// new DN returned, otherwise the change that replaces nameAttr.
func (d *dirType) rename(ctx context.Context, dn, current, name, nameAttr, rdnAttr string) (string, []ldapstore.Change, error) {
	if !strings.EqualFold(name, current) {
		taken, err := d.nameTaken(ctx, nameAttr, name)
		if err != nil {
			return dn, nil, err
		}
		if taken {
			return dn, nil, alreadyExists(d.kind, name)
		}
	}
	if !strings.EqualFold(rdnAttr, nameAttr) {
		return dn, []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: nameAttr, Values: []string{name}}}, nil
	}
	newDN, err := d.store.Rename(ctx, dn, rdnAttr, name)
	d.audit.Write(ctx, "rename", dn, []string{rdnAttr}, err)
	if err != nil {
		return dn, nil, nameConflict(refused(err, map[string][]string{rdnAttr: {name}}, ""), d.kind, name)
	}
	return newDN, nil, nil
}

// modify sends one modify (nothing when there are no changes) and audits it.
func (d *dirType) modify(ctx context.Context, dn string, changes []ldapstore.Change) error {
	if len(changes) == 0 {
		return nil
	}
	err := d.store.Modify(ctx, dn, changes)
	d.audit.Write(ctx, "modify", dn, changeAttrs(changes), err)
	return refusedChanges(err, changes, "")
}

// modifyRead sends one modify (nothing when there are no changes), audits
// it, and returns the entry as it is afterwards with attrs: from the
// modify's answer where the directory supports Post-Read, else read back.
func (d *dirType) modifyRead(ctx context.Context, dn string, changes []ldapstore.Change, attrs []string) (*ldapstore.Entry, error) {
	e, err := d.store.ModifyRead(ctx, dn, changes, attrs)
	if len(changes) > 0 {
		d.audit.Write(ctx, "modify", dn, changeAttrs(changes), writeErr(err))
	}
	if werr := writeErr(err); werr != nil {
		return e, refusedChanges(werr, changes, "")
	}
	return e, err
}

// writeErr is err unless it came from reading the entry back after a
// write that succeeded, which the audit log must record as done.
func writeErr(err error) error {
	var le *ldapstore.Error
	if stderrors.As(err, &le) && le.Op == "search" {
		return nil
	}
	return err
}

// mappedChanges diffs the mapped attributes of doc against the entry.
// Attributes the mapping does not cover are never touched, nor those skip
// names (the RDN, handled by a rename). Derived attributes are rewritten
// only when their inputs changed, so a value an admin edited in the
// directory survives unrelated updates; current is the entry as a SCIM
// document, to know the old inputs.
func (d *dirType) mappedChanges(e *ldapstore.Entry, doc, current map[string]interface{}, skip ...string) []ldapstore.Change {
	want := d.m.ToLDAP(doc)
	var before map[string][]string
	var changes []ldapstore.Change
	for _, f := range d.m.Fields {
		if mapping.ContainsFold(skip, f.LDAP) {
			continue
		}
		vals := want[f.LDAP]
		if f.IsDerived() || len(vals) == 0 && f.Default != nil {
			if before == nil {
				before = d.m.ToLDAP(current)
			}
			if sameValues(before[f.LDAP], vals) {
				continue
			}
		}
		if sameValues(e.Get(f.LDAP), vals) {
			continue
		}
		changes = append(changes, ldapstore.Change{Op: ldapstore.ChangeReplace, Attr: f.LDAP, Values: vals})
	}
	return changes
}

func (d *dirType) createdAttr() string {
	if d.created != "" {
		return d.created
	}
	return attrCreated
}

func (d *dirType) modifiedAttr() string {
	if d.modified != "" {
		return d.modified
	}
	return attrModified
}

// meta fills SCIM meta from the directory's timestamps.
func (d *dirType) meta(e *ldapstore.Entry) scim.Meta {
	var m scim.Meta
	if t, ok := mapping.GeneralizedTime(e.First(d.createdAttr())); ok {
		m.Created = &t
	}
	if t, ok := mapping.GeneralizedTime(e.First(d.modifiedAttr())); ok {
		m.LastModified = &t
	}
	m.Version = d.entryVersion(e)
	return m
}

// mappedAttributes lists the mapped LDAP attributes a projection needs.
func (d *dirType) mappedAttributes(p mapping.Projection) []string {
	return d.m.LDAPAttributes(func(f *mapping.Field) bool {
		if f.URN != "" {
			return p.Wants(f.URN)
		}
		return p.Wants(f.Attr)
	})
}

// projectAnswer applies the request's attributes / excludedAttributes to
// the resource a write answers with (RFC 7644 §3.9: POST, PUT and PATCH
// honour them as GET does).
func projectAnswer(r *http.Request, res scim.Resource) {
	if res.Attributes != nil {
		mapping.ParseProjection(r.URL.Query()).Apply(res.Attributes)
	}
}

func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, v := range a {
		seen[v]++
	}
	for _, v := range b {
		if seen[v] == 0 {
			return false
		}
		seen[v]--
	}
	return true
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func changeAttrs(cs []ldapstore.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Attr)
	}
	return out
}

// validID rejects ids the directory could never hold before they reach a
// filter: a malformed entryUUID assertion is an LDAP error on some servers.
func validID(idAttr, id string) bool {
	switch {
	case strings.EqualFold(idAttr, "entryUUID"):
		return uuidSyntax.MatchString(id)
	case strings.EqualFold(idAttr, "nsUniqueId"):
		return nsUniqueIDSyntax.MatchString(id)
	}
	return id != "" && len(id) <= 256
}

// nsUniqueIDSyntax is 389 DS's "xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx".
var nsUniqueIDSyntax = regexp.MustCompile(`^[0-9a-fA-F]{8}(-[0-9a-fA-F]{8}){3}$`)

// idFilter is the equality filter for a SCIM id (an escaped binary filter
// for objectGUID); false when no entry can have this id.
func (d *dirType) idFilter(id string) (ldapstore.Filter, bool) {
	if d.ids == ldapstore.IDString && !validID(d.idAttr, id) {
		return ldapstore.None(), false
	}
	return d.ids.Filter(d.idAttr, id)
}

// canonicalID is id as entryID renders it ("{ABC…}" → "abc…" for GUIDs),
// to match ids a client spelled differently.
func (d *dirType) canonicalID(id string) string {
	return d.ids.Canonical(id)
}

// entryID is the SCIM id of an entry.
func (d *dirType) entryID(e *ldapstore.Entry) string {
	return d.ids.Format(e.First(d.idAttr))
}

// idCompare translates a filter on id. A binary id only has equality:
// substrings and ordering of GUID bytes mean nothing to a client.
func (d *dirType) idCompare(_ context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
	if d.ids == ldapstore.IDString {
		if c.Op == scimfilter.OpEq && !validID(d.idAttr, c.Value.Str) {
			return ldapstore.None(), nil
		}
		return ldapCompare(d.idAttr, c, "string")
	}
	switch c.Op {
	case scimfilter.OpPr:
		return ldapstore.Present(d.idAttr), nil
	case scimfilter.OpEq, scimfilter.OpNe:
		if c.Value.Kind != scimfilter.KindString {
			return nil, invalidFilter("id is compared with a string")
		}
		f, _ := d.idFilter(c.Value.Str)
		if c.Op == scimfilter.OpNe {
			return ldapstore.Not(f), nil
		}
		return f, nil
	}
	return nil, invalidFilter("id takes eq, ne or pr")
}
