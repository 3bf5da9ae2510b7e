package scimfilter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse parses a SCIM filter with the default [Limits].
func Parse(s string) (Expr, error) { return ParseWithLimits(s, Limits{}) }

// ParseWithLimits parses a SCIM filter. Errors are *SyntaxError.
func ParseWithLimits(s string, l Limits) (Expr, error) {
	p, err := newParser(s, l, "filter")
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.atEnd() {
		return nil, p.errorf(p.pos, "empty filter")
	}
	e, _, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.atEnd() {
		return nil, p.unexpected()
	}
	return e, nil
}

// ParsePath parses a PATCH or mapping path: attr, attr.sub, attr[filter] or
// attr[filter].sub, each with an optional URN prefix. Errors are
// *SyntaxError.
func ParsePath(s string) (AttrPath, error) {
	p, err := newParser(s, Limits{}, "path")
	if err != nil {
		return AttrPath{}, err
	}
	p.skipSpace()
	if p.atEnd() {
		return AttrPath{}, p.errorf(p.pos, "empty path")
	}
	path, _, err := p.parseAttrPath()
	if err != nil {
		return AttrPath{}, err
	}
	p.skipSpace()
	if !p.atEnd() {
		return AttrPath{}, p.errorf(p.pos, "expected end of path, got %s", p.describe(p.pos))
	}
	return path, nil
}

type parser struct {
	scanner
	maxDepth int
	// depth counts the open parentheses and brackets around the current
	// position. It bounds the recursion before the nested expression has
	// even been read, which is what keeps "((((..." from exhausting the
	// stack.
	depth int
	// Value filters cannot nest (RFC 7644 valFilter has no valuePath).
	inBracket bool
}

func newParser(s string, l Limits, what string) (*parser, error) {
	l = l.withDefaults()
	if len(s) > l.MaxLength {
		return nil, &SyntaxError{Msg: fmt.Sprintf("the %s is too long (%d bytes; at most %d are accepted)", what, len(s), l.MaxLength)}
	}
	p := &parser{scanner: scanner{src: s, what: what}, maxDepth: l.MaxDepth}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return nil, p.errorf(i, "the %s is not valid UTF-8", what)
	}
	return p, nil
}

func (p *parser) tooDeep(pos int) error {
	return p.errorf(pos, "the %s is nested too deeply: more than %d levels, counting parentheses, [...] value filters and each and/or in a chain", p.what, p.maxDepth)
}

// open enters a parenthesis or bracket at the current position.
func (p *parser) open() error {
	if p.depth >= p.maxDepth {
		return p.tooDeep(p.pos)
	}
	p.depth++
	p.pos++
	return nil
}

// unexpected reports what follows the complete top-level filter.
func (p *parser) unexpected() error {
	switch p.peek() {
	case ')':
		return p.errorf(p.pos, `unexpected ")" without a matching "("`)
	case ']':
		return p.errorf(p.pos, `unexpected "]" without a matching "["`)
	}
	return p.errorf(p.pos, `expected "and", "or" or end of filter, got %s`, p.describe(p.pos))
}

// close consumes the ")" or "]" that matches the opener at openPos.
func (p *parser) close(closer byte, openPos int) error {
	p.skipSpace()
	if p.peek() == closer {
		p.pos++
		p.depth--
		return nil
	}
	opener := "("
	if closer == ']' {
		opener = "["
	}
	if p.atEnd() {
		return p.errorf(p.pos, `expected %q to close the %q at position %d, got end of %s`, string(closer), opener, p.column(openPos), p.what)
	}
	return p.errorf(p.pos, `expected "and", "or" or %q (to close the %q at position %d), got %s`, string(closer), opener, p.column(openPos), p.describe(p.pos))
}

// The parse functions below also return the height of what they parsed, in
// the units of Limits.MaxDepth. Comparing depth+height with the limit
// whenever a logical operator grows the tree bounds the AST as well as the
// recursion, so that callers walking it recursively are safe too.

// parseOr parses and-expressions joined by "or" (lowest precedence).
func (p *parser) parseOr() (Expr, int, error) { return p.parseJoined(OpOr, p.parseAnd) }

// parseAnd parses unary expressions joined by "and".
func (p *parser) parseAnd() (Expr, int, error) { return p.parseJoined(OpAnd, p.parseUnary) }

// parseJoined parses operands of next joined by the keyword op, nesting the
// chain to the left.
func (p *parser) parseJoined(op Op, next func() (Expr, int, error)) (Expr, int, error) {
	left, lh, err := next()
	if err != nil {
		return nil, 0, err
	}
	for {
		p.skipSpace()
		opPos := p.pos
		if !p.isKeyword(string(op)) {
			return left, lh, nil
		}
		p.pos += len(op)
		right, rh, err := next()
		if err != nil {
			return nil, 0, err
		}
		if lh = 1 + max(lh, rh); p.depth+lh > p.maxDepth {
			return nil, 0, p.tooDeep(opPos)
		}
		left = Logical{Op: op, Left: left, Right: right}
	}
}

// parseUnary parses a parenthesized filter, "not (filter)", a comparison
// or a value path.
func (p *parser) parseUnary() (Expr, int, error) {
	p.skipSpace()
	switch {
	case p.peek() == '(':
		return p.parseGroup()
	case p.isKeyword("not"):
		p.pos += len("not")
		p.skipSpace()
		if p.peek() != '(' {
			// RFC 7644 requires the parentheses, and without them the
			// scope of "not" in `not a eq "b" and c pr` would be a guess.
			return nil, 0, p.errorf(p.pos, `expected "(" after "not" (write not (filter)), got %s`, p.describe(p.pos))
		}
		x, h, err := p.parseGroup()
		if err != nil {
			return nil, 0, err
		}
		return Not{X: x}, h, nil
	}
	path, h, err := p.parseAttrPath()
	if err != nil {
		return nil, 0, err
	}
	if path.Filter != nil && path.Sub == "" {
		return ValuePath{Path: AttrPath{URN: path.URN, Name: path.Name}, Filter: path.Filter}, h, nil
	}
	p.skipSpace()
	opPos := p.pos
	word := p.run(isNameChar)
	op, ok := compareOps[strings.ToLower(word)]
	if !ok {
		return nil, 0, p.errorf(opPos, "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), got %s", p.describe(opPos))
	}
	p.pos += len(word)
	if op == OpPr {
		return Compare{Path: path, Op: op}, h, nil
	}
	v, err := p.parseValue(word)
	if err != nil {
		return nil, 0, err
	}
	return Compare{Path: path, Op: op, Value: v}, h, nil
}

// parseGroup parses "(" filter ")" starting at the "(".
func (p *parser) parseGroup() (Expr, int, error) { return p.parseNested(')') }

// parseNested parses a filter between the opener at the current position
// and closer; the pair counts as one level of height.
func (p *parser) parseNested(closer byte) (Expr, int, error) {
	openPos := p.pos
	if err := p.open(); err != nil {
		return nil, 0, err
	}
	e, h, err := p.parseOr()
	if err != nil {
		return nil, 0, err
	}
	if err := p.close(closer, openPos); err != nil {
		return nil, 0, err
	}
	return e, h + 1, nil
}

const valueKinds = "a quoted string, number, true, false or null"

// parseValue parses the value after the comparison operator op.
func (p *parser) parseValue(op string) (Value, error) {
	p.skipSpace()
	at := p.pos
	switch c := p.peek(); {
	case p.atEnd():
		return Value{}, p.errorf(at, "expected a value after %q (%s), got end of %s", op, valueKinds, p.what)
	case c == '"':
		s, err := p.readString()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: KindString, Str: s}, nil
	case c == '-' || isDigit(c):
		if n, ok := p.readNumber(); ok {
			return Value{Kind: KindNumber, Str: n}, nil
		}
		if tok := p.run(isNumberChar); at+len(tok) == len(p.src) || isValueEnd(p.src[at+len(tok)]) {
			return Value{}, p.errorf(at, "invalid number %s (JSON numbers look like 42, -1.5 or 2e10)", p.describe(at))
		}
	default:
		word := p.run(isNameChar)
		v := Value{}
		switch strings.ToLower(word) {
		case "true":
			v = Value{Kind: KindBool, Bool: true}
		case "false":
			v = Value{Kind: KindBool}
		case "null":
			v = Value{Kind: KindNull}
		}
		if v.Kind != KindNone && (at+len(word) == len(p.src) || isValueEnd(p.src[at+len(word)])) {
			p.pos += len(word)
			return v, nil
		}
	}
	return Value{}, p.errorf(at, "expected a value after %q (%s), got %s; strings must be in double quotes", op, valueKinds, p.describe(at))
}

func isNumberChar(c byte) bool { return isDigit(c) || strings.IndexByte("+-.eE", c) >= 0 }

// parseAttrPath parses [URN ":"] name ["." sub] ["[" filter "]" ["." sub]].
func (p *parser) parseAttrPath() (AttrPath, int, error) {
	var path AttrPath
	nameEnd := -1 // for URN paths, where the URN-character run ended
	if p.hasPrefixFold("urn:") {
		// URN segments may contain dots ("2.0"), so the URN cannot be
		// split at the first "."; the attribute is whatever follows the
		// last ":", which attribute names never contain.
		start := p.pos
		tok := p.run(isURNChar)
		colon := strings.LastIndexByte(tok, ':')
		if colon <= len("urn:") {
			return path, 0, p.errorf(start, "incomplete schema URN in %s; expected urn:<namespace>:...:<attribute>", p.describe(start))
		}
		path.URN = tok[:colon]
		p.pos += colon + 1
		nameEnd = start + len(tok)
		if p.pos == nameEnd {
			return path, 0, p.errorf(p.pos, "expected an attribute name after the schema URN %s, got %s", quoteForMessage(path.URN), p.describe(p.pos))
		}
	}
	var err error
	if path.Name, err = p.attrName(); err != nil {
		return path, 0, err
	}
	if p.peek() == '.' {
		p.pos++
		if path.Sub, err = p.attrName(); err != nil {
			return path, 0, err
		}
	}
	if err := p.checkPathEnd(nameEnd); err != nil {
		return path, 0, err
	}

	afterName := p.pos
	p.skipSpace()
	if p.peek() != '[' {
		p.pos = afterName
		return path, 0, nil
	}
	if p.inBracket {
		return path, 0, p.errorf(p.pos, `value filters cannot be nested: "[" inside another "[...]"`)
	}
	if path.Sub != "" {
		return path, 0, p.errorf(p.pos, `a value filter must come right after the attribute name (like emails[type eq "work"].value), not after a sub-attribute`)
	}
	p.inBracket = true
	filter, h, err := p.parseNested(']')
	if err != nil {
		return path, 0, err
	}
	p.inBracket = false
	path.Filter = filter

	afterBracket := p.pos
	p.skipSpace()
	if p.peek() != '.' {
		p.pos = afterBracket
		return path, h, nil
	}
	p.pos++
	if path.Sub, err = p.attrName(); err != nil {
		return path, 0, err
	}
	return path, h, p.checkPathEnd(-1)
}

// attrName reads ATTRNAME (RFC 7643: ALPHA *(nameChar)) or "$ref".
func (p *parser) attrName() (string, error) {
	start := p.pos
	if p.hasPrefixFold("$ref") && (start+4 == len(p.src) || !isNameChar(p.src[start+4])) {
		p.pos += 4
		return p.src[start:p.pos], nil
	}
	if !isAlpha(p.peek()) {
		return "", p.errorf(start, "expected an attribute name, got %s", p.describe(start))
	}
	name := p.run(isNameChar)
	p.pos += len(name)
	return name, nil
}

// checkPathEnd gives a precise message when an attribute path is followed by
// something that cannot end it, instead of a vague one about the operator.
// urnEnd is where the URN-character run of a URN path ended, or -1.
func (p *parser) checkPathEnd(urnEnd int) error {
	c := p.peek()
	switch {
	case c == '.':
		return p.errorf(p.pos, "an attribute path can have only one sub-attribute (attribute.subAttribute)")
	case c == ':' && urnEnd < 0:
		return p.errorf(p.pos, `unexpected ":" in attribute name; a schema URN prefix must start with "urn:"`)
	case p.pos < urnEnd || (urnEnd < 0 && !p.atEnd() && isURNChar(c)):
		return p.errorf(p.pos, "invalid character %s in attribute name", quoteForMessage(string(c)))
	case !p.atEnd() && c >= utf8.RuneSelf:
		r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
		return p.errorf(p.pos, "invalid character %s in attribute name", quoteForMessage(string(r)))
	}
	return nil
}
