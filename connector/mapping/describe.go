package mapping

import (
	"strings"

	"github.com/elimity-com/scim/schema"
)

// What /Schemas says must be what the bridge does (issue: a client that
// writes an attribute advertised as readWrite must find it stored). So
// the schemas served are built from the compiled mapping, not from the RFC
// 7643 definitions the library validates with: an attribute appears only
// when a field stores it or the bridge computes it (Builtin), with the
// RFC's type and description but this bridge's mutability.

// Builtin is an attribute the bridge keeps outside the mapping (userName,
// active, password, groups, displayName and members of groups).
type Builtin struct {
	Name       string
	Mutability string // readWrite when empty
	Returned   string // default when empty
	Required   bool
	Uniqueness string // none when empty
}

// Describe returns the schema resources (RFC 7643 §7) of one resource
// type: the core schema with builtins and mapped attributes, then each
// extension that has a mapped attribute. id and meta are listed as the
// read-only common attributes they are.
func (m *Mapping) Describe(set SchemaSet, builtins []Builtin) []map[string]interface{} {
	core := []map[string]interface{}{
		{"name": "id", "type": "string", "multiValued": false, "required": false, "caseExact": true,
			"mutability": "readOnly", "returned": "always", "uniqueness": "server",
			"description": "Unique identifier of the resource, assigned by the directory."},
	}
	for _, b := range builtins {
		if a, ok := findAttr(set.Core.Attributes, b.Name); ok {
			core = append(core, builtinAttr(a, b))
		}
	}
	core = append(core, m.describeAttrs("", set.Core)...)
	core = append(core, map[string]interface{}{
		"name": "meta", "type": "complex", "multiValued": false, "required": false,
		"mutability": "readOnly", "returned": "default", "description": "Resource metadata.",
		"subAttributes": []map[string]interface{}{
			simpleDef("resourceType", "string", "readOnly"), simpleDef("created", "dateTime", "readOnly"),
			simpleDef("lastModified", "dateTime", "readOnly"), simpleDef("location", "reference", "readOnly"),
		},
	})
	out := []map[string]interface{}{schemaDoc(set.Core, core)}
	for _, urn := range m.Extensions() {
		ext, ok := set.extensions[strings.ToLower(urn)]
		if !ok {
			continue
		}
		if attrs := m.describeAttrs(ext.ID, ext); len(attrs) > 0 {
			out = append(out, schemaDoc(ext, attrs))
		}
	}
	return out
}

// Extensions lists the extension URNs the mapping stores attributes of,
// in first-use order.
func (m *Mapping) Extensions() []string { return m.extensions }

func schemaDoc(s schema.Schema, attrs []map[string]interface{}) map[string]interface{} {
	return map[string]interface{}{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"},
		"id":          s.ID,
		"name":        s.Name.Value(),
		"description": s.Description.Value(),
		"attributes":  attrs,
		"meta":        map[string]interface{}{"resourceType": "Schema", "location": "Schemas/" + s.ID},
	}
}

// describeAttrs lists the attributes of schema s that fields store, in
// the schema's order, each with only the sub-attributes stored.
func (m *Mapping) describeAttrs(urn string, s schema.Schema) []map[string]interface{} {
	var out []map[string]interface{}
	if urn == "" {
		for _, f := range m.Fields {
			if !f.IsDerived() && f.Attr == "externalId" && f.URN == "" {
				out = append(out, map[string]interface{}{
					"name": "externalId", "type": "string", "multiValued": false, "required": false, "caseExact": true,
					"mutability": "readWrite", "returned": "default", "uniqueness": "none",
					"description": "The provisioning client's own identifier of the resource.",
				})
				break
			}
		}
	}
	for _, a := range s.Attributes {
		fields := m.storing(urn, a.Name())
		if len(fields) == 0 {
			continue
		}
		d := attrDef(a, "readWrite", "default")
		if a.HasSubAttributes() {
			d["subAttributes"] = subDefs(a, fields)
		}
		out = append(out, d)
	}
	return out
}

// storing lists the non-derived fields that store urn:attr.
func (m *Mapping) storing(urn, attr string) []*Field {
	var out []*Field
	for _, f := range m.Fields {
		if !f.IsDerived() && strings.EqualFold(f.URN, urn) && strings.EqualFold(f.Attr, attr) {
			out = append(out, f)
		}
	}
	return out
}

// subDefs lists the sub-attributes of a that fields store; for a
// multi-valued attribute also "type", with the types stored as its
// canonical values, and "primary", which selects the element a typeless
// field keeps.
func subDefs(a schema.CoreAttribute, fields []*Field) []map[string]interface{} {
	var types []string
	subs := map[string]bool{}
	primary := false
	refRO := func(string) bool { return false }
	for _, f := range fields {
		if f.Ref != "" {
			refRO = f.RefReadOnly
		}
		subs[strings.ToLower(f.Sub)] = true
		if f.TypeValue != "" && !ContainsFold(types, f.TypeValue) {
			types = append(types, f.TypeValue)
		}
		primary = primary || f.Primary || f.primaryOnly
	}
	var out []map[string]interface{}
	for _, sa := range a.SubAttributes() {
		name := strings.ToLower(sa.Name())
		switch {
		case subs[name]:
			out = append(out, attrDef(sa, "readWrite", "default"))
		case refRO(sa.Name()):
			// A reference's $ref and display name are computed from the
			// target on read; the client writes only the id (value).
			out = append(out, attrDef(sa, "readOnly", "default"))
		case name == "type" && len(types) > 0:
			d := attrDef(sa, "readWrite", "default")
			d["canonicalValues"] = types
			out = append(out, d)
		case name == "primary" && a.MultiValued() && primary:
			out = append(out, attrDef(sa, "readWrite", "default"))
		}
	}
	return out
}

func builtinAttr(a schema.CoreAttribute, b Builtin) map[string]interface{} {
	mut, ret := b.Mutability, b.Returned
	if mut == "" {
		mut = "readWrite"
	}
	if ret == "" {
		ret = "default"
	}
	d := attrDef(a, mut, ret)
	d["required"] = b.Required
	if b.Uniqueness != "" {
		d["uniqueness"] = b.Uniqueness
	}
	if a.HasSubAttributes() {
		var subs []map[string]interface{}
		for _, sa := range a.SubAttributes() {
			subs = append(subs, attrDef(sa, mut, ret))
		}
		d["subAttributes"] = subs
	}
	return d
}

// attrDef is a's RFC 7643 §7 definition with this bridge's mutability
// and returned.
func attrDef(a schema.CoreAttribute, mutability, returned string) map[string]interface{} {
	d := map[string]interface{}{
		"name":        a.Name(),
		"type":        a.AttributeType(),
		"multiValued": a.MultiValued(),
		"description": a.Description(),
		"required":    false,
		"mutability":  mutability,
		"returned":    returned,
	}
	if t := a.AttributeType(); t != "complex" && t != "boolean" {
		d["caseExact"] = a.CaseExact()
		d["uniqueness"] = a.Uniqueness()
	}
	if cv := a.CanonicalValues(); len(cv) > 0 {
		d["canonicalValues"] = cv
	}
	if rt := a.ReferenceTypes(); len(rt) > 0 {
		d["referenceTypes"] = rt
	}
	return d
}

func simpleDef(name, typ, mutability string) map[string]interface{} {
	return map[string]interface{}{
		"name": name, "type": typ, "multiValued": false, "required": false, "caseExact": false,
		"mutability": mutability, "returned": "default", "uniqueness": "none", "description": "",
	}
}
