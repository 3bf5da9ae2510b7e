package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

// patchOp is one RFC 7644 §3.5.2 operation as the client sent it. We read
// the raw body ourselves (elimity has validated it) because the library's
// parsed form loses what Entra and Okta rely on: dotted no-path keys, "False"
// strings and the element filter of emails[type eq "work"].value.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// parsePatchBody decodes the Operations of a PatchOp body.
func parsePatchBody(body []byte) ([]patchOp, error) {
	var req struct {
		Operations []patchOp `json:"Operations"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errors.ScimErrorInvalidSyntax
	}
	return req.Operations, nil
}

// decodeValue decodes a JSON value keeping numbers as json.Number.
func decodeValue(raw json.RawMessage) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// readOnlyAttrs cannot be written by a client; a PATCH that targets them by
// path is refused, and the same keys inside a no-path value are ignored
// (Okta puts "id" in its group rename value).
var readOnlyAttrs = map[string]bool{"id": true, "meta": true, "groups": true, "schemas": true}

// patchScope is what applying a PATCH needs to know of the resource type.
// The library's own PATCH validation is not used (see patchStandIn): its
// path grammar refuses valid URNs (urn:okta:onprem_app:…) and nested
// extension values, so the checks it made are made here, with details.
type patchScope struct {
	core    string   // the core schema URN, which a path may carry
	urns    []string // extension URNs: a no-path key naming a whole extension ({"urn:…:User": {…}}) is told apart from a URN-prefixed attribute
	schemas mapping.SchemaSet
	m       *mapping.Mapping
}

// applyPatch applies operations to doc in order. touched collects the
// top-level attribute names (lower-cased; extension URNs included) that an
// operation wrote.
func applyPatch(doc map[string]interface{}, ops []patchOp, touched map[string]bool, scope *patchScope) error {
	for i, op := range ops {
		if err := applyOne(doc, op, touched, scope); err != nil {
			if se, ok := err.(errors.ScimError); ok {
				se.Detail = fmt.Sprintf("Operations[%d]: %s", i, se.Detail)
				return se
			}
			return err
		}
	}
	return nil
}

func applyOne(doc map[string]interface{}, op patchOp, touched map[string]bool, scope *patchScope) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return badValue(fmt.Sprintf("op %q is not add, replace or remove", op.Op))
	}
	value, err := decodeValue(op.Value)
	if err != nil {
		return errors.ScimErrorInvalidSyntax
	}
	if strings.TrimSpace(op.Path) == "" {
		if kind == "remove" {
			return scimErr(400, errors.ScimTypeNoTarget, "remove needs a path")
		}
		obj, ok := value.(map[string]interface{})
		if !ok {
			return badValue("an operation without a path needs an object value")
		}
		for k, v := range obj {
			if readOnlyAttrs[strings.ToLower(k)] {
				continue
			}
			if mapping.ContainsFold(scope.urns, k) || strings.EqualFold(k, scope.core) {
				if ext, ok := v.(map[string]interface{}); ok {
					for sk, sv := range ext {
						if err := applyPath(doc, kind, k+":"+sk, sv, touched, scope); err != nil {
							return err
						}
					}
					continue
				}
			}
			if err := applyPath(doc, kind, k, v, touched, scope); err != nil {
				return err
			}
		}
		return nil
	}
	return applyPath(doc, kind, op.Path, value, touched, scope)
}

func applyPath(doc map[string]interface{}, kind, rawPath string, value interface{}, touched map[string]bool, scope *patchScope) error {
	p, err := scimfilter.ParsePath(rawPath)
	if err != nil {
		return scimErr(400, errors.ScimTypeInvalidPath, fmt.Sprintf("path %q: %v", rawPath, err))
	}
	if strings.EqualFold(p.URN, scope.core) {
		p.URN = ""
	}
	if !scope.schemas.Knows(p.URN, p.Name, p.Sub) && !readOnlyAttrs[strings.ToLower(p.Name)] {
		return scimErr(400, errors.ScimTypeInvalidPath, fmt.Sprintf("path %q names no attribute of this resource's schemas (see /Schemas)", rawPath))
	}
	if p.URN == "" && readOnlyAttrs[strings.ToLower(p.Name)] {
		return scimErr(400, errors.ScimTypeMutability, fmt.Sprintf("%s is read-only", p.Name))
	}
	container := doc
	if p.URN != "" {
		touched[strings.ToLower(p.URN)] = true
		ext, _ := mapping.LookupFold(doc, p.URN).(map[string]interface{})
		if ext == nil {
			if kind == "remove" {
				return nil
			}
			ext = map[string]interface{}{}
			mapping.DeleteFold(doc, p.URN)
			doc[p.URN] = ext
		}
		container = ext
	} else {
		touched[strings.ToLower(p.Name)] = true
	}
	key := canonicalKey(container, p.Name)
	switch {
	case p.Filter != nil:
		return patchElements(container, key, kind, p, value, scope)
	case p.Sub != "":
		obj, _ := container[key].(map[string]interface{})
		if obj == nil {
			if kind == "remove" {
				return nil
			}
			obj = map[string]interface{}{}
			container[key] = obj
		}
		sub := canonicalKey(obj, p.Sub)
		if kind == "remove" || value == nil {
			delete(obj, sub)
			return nil
		}
		obj[sub] = value
		return nil
	}
	if kind == "remove" || value == nil {
		delete(container, key)
		return nil
	}
	old, isList := container[key].([]interface{})
	if kind == "add" && isList {
		container[key] = mergeElements(old, value)
		return nil
	}
	if kind == "add" {
		if obj, ok := value.(map[string]interface{}); ok {
			if cur, ok := container[key].(map[string]interface{}); ok {
				for k, v := range obj {
					cur[canonicalKey(cur, k)] = v
				}
				return nil
			}
		}
	}
	container[key] = value
	return nil
}

// canonicalKey returns the existing key equal to name case-insensitively,
// or name itself, so a patch never creates a second spelling of a key.
func canonicalKey(m map[string]interface{}, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// mergeElements adds values to a multi-valued attribute, skipping elements
// that are already there (clients re-send).
func mergeElements(old []interface{}, value interface{}) []interface{} {
	add, ok := value.([]interface{})
	if !ok {
		add = []interface{}{value}
	}
	out := append([]interface{}{}, old...)
	for _, v := range add {
		dup := false
		for _, o := range out {
			if sameElement(o, v) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

func sameElement(a, b interface{}) bool {
	am, aok := a.(map[string]interface{})
	bm, bok := b.(map[string]interface{})
	if aok && bok {
		av, bv := mapping.ScalarStrings(mapping.LookupFold(am, "value")), mapping.ScalarStrings(mapping.LookupFold(bm, "value"))
		return len(av) == 1 && len(bv) == 1 && av[0] == bv[0] &&
			strings.EqualFold(fmt.Sprint(mapping.LookupFold(am, "type")), fmt.Sprint(mapping.LookupFold(bm, "type")))
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// patchElements handles paths with an element filter, e.g.
// emails[type eq "work"].value or emails[type eq "work"].
func patchElements(container map[string]interface{}, key, kind string, p scimfilter.AttrPath, value interface{}, scope *patchScope) error {
	list, _ := container[key].([]interface{})
	if obj, ok := container[key].(map[string]interface{}); ok {
		list = []interface{}{obj}
	}
	var kept []interface{}
	matched := false
	for _, e := range list {
		el, ok := e.(map[string]interface{})
		if !ok || !elementMatches(el, p.Filter) {
			kept = append(kept, e)
			continue
		}
		matched = true
		switch {
		case kind == "remove" && p.Sub == "":
			continue // drop the element
		case kind == "remove" || value == nil:
			delete(el, canonicalKey(el, p.Sub))
		case p.Sub != "":
			el[canonicalKey(el, p.Sub)] = value
		default:
			if obj, ok := value.(map[string]interface{}); ok {
				for k, v := range obj {
					el[canonicalKey(el, k)] = v
				}
			}
		}
		kept = append(kept, el)
	}
	if !matched && kind != "remove" {
		// Entra replaces emails[type eq "work"].value on users that have no
		// work email yet: create the element the filter describes.
		// An element no mapping entry keeps would be lost: RFC 7644
		// §3.5.2.3 wants noTarget for a filter that matches nothing.
		el := elementFromFilter(p.Filter)
		if el == nil || !scope.m.Stores(p.URN, p.Name, el) {
			return scimErr(400, errors.ScimTypeNoTarget, fmt.Sprintf("no element of %s matches %s, and this bridge stores no such element (see /Schemas for the types it keeps)", p.Name, scimfilter.String(p.Filter)))
		}
		if p.Sub != "" {
			el[p.Sub] = value
		} else if obj, ok := value.(map[string]interface{}); ok {
			for k, v := range obj {
				el[k] = v
			}
		}
		kept = append(kept, el)
	}
	container[key] = kept
	return nil
}

// elementMatches evaluates an element filter on one element. Only what
// element filters use is supported: comparisons with eq/ne/co/sw/ew/pr on
// sub-attributes, combined with and/or/not.
func elementMatches(el map[string]interface{}, e scimfilter.Expr) bool {
	switch x := e.(type) {
	case scimfilter.Logical:
		if x.Op == scimfilter.OpAnd {
			return elementMatches(el, x.Left) && elementMatches(el, x.Right)
		}
		return elementMatches(el, x.Left) || elementMatches(el, x.Right)
	case scimfilter.Not:
		return !elementMatches(el, x.X)
	case scimfilter.Compare:
		v := mapping.LookupFold(el, x.Path.Name)
		if x.Op == scimfilter.OpPr {
			return len(mapping.ScalarStrings(v)) > 0
		}
		have := strings.Join(mapping.ScalarStrings(v), "")
		want := x.Value.Str
		if x.Value.Kind == scimfilter.KindBool {
			want = strings.ToUpper(fmt.Sprint(x.Value.Bool))
		}
		return compareStrings(x.Op, have, want)
	}
	return false
}

func compareStrings(op scimfilter.Op, have, want string) bool {
	h, w := strings.ToLower(have), strings.ToLower(want)
	switch op {
	case scimfilter.OpEq:
		return h == w
	case scimfilter.OpNe:
		return h != w
	case scimfilter.OpCo:
		return strings.Contains(h, w)
	case scimfilter.OpSw:
		return strings.HasPrefix(h, w)
	case scimfilter.OpEw:
		return strings.HasSuffix(h, w)
	case scimfilter.OpGt:
		return h > w
	case scimfilter.OpGe:
		return h >= w
	case scimfilter.OpLt:
		return h < w
	case scimfilter.OpLe:
		return h <= w
	}
	return false
}

// elementFromFilter builds the element a filter of eq-comparisons joined by
// and describes ([type eq "work"] → {"type":"work"}); nil for anything else.
func elementFromFilter(e scimfilter.Expr) map[string]interface{} {
	switch x := e.(type) {
	case scimfilter.Compare:
		if x.Op != scimfilter.OpEq {
			return nil
		}
		switch x.Value.Kind {
		case scimfilter.KindString:
			return map[string]interface{}{x.Path.Name: x.Value.Str}
		case scimfilter.KindBool:
			return map[string]interface{}{x.Path.Name: x.Value.Bool}
		}
	case scimfilter.Logical:
		if x.Op != scimfilter.OpAnd {
			return nil
		}
		l, r := elementFromFilter(x.Left), elementFromFilter(x.Right)
		if l == nil || r == nil {
			return nil
		}
		for k, v := range r {
			l[k] = v
		}
		return l
	}
	return nil
}
