package scimfilter

import "strings"

// Binding strength of the operators, for deciding where String needs
// parentheses.
const (
	precOr = iota + 1
	precAnd
	precUnary
)

// String returns canonical filter text for e: lower-case keywords, single
// spaces, and parentheses only where precedence requires them. Parse accepts
// it and returns an AST equal to e, so it is safe to log and to compare.
func String(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, precOr)
	return b.String()
}

// String returns the canonical text of p, which ParsePath parses back to p.
func (p AttrPath) String() string {
	var b strings.Builder
	writePath(&b, p)
	return b.String()
}

func (e Compare) String() string   { return String(e) }
func (e Logical) String() string   { return String(e) }
func (e Not) String() string       { return String(e) }
func (e ValuePath) String() string { return String(e) }

// String returns v as it would be written in a filter.
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return quote(v.Str)
	case KindNumber:
		return v.Str
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindNull:
		return "null"
	}
	return ""
}

// writeExpr writes e, in parentheses if it binds less tightly than the
// context requires.
func writeExpr(b *strings.Builder, e Expr, ctx int) {
	switch e := e.(type) {
	case Compare:
		writePath(b, e.Path)
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		if e.Op != OpPr {
			b.WriteByte(' ')
			b.WriteString(e.Value.String())
		}
	case Logical:
		prec := precOr
		if e.Op == OpAnd {
			prec = precAnd
		}
		if prec < ctx {
			b.WriteByte('(')
		}
		// Chains are left-nested, so only a right operand of the same
		// precedence needs parentheses.
		writeExpr(b, e.Left, prec)
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		b.WriteByte(' ')
		writeExpr(b, e.Right, prec+1)
		if prec < ctx {
			b.WriteByte(')')
		}
	case Not:
		b.WriteString("not (")
		writeExpr(b, e.X, precOr)
		b.WriteByte(')')
	case ValuePath:
		writePath(b, AttrPath{URN: e.Path.URN, Name: e.Path.Name, Filter: e.Filter})
	case nil:
		b.WriteString("<nil>")
	}
}

func writePath(b *strings.Builder, p AttrPath) {
	if p.URN != "" {
		b.WriteString(p.URN)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	if p.Filter != nil {
		b.WriteByte('[')
		writeExpr(b, p.Filter, precOr)
		b.WriteByte(']')
	}
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
}

// quote writes s as a JSON string. Only what JSON requires is escaped, so
// non-ASCII text stays readable in logs and the output is never longer than
// necessary.
func quote(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
