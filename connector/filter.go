package connector

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// A SCIM filter becomes one LDAP filter, pushed down to the directory: no
// listing is ever filtered in memory. Attributes a filter may name are the
// mapped ones plus the special ones each resource type adds (userName, id,
// active, meta.*), given to the translator as specials.

// special translates a comparison on a non-mapped attribute (id, userName…).
type special func(ctx context.Context, c scimfilter.Compare) (ldapstore.Filter, error)

type filterTranslator struct {
	m        *mapping.Mapping
	specials map[string]special // lower-cased "name" or "name.sub"
	aliases  map[string]string  // SCIM 1.1 "email" → "emails"
	// refs translates a comparison on a reference (an id to the DN the
	// directory holds); see references.go.
	refs func(ctx context.Context, f *mapping.Field, c scimfilter.Compare) (ldapstore.Filter, error)
}

func invalidFilter(format string, a ...interface{}) errors.ScimError {
	return scimErr(http.StatusBadRequest, errors.ScimTypeInvalidFilter, fmt.Sprintf(format, a...))
}

// translate parses and translates a filter string.
func (t *filterTranslator) translate(ctx context.Context, raw string) (ldapstore.Filter, error) {
	e, err := scimfilter.Parse(raw)
	if err != nil {
		return nil, invalidFilter("filter %q: %v", raw, err)
	}
	return t.expr(ctx, e)
}

func (t *filterTranslator) expr(ctx context.Context, e scimfilter.Expr) (ldapstore.Filter, error) {
	switch x := e.(type) {
	case scimfilter.Logical:
		l, err := t.expr(ctx, x.Left)
		if err != nil {
			return nil, err
		}
		r, err := t.expr(ctx, x.Right)
		if err != nil {
			return nil, err
		}
		if x.Op == scimfilter.OpAnd {
			return ldapstore.And(l, r), nil
		}
		return ldapstore.Or(l, r), nil
	case scimfilter.Not:
		inner, err := t.expr(ctx, x.X)
		if err != nil {
			return nil, err
		}
		return ldapstore.Not(inner), nil
	case scimfilter.ValuePath:
		return t.elements(x.Path, x.Filter)
	case scimfilter.Compare:
		return t.compare(ctx, x)
	}
	return nil, invalidFilter("unsupported filter expression")
}

func (t *filterTranslator) compare(ctx context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
	p := c.Path
	if a, ok := t.aliases[strings.ToLower(p.Name)]; ok && p.URN == "" {
		p.Name = a
	}
	if p.URN == "" && p.Filter == nil {
		key := strings.ToLower(p.Name)
		if p.Sub != "" {
			key += "." + strings.ToLower(p.Sub)
		}
		if sp, ok := t.specials[key]; ok {
			return sp(ctx, c)
		}
	}
	if p.Filter != nil {
		// Entra's emails[type eq "work"].value eq "x": the comparison
		// applies to the elements the bracket selects.
		inner := scimfilter.Compare{Path: scimfilter.AttrPath{Name: p.Sub}, Op: c.Op, Value: c.Value}
		if p.Sub == "" {
			inner.Path.Name = "value"
		}
		return t.elements(scimfilter.AttrPath{URN: p.URN, Name: p.Name}, scimfilter.Logical{Op: scimfilter.OpAnd, Left: p.Filter, Right: inner})
	}
	fields := t.fieldsFor(p.URN, p.Name)
	if len(fields) == 0 {
		return nil, t.unknown(c.Path)
	}
	if fields[0].Multi {
		inner := scimfilter.Compare{Path: scimfilter.AttrPath{Name: p.Sub}, Op: c.Op, Value: c.Value}
		if p.Sub == "" {
			inner.Path.Name = "value"
		}
		return t.elements(scimfilter.AttrPath{URN: p.URN, Name: p.Name}, inner)
	}
	for _, f := range fields {
		if strings.EqualFold(f.Sub, p.Sub) && f.Ref != "" && t.refs != nil {
			return t.refs(ctx, f, c)
		}
		if strings.EqualFold(f.Sub, p.Sub) {
			return ldapCompare(f.LDAP, c, f.SimpleType)
		}
	}
	return nil, t.unknown(c.Path)
}

// elements translates a filter over the elements of a multi-valued
// attribute: for each field of that attribute, comparisons on type/primary
// fold to true or false and comparisons on the field's sub-attribute become
// LDAP comparisons; the fields are or-ed.
func (t *filterTranslator) elements(p scimfilter.AttrPath, inner scimfilter.Expr) (ldapstore.Filter, error) {
	fields := t.fieldsFor(p.URN, p.Name)
	if len(fields) == 0 {
		return nil, t.unknown(p)
	}
	var alts []ldapstore.Filter
	for _, f := range fields {
		lf, val, err := t.elementExpr(f, inner)
		if err != nil {
			return nil, err
		}
		switch {
		case lf != nil:
			alts = append(alts, lf)
		case val:
			alts = append(alts, ldapstore.Present(f.LDAP))
		}
	}
	if len(alts) == 0 {
		return ldapstore.None(), nil
	}
	return ldapstore.Or(alts...), nil
}

// elementExpr returns either an LDAP filter, or (nil, constant) when the
// expression does not depend on the directory for this field.
func (t *filterTranslator) elementExpr(f *mapping.Field, e scimfilter.Expr) (ldapstore.Filter, bool, error) {
	switch x := e.(type) {
	case scimfilter.Logical:
		l, lc, err := t.elementExpr(f, x.Left)
		if err != nil {
			return nil, false, err
		}
		r, rc, err := t.elementExpr(f, x.Right)
		if err != nil {
			return nil, false, err
		}
		and := x.Op == scimfilter.OpAnd
		switch {
		case l == nil && r == nil:
			if and {
				return nil, lc && rc, nil
			}
			return nil, lc || rc, nil
		case l == nil:
			return foldConst(and, lc, r)
		case r == nil:
			return foldConst(and, rc, l)
		}
		if and {
			return ldapstore.And(l, r), false, nil
		}
		return ldapstore.Or(l, r), false, nil
	case scimfilter.Not:
		inner, c, err := t.elementExpr(f, x.X)
		if err != nil || inner == nil {
			return nil, !c, err
		}
		return ldapstore.Not(inner), false, nil
	case scimfilter.Compare:
		name := strings.ToLower(x.Path.Name)
		switch {
		case name == "type" && f.TypeValue != "":
			return nil, compareStrings(x.Op, f.TypeValue, x.Value.Str), nil
		case name == "primary":
			want := x.Value.Kind == scimfilter.KindBool && x.Value.Bool
			return nil, (x.Op == scimfilter.OpEq) == (f.Primary == want), nil
		case strings.EqualFold(x.Path.Name, f.Sub):
			lf, err := ldapCompare(f.LDAP, x, f.SimpleType)
			return lf, false, err
		}
		// A sub-attribute this field does not store: no element of this
		// field can match it.
		return nil, false, nil
	}
	return nil, false, invalidFilter("unsupported expression inside [ ]")
}

func foldConst(and, c bool, f ldapstore.Filter) (ldapstore.Filter, bool, error) {
	switch {
	case and && !c:
		return nil, false, nil
	case !and && c:
		return nil, true, nil
	}
	return f, false, nil
}

func (t *filterTranslator) fieldsFor(urn, name string) []*mapping.Field {
	var out []*mapping.Field
	for _, f := range t.m.Fields {
		if f.IsDerived() || !strings.EqualFold(f.Attr, name) {
			continue
		}
		if urn == "" && f.URN == "" || urn != "" && strings.EqualFold(urn, f.URN) {
			out = append(out, f)
		}
	}
	return out
}

func (t *filterTranslator) unknown(p scimfilter.AttrPath) error {
	known := make([]string, 0, len(t.specials)+len(t.m.Fields))
	for k := range t.specials {
		known = append(known, k)
	}
	for _, f := range t.m.Fields {
		if f.IsDerived() {
			continue
		}
		name := f.Attr
		if f.Sub != "" && !f.Multi {
			name += "." + f.Sub
		}
		if f.URN != "" {
			name = f.URN + ":" + name
		}
		if !mapping.ContainsFold(known, name) {
			known = append(known, name)
		}
	}
	sort.Strings(known)
	return invalidFilter("filter attribute %q is not mapped to a directory attribute; filterable: %s", p.String(), strings.Join(known, ", "))
}

// ldapCompare turns one SCIM comparison into an LDAP filter on attr.
func ldapCompare(attr string, c scimfilter.Compare, scimType string) (ldapstore.Filter, error) {
	if c.Op == scimfilter.OpPr {
		return ldapstore.Present(attr), nil
	}
	var v string
	switch c.Value.Kind {
	case scimfilter.KindNull:
		if c.Op == scimfilter.OpEq {
			return ldapstore.Not(ldapstore.Present(attr)), nil
		}
		if c.Op == scimfilter.OpNe {
			return ldapstore.Present(attr), nil
		}
		return nil, invalidFilter("null can only be compared with eq or ne")
	case scimfilter.KindBool:
		if c.Op != scimfilter.OpEq && c.Op != scimfilter.OpNe {
			return nil, invalidFilter("booleans can only be compared with eq or ne")
		}
		v = "FALSE"
		if c.Value.Bool {
			v = "TRUE"
		}
	default:
		v = c.Value.Str
	}
	if v == "" && (c.Op == scimfilter.OpCo || c.Op == scimfilter.OpSw || c.Op == scimfilter.OpEw) {
		return ldapstore.Present(attr), nil
	}
	if scimType == "dateTime" {
		if gt, ok := mapping.ToGeneralizedTime(v); ok {
			v = gt
		}
	}
	switch c.Op {
	case scimfilter.OpEq:
		return ldapstore.Eq(attr, v), nil
	case scimfilter.OpNe:
		return ldapstore.Not(ldapstore.Eq(attr, v)), nil
	case scimfilter.OpCo:
		return ldapstore.Substring(attr, "", []string{v}, ""), nil
	case scimfilter.OpSw:
		return ldapstore.Substring(attr, v, nil, ""), nil
	case scimfilter.OpEw:
		return ldapstore.Substring(attr, "", nil, v), nil
	case scimfilter.OpGe:
		return ldapstore.Ge(attr, v), nil
	case scimfilter.OpLe:
		return ldapstore.Le(attr, v), nil
	case scimfilter.OpGt:
		return ldapstore.And(ldapstore.Ge(attr, v), ldapstore.Not(ldapstore.Eq(attr, v))), nil
	case scimfilter.OpLt:
		return ldapstore.And(ldapstore.Le(attr, v), ldapstore.Not(ldapstore.Eq(attr, v))), nil
	}
	return nil, invalidFilter("operator %q is not supported", c.Op)
}
