package mapping

import (
	"fmt"
	"sort"
	"strings"
)

// A write that carries an attribute no field stores would be answered with
// success while the value is dropped. Unmapped finds such attributes in a
// document as the client sent it, so the connector can warn or refuse.

// structuralSubs are sub-attributes of multi-valued attributes that select
// or describe an element rather than carry data the directory would keep.
var structuralSubs = map[string]bool{"type": true, "primary": true, "display": true, "$ref": true}

// Unmapped lists, sorted, the attribute paths of doc whose non-empty
// values no field stores. builtin reports the top-level names the bridge
// keeps itself or ignores by the RFC (userName, id, meta, groups…); core is
// the resource type's core schema URN, which a client may use as a key.
func (m *Mapping) Unmapped(doc map[string]interface{}, core string, builtin func(name string) bool) []string {
	var out []string
	for k, v := range doc {
		if empty(v) || builtin(k) {
			continue
		}
		switch {
		case strings.EqualFold(k, core):
			if obj, ok := v.(map[string]interface{}); ok {
				out = append(out, m.Unmapped(obj, "", builtin)...)
			}
		case strings.HasPrefix(strings.ToLower(k), "urn:"):
			obj, ok := v.(map[string]interface{})
			if !ok || !ContainsFold(m.extensions, k) {
				out = append(out, k)
				continue
			}
			for name, sv := range obj {
				if !empty(sv) {
					out = append(out, m.UnmappedAt(k, name, "", sv)...)
				}
			}
		default:
			out = append(out, m.UnmappedAt("", k, "", v)...)
		}
	}
	sort.Strings(out)
	return out
}

// UnmappedAt lists the paths under urn:name (.sub) whose part of value no
// field stores: the attribute itself, a sub-attribute of a complex value,
// or an element of a multi-valued one that no field selects.
func (m *Mapping) UnmappedAt(urn, name, sub string, value interface{}) []string {
	fields := m.storing(urn, name)
	path := name
	if urn != "" {
		path = urn + ":" + name
	}
	if len(fields) == 0 {
		return []string{withSub(path, sub)}
	}
	if sub != "" {
		if structuralSubs[strings.ToLower(sub)] || storesSub(fields, sub) {
			return nil
		}
		return []string{path + "." + sub}
	}
	var out []string
	switch v := value.(type) {
	case map[string]interface{}:
		if fields[0].Multi {
			return m.UnmappedAt(urn, name, "", []interface{}{v})
		}
		for s, sv := range v {
			if !empty(sv) && !storesSub(fields, s) {
				out = append(out, path+"."+s)
			}
		}
	case []interface{}:
		list := asList(v)
		kept := map[int]bool{}
		for _, f := range fields {
			for _, el := range f.selectElements(list) {
				for i := range list {
					if sameMap(list[i], el) {
						kept[i] = true
					}
				}
			}
		}
		for i, el := range list {
			if !kept[i] {
				out = append(out, elementPath(path, el))
				continue
			}
			for s, sv := range el {
				if !empty(sv) && !structuralSubs[strings.ToLower(s)] && !storesSub(fields, s) {
					out = append(out, path+"."+s)
				}
			}
		}
	}
	return dedupe(out)
}

func withSub(path, sub string) string {
	if sub == "" {
		return path
	}
	return path + "." + sub
}

// storesSub reports whether a field keeps sub-attribute s.
func storesSub(fields []*Field, s string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.Sub, s) || f.RefReadOnly(s) {
			return true
		}
	}
	return false
}

// elementPath names an element by its type: emails[type eq "home"].
func elementPath(path string, el map[string]interface{}) string {
	if t, _ := LookupFold(el, "type").(string); t != "" {
		return fmt.Sprintf("%s[type eq %q]", path, t)
	}
	return path
}

// sameMap is identity: selectElements returns elements of list itself.
func sameMap(a, b map[string]interface{}) bool {
	return fmt.Sprintf("%p", a) == fmt.Sprintf("%p", b)
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !ContainsFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// empty reports a value that stores nothing: null, "", [] or {}.
func empty(v interface{}) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []interface{}:
		return len(x) == 0
	case map[string]interface{}:
		return len(x) == 0
	}
	return false
}
