package mapping

import (
	"fmt"
	"strings"

	"github.com/elimity-com/scim/schema"
)

// References (users.attributes[i].reference): SCIM points at another
// resource by its id, the directory by the entry's DN. The mapping stays
// free of LDAP: it carries the values and leaves the lookups to the
// connector. In a document a stored reference is a DN value, a type no
// JSON body can produce, so a DN read from the directory is never taken
// for an id a client sent (nor an id for a DN), and a DN that escaped
// resolution is dropped by ToLDAP rather than written as garbage.

// DN is a reference as the directory holds it, not yet (or no longer)
// resolved to the target's id.
type DN string

func storedDNs(vals []string) []interface{} {
	out := make([]interface{}, 0, len(vals))
	for _, v := range vals {
		out = append(out, DN(v))
	}
	return out
}

// refSubNames are the sub-attributes a reference's value object shows.
var refSubNames = []string{"value", "display", "displayName", "$ref", "type"}

// setRefSubs checks that a complex reference is stored from its value
// and notes which of the read-only companions the schema has.
func (f *Field) setRefSubs(a schema.CoreAttribute) error {
	if !strings.EqualFold(f.Sub, "value") {
		return fmt.Errorf("a reference is the target's id, in %s.value; map %s (or %s.value)", a.Name(), a.Name(), a.Name())
	}
	for _, sa := range a.SubAttributes() {
		if ContainsFold(refSubNames, sa.Name()) {
			f.refSubs = append(f.refSubs, sa.Name())
		}
	}
	return nil
}

// RefReadOnly reports whether sub-attribute sub of a reference is
// computed by the bridge on read ($ref, display, displayName, type).
func (f *Field) RefReadOnly(sub string) bool {
	return f.Ref != "" && !strings.EqualFold(sub, "value") && ContainsFold(f.refSubs, sub)
}

// container finds the object holding the field's attribute in doc (the
// extension object, case-insensitively), creating it when create is set.
func (f *Field) container(doc map[string]interface{}, create bool) map[string]interface{} {
	if f.URN == "" {
		return doc
	}
	for k, v := range doc {
		if strings.EqualFold(k, f.URN) {
			if ext, ok := v.(map[string]interface{}); ok {
				return ext
			}
		}
	}
	if !create {
		return nil
	}
	ext := map[string]interface{}{}
	doc[f.URN] = ext
	return ext
}

// refValues are the field's values in doc: DN for stored ones, string for
// ids a client sent. A bare string where an object is expected is an id:
// Entra's PATCH replaces the manager with "value":"<id>".
func (f *Field) refValues(doc map[string]interface{}) []interface{} {
	c := f.container(doc, false)
	if c == nil {
		return nil
	}
	v := LookupFold(c, f.Attr)
	var items []interface{}
	if list, ok := v.([]interface{}); ok && f.Multi {
		items = list
	} else if v != nil {
		items = []interface{}{v}
	}
	var out []interface{}
	for _, it := range items {
		if obj, ok := it.(map[string]interface{}); ok && f.Sub != "" {
			it = LookupFold(obj, f.Sub)
		}
		switch x := it.(type) {
		case DN:
			out = append(out, x)
		case string:
			if s := strings.TrimSpace(x); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// refDNs are the resolved (DN) values of the field in doc.
func (f *Field) refDNs(doc map[string]interface{}) []string {
	var out []string
	for _, v := range f.refValues(doc) {
		if dn, ok := v.(DN); ok && !ContainsFold(out, string(dn)) {
			out = append(out, string(dn))
		}
	}
	return out
}

// setRefs puts vals (DN, id strings, or value objects from the
// connector) under the field's attribute, replacing what was there; no
// values removes the attribute.
func (f *Field) setRefs(doc map[string]interface{}, vals []interface{}) {
	c := f.container(doc, len(vals) > 0)
	if c == nil {
		return
	}
	for k := range c {
		if strings.EqualFold(k, f.Attr) {
			delete(c, k)
		}
	}
	if len(vals) == 0 {
		if f.URN != "" && len(c) == 0 {
			for k := range doc {
				if strings.EqualFold(k, f.URN) {
					delete(doc, k)
				}
			}
		}
		return
	}
	wrap := func(v interface{}) interface{} {
		obj, isObj := v.(map[string]interface{})
		switch {
		case f.Sub == "" && isObj:
			return obj["value"]
		case f.Sub == "":
			return v
		case isObj:
			out := map[string]interface{}{}
			for k, x := range obj {
				if ContainsFold(f.refSubs, k) {
					out[k] = x
				}
			}
			// The schema spells the name display or displayName.
			if name, ok := obj["display"]; ok && ContainsFold(f.refSubs, "displayName") && !ContainsFold(f.refSubs, "display") {
				out["displayName"] = name
			}
			return out
		}
		return map[string]interface{}{f.Sub: v}
	}
	if !f.Multi {
		c[f.Attr] = wrap(vals[0])
		return
	}
	list := make([]interface{}, 0, len(vals))
	for _, v := range vals {
		list = append(list, wrap(v))
	}
	c[f.Attr] = list
}

// RefFields lists the reference fields.
func (m *Mapping) RefFields() []*Field {
	var out []*Field
	for _, f := range m.Fields {
		if f.Ref != "" {
			out = append(out, f)
		}
	}
	return out
}

// MapRefs calls fn with the values of each reference field present in
// doc and puts back what it returns (nil removes the attribute). The
// values are DN (stored) or string (an id from a client); fn returns DN,
// string or value objects ({"value", "display", "$ref", "type"}).
func (m *Mapping) MapRefs(doc map[string]interface{}, fn func(f *Field, vals []interface{}) ([]interface{}, error)) error {
	for _, f := range m.Fields {
		if f.Ref == "" {
			continue
		}
		c := f.container(doc, false)
		if c == nil || LookupFold(c, f.Attr) == nil {
			continue
		}
		out, err := fn(f, f.refValues(doc))
		if err != nil {
			return err
		}
		f.setRefs(doc, out)
	}
	return nil
}

// StoredRefs lists the DNs the reference fields of doc hold, for
// resolving a page of documents in one lookup.
func (m *Mapping) StoredRefs(doc map[string]interface{}) map[string][]string {
	out := map[string][]string{}
	for _, f := range m.Fields {
		if f.Ref != "" {
			out[f.Ref] = append(out[f.Ref], f.refDNs(doc)...)
		}
	}
	return out
}
