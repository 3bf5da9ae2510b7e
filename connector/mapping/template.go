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
	x     *expression    // an expression instead of a path
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
		end := closingBrace(rest[open:])
		if end < 0 {
			return nil, fmt.Errorf("%q has a '{' without '}'", s)
		}
		if strings.IndexByte(rest[:open], '}') >= 0 {
			return nil, fmt.Errorf("%q has a '}' without '{'", s)
		}
		inner := strings.TrimSpace(rest[open+1 : open+end])
		// {path|f|g}: a path with template functions. An expression may
		// hold "||" (or) and is never split.
		var funcs []templateFunc
		if pathText, funcText, ok := strings.Cut(inner, "|"); ok && !strings.Contains(inner, "||") {
			if _, perr := scimfilter.ParsePath(strings.TrimSpace(pathText)); perr == nil {
				var err error
				if funcs, err = parseTemplateFuncs(funcText); err != nil {
					return nil, fmt.Errorf("placeholder %q in %q: %w", rest[open:open+end+1], s, err)
				}
				inner = strings.TrimSpace(pathText)
			}
		}
		ph, err := parsePlaceholder(inner)
		ph.funcs = funcs
		if err != nil {
			return nil, fmt.Errorf("placeholder %q in %q: %w", rest[open:open+end+1], s, err)
		}
		t.literals = append(t.literals, rest[:open])
		t.placeholders = append(t.placeholders, ph)
		rest = rest[open+end+1:]
	}
}

// closingBrace is the index of the '}' closing the '{' at s[0], skipping
// braces nested in an expression or inside its quoted strings; -1 if none.
func closingBrace(s string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// parsePlaceholder compiles what a pair of braces holds: a SCIM attribute
// path (as always), {now}, or an expression (expr.go).
func parsePlaceholder(inner string) (placeholder, error) {
	if inner == "now" {
		x, err := compileExpr("nowUTC()", false)
		return placeholder{x: x}, err
	}
	if _, err := scimfilter.ParsePath(inner); err == nil {
		return compilePlaceholder(expandAlias(inner))
	}
	x, err := compileExpr(inner, false)
	if err != nil {
		return placeholder{}, fmt.Errorf("not a SCIM attribute path, nor a valid %w", err)
	}
	return placeholder{x: x}, nil
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
	if ph.x != nil {
		if v := ph.x.render(doc); v != "" {
			return []string{v}
		}
		return nil
	}
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

// renderDN fills a DN template, escaping each value with esc (the
// directory side's RDN escaping); false when a placeholder is empty, since
// an empty RDN value makes no container.
func (t *template) renderDN(doc map[string]interface{}, esc func(string) string) (string, bool) {
	var b strings.Builder
	for i, lit := range t.literals {
		b.WriteString(lit)
		if i < len(t.placeholders) {
			ph := t.placeholders[i]
			v := ph.strings(doc)
			if len(v) == 0 || strings.TrimSpace(v[0]) == "" {
				return "", false
			}
			b.WriteString(esc(strings.TrimSpace(applyTemplateFuncs(ph.funcs, v[0]))))
		}
	}
	return b.String(), true
}

// Template is a compiled template for the connector: containers, the
// values deactivation sets, generated values.
type Template struct{ t *template }

// CompileTemplate compiles src; errors name yamlPath.
func CompileTemplate(yamlPath, src string) (*Template, error) {
	t, err := parseTemplate(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", yamlPath, err)
	}
	return &Template{t: t}, nil
}

// Render fills the template from a SCIM document.
func (t *Template) Render(doc map[string]interface{}) string { return t.t.render(doc) }

// RenderDN fills a DN template, each value escaped with esc.
func (t *Template) RenderDN(doc map[string]interface{}, esc func(string) string) (string, bool) {
	return t.t.renderDN(doc, esc)
}

// Static reports a template without placeholders.
func (t *Template) Static() bool { return len(t.t.placeholders) == 0 }

// Sample renders the template with every placeholder replaced by v, to
// check the shape of what it makes (a DN) at start-up.
func (t *Template) Sample(v string) string {
	var b strings.Builder
	for i, lit := range t.t.literals {
		b.WriteString(lit)
		if i < len(t.t.placeholders) {
			b.WriteString(v)
		}
	}
	return b.String()
}

// Condition is a compiled boolean expression (placement rules' when).
type Condition struct{ x *expression }

// CompileCondition compiles src as a boolean expression; errors name
// yamlPath.
func CompileCondition(yamlPath, src string) (*Condition, error) {
	x, err := compileExpr(src, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", yamlPath, err)
	}
	return &Condition{x: x}, nil
}

// True evaluates the condition on doc; an evaluation error counts as false.
func (c *Condition) True(doc map[string]interface{}) bool {
	v, err := c.x.eval(doc)
	b, _ := v.(bool)
	return err == nil && b
}
