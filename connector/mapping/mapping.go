package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/elimity-com/scim/schema"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

// Field is one compiled users.attributes[i] entry.
type Field struct {
	yamlPath string // users.attributes[3], for error messages
	LDAP     string // LDAP attribute as configured
	ldapKey  string // lower-cased, for entry lookups

	// Where the value lives in a SCIM document (canonical names).
	URN   string // extension schema URN, "" for the core schema
	Attr  string
	Sub   string // sub-attribute of a complex attribute, "" for simple
	Multi bool   // attr is multi-valued (emails, phoneNumbers, …)
	// For multi-valued attributes: which element the field stands for.
	TypeValue   string // element whose type equals this ("" = see primaryOnly/all)
	primaryOnly bool   // [primary eq true]
	Primary     bool   // first field of this attr: takes the fallback and reads back as primary
	SimpleType  string // SCIM type of the value: string, boolean, integer, decimal, dateTime

	template *template // derived attribute (write-only)
	Default  *template // written when the SCIM value is empty

	// Ref is "user" or "group" for a reference (the directory holds the
	// target's DN, SCIM its id; see reference.go), "" for a plain value.
	Ref string
	// refSubs are the sub-attributes a reference's value object may show
	// (value, display or displayName, $ref, type), as the schema has them.
	refSubs []string
	// RefCleanup is the mapping's referenceCleanup ("directory", "bridge").
	RefCleanup string
}

// IsDerived reports whether the field is computed from a template only.
func (f *Field) IsDerived() bool { return f.template != nil }

// Mapping is the compiled translation for one resource type.
type Mapping struct {
	Fields []*Field
	// byLDAP finds the field that owns an LDAP attribute (lower-cased).
	byLDAP map[string]*Field
	// extensions are the schema URNs used by fields, in first-use order.
	extensions []string
}

// SchemaSet is what a mapping is compiled against: the core schema and the
// extension schemas by URN.
type SchemaSet struct {
	Core       schema.Schema
	extensions map[string]schema.Schema // lower-cased URN
}

// Compile checks every attribute mapping against the SCIM schemas and
// returns the compiled form; errors name the YAML path and the fix.
func Compile(section string, list []config.AttributeMapping, schemas SchemaSet, reserved map[string]string) (*Mapping, error) {
	m := &Mapping{byLDAP: map[string]*Field{}}
	var problems []string
	seenPrimary := map[string]bool{}
	for i, am := range list {
		p := fmt.Sprintf("%s.attributes[%d]", section, i)
		f, err := compileField(p, am, schemas, reserved)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if other, dup := m.byLDAP[f.ldapKey]; dup {
			problems = append(problems, fmt.Sprintf("%s.ldap: %q is already written by %s; map each LDAP attribute once", p, f.LDAP, other.yamlPath))
			continue
		}
		if f.Multi && !f.IsDerived() {
			key := f.URN + "|" + f.Attr
			if !seenPrimary[key] {
				seenPrimary[key] = true
				f.Primary = true
			}
		}
		if f.URN != "" && !ContainsFold(m.extensions, f.URN) {
			m.extensions = append(m.extensions, f.URN)
		}
		m.byLDAP[f.ldapKey] = f
		m.Fields = append(m.Fields, f)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return m, nil
}

func compileField(p string, am config.AttributeMapping, schemas SchemaSet, reserved map[string]string) (*Field, error) {
	f := &Field{yamlPath: p, LDAP: am.LDAP, ldapKey: strings.ToLower(am.LDAP), SimpleType: "string", Ref: am.Reference, RefCleanup: am.ReferenceCleanup}
	var err error
	if am.Template != "" {
		if f.template, err = parseTemplate(am.Template); err != nil {
			return nil, fmt.Errorf("%s.template: %w", p, err)
		}
	}
	if am.Default != "" {
		if f.Default, err = parseTemplate(am.Default); err != nil {
			return nil, fmt.Errorf("%s.default: %w", p, err)
		}
	}
	if am.SCIM == "" {
		return f, nil
	}
	path, err := scimfilter.ParsePath(am.SCIM)
	if err != nil {
		return nil, fmt.Errorf("%s.scim: %q is not a SCIM attribute path (%v); write e.g. name.givenName or emails[type eq \"work\"].value", p, am.SCIM, err)
	}
	if why, ok := reserved[strings.ToLower(path.Name)]; ok && path.URN == "" {
		return nil, fmt.Errorf("%s.scim: %s; remove this entry", p, why)
	}
	if path.URN == "" && strings.EqualFold(path.Name, "externalId") && path.Sub == "" && path.Filter == nil {
		// A common attribute (RFC 7643 §3.1), not part of the core schema.
		f.Attr = "externalId"
		return f, nil
	}
	sch := schemas.Core
	if path.URN != "" {
		ext, ok := schemas.extensions[strings.ToLower(path.URN)]
		if !ok {
			return nil, fmt.Errorf("%s.scim: unknown schema %q", p, path.URN)
		}
		sch, f.URN = ext, ext.ID
	}
	a, ok := findAttr(sch.Attributes, path.Name)
	if !ok {
		return nil, fmt.Errorf("%s.scim: %q is not an attribute of %s; known: %s", p, path.Name, sch.ID, attrNames(sch.Attributes))
	}
	f.Attr = a.Name()
	f.Multi = a.MultiValued()
	if a.HasSubAttributes() {
		subName := path.Sub
		if subName == "" && (f.Multi || f.Ref != "") {
			subName = "value"
		}
		if subName == "" {
			return nil, fmt.Errorf("%s.scim: %q is complex; name one of its sub-attributes, e.g. %s.%s", p, a.Name(), a.Name(), a.SubAttributes()[0].Name())
		}
		s, ok := findAttr(a.SubAttributes(), subName)
		if !ok {
			return nil, fmt.Errorf("%s.scim: %q has no sub-attribute %q; known: %s", p, a.Name(), subName, attrNames(a.SubAttributes()))
		}
		f.Sub = s.Name()
		f.SimpleType = s.AttributeType()
		if f.Ref != "" {
			if err := f.setRefSubs(a); err != nil {
				return nil, fmt.Errorf("%s.reference: %w", p, err)
			}
		}
	} else {
		if path.Sub != "" {
			return nil, fmt.Errorf("%s.scim: %q has no sub-attributes; remove %q", p, a.Name(), "."+path.Sub)
		}
		f.SimpleType = a.AttributeType()
	}
	if path.Filter != nil {
		if !f.Multi {
			return nil, fmt.Errorf("%s.scim: only multi-valued attributes take a [filter]; remove it from %q", p, am.SCIM)
		}
		if err := f.setSelector(path.Filter); err != nil {
			return nil, fmt.Errorf("%s.scim: %w", p, err)
		}
	}
	return f, nil
}

// setSelector accepts the element selectors a mapping can store:
// [type eq "work"] and [primary eq true].
func (f *Field) setSelector(e scimfilter.Expr) error {
	c, ok := e.(scimfilter.Compare)
	if ok && c.Op == scimfilter.OpEq && c.Path.URN == "" && c.Path.Sub == "" {
		switch {
		case strings.EqualFold(c.Path.Name, "type") && c.Value.Kind == scimfilter.KindString:
			f.TypeValue = c.Value.Str
			return nil
		case strings.EqualFold(c.Path.Name, "primary") && c.Value.Kind == scimfilter.KindBool && c.Value.Bool:
			f.primaryOnly = true
			return nil
		}
	}
	return fmt.Errorf("a mapping selects an element with [type eq \"work\"] or [primary eq true], not [%s]", scimfilter.String(e))
}

func findAttr(attrs schema.Attributes, name string) (schema.CoreAttribute, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name(), name) {
			return a, true
		}
	}
	return schema.CoreAttribute{}, false
}

func attrNames(attrs schema.Attributes) string {
	names := make([]string, 0, len(attrs))
	for _, a := range attrs {
		names = append(names, a.Name())
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func ContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// LDAPAttributes lists the LDAP attributes the fields read (derived ones are
// never read back).
func (m *Mapping) LDAPAttributes(include func(*Field) bool) []string {
	var out []string
	for _, f := range m.Fields {
		if !f.IsDerived() && (include == nil || include(f)) {
			out = append(out, f.LDAP)
		}
	}
	return out
}

// ToLDAP computes the LDAP values of every field from a SCIM document.
// Fields with no value map to nil, so a caller can tell "clear it" from
// "not mapped".
func (m *Mapping) ToLDAP(doc map[string]interface{}) map[string][]string {
	out := make(map[string][]string, len(m.Fields))
	for _, f := range m.Fields {
		var vals []string
		if f.IsDerived() {
			if v := f.template.render(doc); v != "" {
				vals = []string{v}
			}
		} else if f.Ref != "" {
			vals = f.refDNs(doc)
		} else {
			vals = distinct(f.get(doc))
		}
		if len(vals) == 0 && f.Default != nil {
			if v := f.Default.render(doc); v != "" {
				vals = []string{v}
			}
		}
		out[f.LDAP] = vals
	}
	return out
}

// distinct drops repeated values: RFC 7643 §2.4 makes two equal values of
// a multi-valued attribute one, and the directory would refuse the second
// (attributeOrValueExists). Equal ignores case, as LDAP's matching rules
// for mail, telephoneNumber and most strings do.
func distinct(vals []string) []string {
	for i := 1; i < len(vals); i++ {
		if ContainsFold(vals[:i], vals[i]) {
			out := append([]string{}, vals[:i]...)
			for _, v := range vals[i+1:] {
				if !ContainsFold(out, v) {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return vals
}

// FromLDAP fills a SCIM document with every field's values from an entry.
func (m *Mapping) FromLDAP(get func(attr string) []string, doc map[string]interface{}) {
	for _, f := range m.Fields {
		if f.IsDerived() {
			continue
		}
		if vals := get(f.LDAP); len(vals) > 0 {
			if f.Ref != "" {
				f.setRefs(doc, storedDNs(vals))
				continue
			}
			f.set(doc, vals)
		}
	}
}

// get reads the field's values from a SCIM document (names matched
// case-insensitively, as RFC 7643 §2.1 asks).
func (f *Field) get(doc map[string]interface{}) []string {
	container := doc
	if f.URN != "" {
		ext, _ := LookupFold(doc, f.URN).(map[string]interface{})
		if ext == nil {
			return nil
		}
		container = ext
	}
	v := LookupFold(container, f.Attr)
	if !f.Multi {
		if f.Sub != "" {
			obj, _ := v.(map[string]interface{})
			v = LookupFold(obj, f.Sub)
		}
		return ScalarStrings(v)
	}
	var out []string
	for _, el := range f.selectElements(asList(v)) {
		out = append(out, ScalarStrings(LookupFold(el, f.Sub))...)
	}
	return out
}

// selectElements picks the elements of a multi-valued attribute this field
// stands for. Clients disagree on type names (Okta's agent sends
// "primary"/"secondary" where Entra sends "work"), so the first field of an
// attribute falls back to the primary element, then to a lone untyped one.
func (f *Field) selectElements(list []map[string]interface{}) []map[string]interface{} {
	var out []map[string]interface{}
	switch {
	case f.primaryOnly:
		for _, el := range list {
			if isTrue(LookupFold(el, "primary")) {
				return []map[string]interface{}{el}
			}
		}
	case f.TypeValue != "":
		for _, el := range list {
			if t, _ := LookupFold(el, "type").(string); strings.EqualFold(t, f.TypeValue) {
				out = append(out, el)
			}
		}
	default:
		return list
	}
	if len(out) > 0 || !f.Primary {
		return out
	}
	for _, el := range list {
		if isTrue(LookupFold(el, "primary")) {
			return []map[string]interface{}{el}
		}
	}
	if len(list) == 1 {
		if t, _ := LookupFold(list[0], "type").(string); t == "" {
			return list
		}
	}
	return nil
}

// set writes LDAP values into a SCIM document under canonical names.
func (f *Field) set(doc map[string]interface{}, vals []string) {
	container := doc
	if f.URN != "" {
		ext, _ := doc[f.URN].(map[string]interface{})
		if ext == nil {
			ext = map[string]interface{}{}
			doc[f.URN] = ext
		}
		container = ext
	}
	if !f.Multi {
		v := typedValue(f.SimpleType, vals[0])
		if f.Sub == "" {
			container[f.Attr] = v
			return
		}
		obj, _ := container[f.Attr].(map[string]interface{})
		if obj == nil {
			obj = map[string]interface{}{}
			container[f.Attr] = obj
		}
		obj[f.Sub] = v
		return
	}
	list, _ := container[f.Attr].([]interface{})
	for i, val := range vals {
		el := map[string]interface{}{f.Sub: typedValue(f.SimpleType, val)}
		if f.TypeValue != "" {
			el["type"] = f.TypeValue
		}
		if f.Primary && i == 0 {
			el["primary"] = true
		}
		list = append(list, el)
	}
	container[f.Attr] = list
}

// UserReserved are the User attributes the mapping may not claim: the
// bridge stores or computes them itself; each says where.
var UserReserved = map[string]string{
	"username": "userName is stored in users.userNameAttribute",
	"id":       "id is users.idAttribute",
	"active":   "active is stored by users.deactivation",
	"password": "password is stored by users.password",
	"meta":     "meta is computed from the directory's timestamps",
	"groups":   "groups is read from group membership",
}

// GroupReserved is UserReserved for groups.
var GroupReserved = map[string]string{
	"displayname": "displayName is stored in groups.displayNameAttribute",
	"members":     "members are stored in groups.memberAttribute",
	"id":          "id is groups.idAttribute",
	"meta":        "meta is computed from the directory's timestamps",
}

// Knows reports whether a path names an attribute of the schemas (core
// when urn is "", else the extension), with sub a sub-attribute of it;
// externalId is common to every resource (RFC 7643 §3.1).
func (s SchemaSet) Knows(urn, name, sub string) bool {
	sch := s.Core
	if urn != "" {
		ext, ok := s.extensions[strings.ToLower(urn)]
		if !ok {
			return false
		}
		sch = ext
	} else if strings.EqualFold(name, "externalId") {
		return sub == ""
	}
	a, ok := findAttr(sch.Attributes, name)
	if !ok {
		return false
	}
	if sub == "" {
		return true
	}
	_, ok = findAttr(a.SubAttributes(), sub)
	return ok
}

// Stores reports whether some field keeps the element el of the
// multi-valued attribute urn:attr, i.e. whether writing it would reach
// the directory.
func (m *Mapping) Stores(urn, attr string, el map[string]interface{}) bool {
	for _, f := range m.Fields {
		if f.IsDerived() || !f.Multi || !strings.EqualFold(f.URN, urn) || !strings.EqualFold(f.Attr, attr) {
			continue
		}
		if len(f.selectElements([]map[string]interface{}{el})) > 0 {
			return true
		}
	}
	return false
}
