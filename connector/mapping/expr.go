package mapping

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

// Expressions inside a template's braces ({lower(userName)}) are
// expr-lang/expr programs: a maintained, sandboxed (no I/O, no loops
// without bound), statically checked language whose operators (==, &&,
// ?:, ??, in) and string built-ins (lower, upper, trim, replace, split)
// cover what admins write; only the directory-specific functions below are
// ours. A brace that holds a plain SCIM attribute path ({name.givenName},
// {emails[type eq "work"].value}) keeps its old meaning.
//
// In an expression every SCIM attribute is a string ("" when absent) named
// by its path: userName, name.givenName, enterprise.department (the
// enterprise extension), or attr("any SCIM path") for the rest. Names are
// matched without regard to case, as SCIM names are.

// enterpriseURN is what the alias "enterprise." stands for.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// expandAlias turns enterprise.department into the full SCIM path.
func expandAlias(path string) string {
	if rest, ok := cutPrefixFold(path, "enterprise."); ok {
		return enterpriseURN + ":" + rest
	}
	return path
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// expression is one compiled {…} expression.
type expression struct {
	src   string
	prog  *vm.Program
	attrs map[string]placeholder // by the path the program asks for
}

// compileExpr compiles src; asBool makes it a condition.
func compileExpr(src string, asBool bool) (*expression, error) {
	x := &expression{src: src, attrs: map[string]placeholder{}}
	p := &attrPatcher{paths: map[string]bool{}}
	opts := []expr.Option{
		expr.Env(map[string]any{"_attr": func(string) string { return "" }}), expr.Patch(p),
		expr.Function("localpart", func(ps ...any) (any, error) { return LocalPart(ps[0].(string)), nil }, new(func(string) string)),
		expr.Function("left", func(ps ...any) (any, error) { return Left(ps[0].(string), ps[1].(int)), nil }, new(func(string, int) string)),
		expr.Function("truncate", func(ps ...any) (any, error) { return Truncate(ps[0].(string), ps[1].(int)), nil }, new(func(string, int) string)),
		expr.Function("ascii", func(ps ...any) (any, error) { return ASCIIFold(ps[0].(string)), nil }, new(func(string) string)),
		expr.Function("regexReplace", func(ps ...any) (any, error) {
			re, err := cachedRegexp(ps[1].(string))
			if err != nil {
				return nil, err
			}
			return re.ReplaceAllString(ps[0].(string), ps[2].(string)), nil
		}, new(func(string, string, string) string)),
		expr.Function("coalesce", func(ps ...any) (any, error) {
			for _, v := range ps {
				if s := fmt.Sprint(v); v != nil && s != "" {
					return s, nil
				}
			}
			return "", nil
		}),
		expr.Function("nowUTC", func(...any) (any, error) { return time.Now().UTC().Format(time.RFC3339), nil }, new(func() string)),
	}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if p.err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, p.err)
	}
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	for path := range p.paths {
		ph, err := compilePlaceholder(path)
		if err != nil {
			return nil, fmt.Errorf("expression %q: %w", src, err)
		}
		x.attrs[path] = ph
	}
	x.prog = prog
	return x, nil
}

// eval runs the expression on doc.
func (x *expression) eval(doc map[string]interface{}) (any, error) {
	env := map[string]any{
		"_attr": func(path string) string {
			if ph, ok := x.attrs[path]; ok {
				if v := ph.strings(doc); len(v) > 0 {
					return v[0]
				}
			}
			return ""
		},
	}
	return expr.Run(x.prog, env)
}

// render is the expression's value as a string ("" for nil or an error:
// a template that cannot be filled writes nothing, as an empty placeholder
// does).
func (x *expression) render(doc map[string]interface{}) string {
	v, err := x.eval(doc)
	if err != nil || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// attrPatcher rewrites attribute names into _attr("path") calls: userName
// → _attr("userName"), name.givenName → _attr("name.givenName"),
// attr("emails[type eq \"work\"].value") → _attr(that path).
type attrPatcher struct {
	paths map[string]bool
	err   error
}

func attrCall(path string) *ast.CallNode {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_attr"}, Arguments: []ast.Node{&ast.StringNode{Value: path}}}
}

// attrPath is the path of an _attr call node, if it is one.
func attrPath(n ast.Node) (string, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return "", false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "_attr" {
		return "", false
	}
	s, ok := c.Arguments[0].(*ast.StringNode)
	return s.Value, ok
}

func (p *attrPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "_attr" {
			return
		}
		// A function's name is patched too (the callee is visited before
		// its call); the call puts it back.
		p.paths[n.Value] = true
		ast.Patch(node, attrCall(n.Value))
	case *ast.MemberNode:
		inner, ok := attrPath(n.Node)
		prop, isStr := n.Property.(*ast.StringNode)
		if !ok || !isStr {
			return
		}
		delete(p.paths, inner)
		path := expandAlias(inner + "." + prop.Value)
		p.paths[path] = true
		ast.Patch(node, attrCall(path))
	case *ast.CallNode:
		name, ok := attrPath(n.Callee)
		if !ok {
			return
		}
		delete(p.paths, name)
		n.Callee = &ast.IdentifierNode{Value: name}
		switch name {
		case "attr":
			s, ok := n.Arguments[0].(*ast.StringNode)
			if len(n.Arguments) != 1 || !ok {
				p.err = fmt.Errorf("attr takes one quoted SCIM path, e.g. attr(%q)", `emails[type eq "work"].value`)
				return
			}
			path := expandAlias(s.Value)
			p.paths[path] = true
			ast.Patch(node, attrCall(path))
		case "regexReplace":
			// A constant pattern is checked now, not at the first create.
			if len(n.Arguments) == 3 {
				if s, ok := n.Arguments[1].(*ast.StringNode); ok {
					if _, err := cachedRegexp(s.Value); err != nil {
						p.err = fmt.Errorf("regexReplace: %w", err)
					}
				}
			}
		}
	}
}

// compilePlaceholder compiles a SCIM path as a template placeholder.
func compilePlaceholder(path string) (placeholder, error) {
	p, err := scimfilter.ParsePath(path)
	if err != nil {
		return placeholder{}, fmt.Errorf("%q is not a SCIM attribute path: %w", path, err)
	}
	sel := &Field{Sub: p.Sub, Primary: true}
	if sel.Sub == "" {
		sel.Sub = "value"
	}
	if p.Filter != nil {
		if err := sel.setSelector(p.Filter); err != nil {
			return placeholder{}, fmt.Errorf("%q: %w", path, err)
		}
	}
	return placeholder{path: p, sel: sel}, nil
}

var regexps sync.Map // pattern → *regexp.Regexp

func cachedRegexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := regexps.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	regexps.Store(pattern, re)
	return re, nil
}

// LocalPart is what comes before the last @ (the whole value without one).
func LocalPart(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[:i]
	}
	return s
}

// Left is the first n characters (not bytes) of s.
func Left(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// Truncate cuts s to at most n characters and drops separators the cut
// left at the end ("jean-" → "jean"), for logins with a length limit.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimRight(Left(s, n), " .-_")
}

// newASCIIFold removes accents (NFD, then drops combining marks). A chain
// keeps state, so each call gets its own: creates render concurrently.
func newASCIIFold() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

var foldSpecial = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "AE", "ø", "o", "Ø", "O", "đ", "d", "Đ", "D",
	"ł", "l", "Ł", "L", "œ", "oe", "Œ", "OE", "þ", "th", "Þ", "TH", "ı", "i")

// ASCIIFold is s with accents removed and the remaining non-ASCII letters
// spelled in ASCII where there is a usual spelling; other non-ASCII
// characters are dropped, so the result is always ASCII ("Zoë Núñez" →
// "Zoe Nunez").
func ASCIIFold(s string) string {
	out, _, err := transform.String(newASCIIFold(), foldSpecial.Replace(s))
	if err != nil {
		out = s
	}
	var b strings.Builder
	for _, r := range out {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}
