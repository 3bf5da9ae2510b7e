package connector

// This file is the one translation layer between a SCIM resource and an LDAP
// entry: every place where a SCIM attribute (name.givenName, emails[type eq
// "work"].value, an extension attribute…) becomes an LDAP attribute
// (givenName, mail, …) and back is driven by the compiled YAML mapping here.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/elimity-com/scim/schema"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

// field is one compiled users.attributes[i] entry.
type field struct {
	yamlPath string // users.attributes[3], for error messages
	ldap     string // LDAP attribute as configured
	ldapKey  string // lower-cased, for entry lookups

	// Where the value lives in a SCIM document (canonical names).
	urn   string // extension schema URN, "" for the core schema
	attr  string
	sub   string // sub-attribute of a complex attribute, "" for simple
	multi bool   // attr is multi-valued (emails, phoneNumbers, …)
	// For multi-valued attributes: which element the field stands for.
	typeValue   string // element whose type equals this ("" = see primaryOnly/all)
	primaryOnly bool   // [primary eq true]
	primary     bool   // first field of this attr: takes the fallback and reads back as primary
	simpleType  string // SCIM type of the value: string, boolean, integer, decimal, dateTime

	template *template // derived attribute (write-only)
	deflt    *template // written when the SCIM value is empty
}

// isDerived reports whether the field is computed from a template only.
func (f *field) isDerived() bool { return f.template != nil }

// mapping is the compiled translation for one resource type.
type mapping struct {
	fields []*field
	// byLDAP finds the field that owns an LDAP attribute (lower-cased).
	byLDAP map[string]*field
	// extensions are the schema URNs used by fields, in first-use order.
	extensions []string
}

// schemaSet is what a mapping is compiled against: the core schema and the
// extension schemas by URN.
type schemaSet struct {
	core       schema.Schema
	extensions map[string]schema.Schema // lower-cased URN
}

// compileMapping checks every attribute mapping against the SCIM schemas and
// returns the compiled form; errors name the YAML path and the fix.
func compileMapping(section string, list []config.AttributeMapping, schemas schemaSet, reserved map[string]string) (*mapping, error) {
	m := &mapping{byLDAP: map[string]*field{}}
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
			problems = append(problems, fmt.Sprintf("%s.ldap: %q is already written by %s; map each LDAP attribute once", p, f.ldap, other.yamlPath))
			continue
		}
		if f.multi && !f.isDerived() {
			key := f.urn + "|" + f.attr
			if !seenPrimary[key] {
				seenPrimary[key] = true
				f.primary = true
			}
		}
		if f.urn != "" && !containsFold(m.extensions, f.urn) {
			m.extensions = append(m.extensions, f.urn)
		}
		m.byLDAP[f.ldapKey] = f
		m.fields = append(m.fields, f)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return m, nil
}

func compileField(p string, am config.AttributeMapping, schemas schemaSet, reserved map[string]string) (*field, error) {
	f := &field{yamlPath: p, ldap: am.LDAP, ldapKey: strings.ToLower(am.LDAP), simpleType: "string"}
	var err error
	if am.Template != "" {
		if f.template, err = parseTemplate(am.Template); err != nil {
			return nil, fmt.Errorf("%s.template: %w", p, err)
		}
	}
	if am.Default != "" {
		if f.deflt, err = parseTemplate(am.Default); err != nil {
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
		f.attr = "externalId"
		return f, nil
	}
	sch := schemas.core
	if path.URN != "" {
		ext, ok := schemas.extensions[strings.ToLower(path.URN)]
		if !ok {
			return nil, fmt.Errorf("%s.scim: unknown schema %q", p, path.URN)
		}
		sch, f.urn = ext, ext.ID
	}
	a, ok := findAttr(sch.Attributes, path.Name)
	if !ok {
		return nil, fmt.Errorf("%s.scim: %q is not an attribute of %s; known: %s", p, path.Name, sch.ID, attrNames(sch.Attributes))
	}
	f.attr = a.Name()
	f.multi = a.MultiValued()
	if a.HasSubAttributes() {
		subName := path.Sub
		if subName == "" && f.multi {
			subName = "value"
		}
		if subName == "" {
			return nil, fmt.Errorf("%s.scim: %q is complex; name one of its sub-attributes, e.g. %s.%s", p, a.Name(), a.Name(), a.SubAttributes()[0].Name())
		}
		s, ok := findAttr(a.SubAttributes(), subName)
		if !ok {
			return nil, fmt.Errorf("%s.scim: %q has no sub-attribute %q; known: %s", p, a.Name(), subName, attrNames(a.SubAttributes()))
		}
		f.sub = s.Name()
		f.simpleType = s.AttributeType()
	} else {
		if path.Sub != "" {
			return nil, fmt.Errorf("%s.scim: %q has no sub-attributes; remove %q", p, a.Name(), "."+path.Sub)
		}
		f.simpleType = a.AttributeType()
	}
	if path.Filter != nil {
		if !f.multi {
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
func (f *field) setSelector(e scimfilter.Expr) error {
	c, ok := e.(scimfilter.Compare)
	if ok && c.Op == scimfilter.OpEq && c.Path.URN == "" && c.Path.Sub == "" {
		switch {
		case strings.EqualFold(c.Path.Name, "type") && c.Value.Kind == scimfilter.KindString:
			f.typeValue = c.Value.Str
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

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ldapAttributes lists the LDAP attributes the fields read (derived ones are
// never read back).
func (m *mapping) ldapAttributes(include func(*field) bool) []string {
	var out []string
	for _, f := range m.fields {
		if !f.isDerived() && (include == nil || include(f)) {
			out = append(out, f.ldap)
		}
	}
	return out
}

// toLDAP computes the LDAP values of every field from a SCIM document.
// Fields with no value map to nil, so a caller can tell "clear it" from
// "not mapped".
func (m *mapping) toLDAP(doc map[string]interface{}) map[string][]string {
	out := make(map[string][]string, len(m.fields))
	for _, f := range m.fields {
		var vals []string
		if f.isDerived() {
			if v := f.template.render(doc); v != "" {
				vals = []string{v}
			}
		} else {
			vals = f.get(doc)
		}
		if len(vals) == 0 && f.deflt != nil {
			if v := f.deflt.render(doc); v != "" {
				vals = []string{v}
			}
		}
		out[f.ldap] = vals
	}
	return out
}

// fromLDAP fills a SCIM document with every field's values from an entry.
func (m *mapping) fromLDAP(get func(attr string) []string, doc map[string]interface{}) {
	for _, f := range m.fields {
		if f.isDerived() {
			continue
		}
		if vals := get(f.ldap); len(vals) > 0 {
			f.set(doc, vals)
		}
	}
}

// get reads the field's values from a SCIM document (names matched
// case-insensitively, as RFC 7643 §2.1 asks).
func (f *field) get(doc map[string]interface{}) []string {
	container := doc
	if f.urn != "" {
		ext, _ := lookupFold(doc, f.urn).(map[string]interface{})
		if ext == nil {
			return nil
		}
		container = ext
	}
	v := lookupFold(container, f.attr)
	if !f.multi {
		if f.sub != "" {
			obj, _ := v.(map[string]interface{})
			v = lookupFold(obj, f.sub)
		}
		return scalarStrings(v)
	}
	var out []string
	for _, el := range f.selectElements(asList(v)) {
		out = append(out, scalarStrings(lookupFold(el, f.sub))...)
	}
	return out
}

// selectElements picks the elements of a multi-valued attribute this field
// stands for. Clients disagree on type names (Okta's agent sends
// "primary"/"secondary" where Entra sends "work"), so the first field of an
// attribute falls back to the primary element, then to a lone untyped one.
func (f *field) selectElements(list []map[string]interface{}) []map[string]interface{} {
	var out []map[string]interface{}
	switch {
	case f.primaryOnly:
		for _, el := range list {
			if isTrue(lookupFold(el, "primary")) {
				return []map[string]interface{}{el}
			}
		}
	case f.typeValue != "":
		for _, el := range list {
			if t, _ := lookupFold(el, "type").(string); strings.EqualFold(t, f.typeValue) {
				out = append(out, el)
			}
		}
	default:
		return list
	}
	if len(out) > 0 || !f.primary {
		return out
	}
	for _, el := range list {
		if isTrue(lookupFold(el, "primary")) {
			return []map[string]interface{}{el}
		}
	}
	if len(list) == 1 {
		if t, _ := lookupFold(list[0], "type").(string); t == "" {
			return list
		}
	}
	return nil
}

// set writes LDAP values into a SCIM document under canonical names.
func (f *field) set(doc map[string]interface{}, vals []string) {
	container := doc
	if f.urn != "" {
		ext, _ := doc[f.urn].(map[string]interface{})
		if ext == nil {
			ext = map[string]interface{}{}
			doc[f.urn] = ext
		}
		container = ext
	}
	if !f.multi {
		v := typedValue(f.simpleType, vals[0])
		if f.sub == "" {
			container[f.attr] = v
			return
		}
		obj, _ := container[f.attr].(map[string]interface{})
		if obj == nil {
			obj = map[string]interface{}{}
			container[f.attr] = obj
		}
		obj[f.sub] = v
		return
	}
	list, _ := container[f.attr].([]interface{})
	for i, val := range vals {
		el := map[string]interface{}{f.sub: typedValue(f.simpleType, val)}
		if f.typeValue != "" {
			el["type"] = f.typeValue
		}
		if f.primary && i == 0 {
			el["primary"] = true
		}
		list = append(list, el)
	}
	container[f.attr] = list
}
