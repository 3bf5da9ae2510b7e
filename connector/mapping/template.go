package mapping

import (
	"fmt"
	"strings"

	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

// template is a value built from SCIM attributes, e.g.
// "{name.givenName} {name.familyName}". Placeholders that are empty in the
// document render as nothing and the surrounding spaces collapse, so a user
// without a given name gets "User", not " User".
type template struct {
	literals     []string      // len(placeholders)+1
	placeholders []placeholder // in order
}

// placeholder is one {path}, with the element selector a multi-valued
// attribute needs (sub-attribute, [type eq "x"] or [primary eq true])
// compiled once, when the configuration is loaded.
type placeholder struct {
	path  scimfilter.AttrPath
	sel   *Field
	funcs []templateFunc // applied in order to the value, e.g. {userName|localPart}
}

func parseTemplate(s string) (*template, error) {
	t := &template{}
	rest := s
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return nil, fmt.Errorf("%q has a '}' without '{'", s)
			}
			t.literals = append(t.literals, rest)
			return t, nil
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%q has a '{' without '}'", s)
		}
		if strings.IndexByte(rest[:open], '}') >= 0 {
			return nil, fmt.Errorf("%q has a '}' without '{'", s)
		}
		pathText, funcText, hasFuncs := strings.Cut(rest[open+1:open+end], "|")
		var funcs []templateFunc
		if hasFuncs {
			var err error
			if funcs, err = parseTemplateFuncs(funcText); err != nil {
				return nil, fmt.Errorf("placeholder %q in %q: %w", rest[open:open+end+1], s, err)
			}
		}
		p, err := scimfilter.ParsePath(strings.TrimSpace(pathText))
		if err != nil {
			return nil, fmt.Errorf("placeholder %q in %q is not a SCIM attribute path: %w", rest[open:open+end+1], s, err)
		}
		sel := &Field{Sub: p.Sub, Primary: true}
		if sel.Sub == "" {
			sel.Sub = "value"
		}
		if p.Filter != nil {
			if err := sel.setSelector(p.Filter); err != nil {
				return nil, fmt.Errorf("placeholder %q in %q: %w", rest[open:open+end+1], s, err)
			}
		}
		t.literals = append(t.literals, rest[:open])
		t.placeholders = append(t.placeholders, placeholder{path: p, sel: sel, funcs: funcs})
		rest = rest[open+end+1:]
	}
}

// render fills the placeholders from doc.
func (t *template) render(doc map[string]interface{}) string {
	var b strings.Builder
	for i, lit := range t.literals {
		b.WriteString(lit)
		if i < len(t.placeholders) {
			ph := t.placeholders[i]
			if v := ph.strings(doc); len(v) > 0 {
				b.WriteString(applyTemplateFuncs(ph.funcs, v[0]))
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// strings reads the placeholder's values from a document.
func (ph placeholder) strings(doc map[string]interface{}) []string {
	p, sel := ph.path, ph.sel
	container := doc
	if p.URN != "" {
		container, _ = LookupFold(doc, p.URN).(map[string]interface{})
	}
	v := LookupFold(container, p.Name)
	if list := asList(v); list != nil {
		if _, isObj := v.(map[string]interface{}); !isObj || p.Filter != nil {
			var out []string
			for _, el := range sel.selectElements(list) {
				out = append(out, ScalarStrings(LookupFold(el, sel.Sub))...)
			}
			return out
		}
	}
	if p.Sub != "" {
		obj, _ := v.(map[string]interface{})
		v = LookupFold(obj, p.Sub)
	}
	return ScalarStrings(v)
}
