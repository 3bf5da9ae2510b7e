package ldapstore

import (
	"errors"
	"fmt"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Filter is an LDAP search filter (RFC 4515). Build filters only with this
// package's constructors or ParseFilter: they escape every value, so data
// can never change a filter's structure.
//
// Design choice: constructors do not return errors, so filters compose
// freely. Attribute names normally come from configuration, which is
// checked once at load time with ValidateAttributeName. Should a bad name
// (or a nil or foreign Filter) slip through anyway, Validate reports it,
// String renders the whole filter as None() (matches nothing; a mistake must
// never widen a search), and Store searches refuse it with ErrInvalidFilter
// (a search that silently finds nothing could make the caller believe an
// entry does not exist).
type Filter interface {
	String() string
}

// node is implemented by every Filter of this package.
type node interface {
	Filter
	render(b *strings.Builder) error
}

const (
	allString  = "(objectClass=*)"
	noneString = "(!(objectClass=*))"
)

// render returns f's string form, or an error if anything in it is invalid.
func render(f Filter) (string, error) {
	var b strings.Builder
	if err := renderTo(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderTo(b *strings.Builder, f Filter) error {
	switch n := f.(type) {
	case nil:
		return fmt.Errorf("%w: nil filter", ErrInvalidFilter)
	case node:
		return n.render(b)
	default:
		return fmt.Errorf("%w: %T was not built by ldapstore", ErrInvalidFilter, f)
	}
}

// str is String for every node: the filter, or None() if it is invalid.
func str(n node) string {
	s, err := render(n)
	if err != nil {
		return noneString
	}
	return s
}

// Validate reports whether f is well formed: built by this package, with
// valid attribute names throughout. The error wraps ErrInvalidFilter.
func Validate(f Filter) error {
	_, err := render(f)
	return err
}

// ValidateAttributeName checks an attribute description: a name
// ([A-Za-z][A-Za-z0-9-]*) or a numeric OID, optionally followed by
// ;options. Use it to check configured attribute names once at load time.
func ValidateAttributeName(name string) error {
	base, opts, hasOpts := strings.Cut(name, ";")
	ok := validDescr(base) || validOID(base)
	if ok && hasOpts {
		for o := range strings.SplitSeq(opts, ";") {
			if o == "" || strings.IndexFunc(o, func(r rune) bool { return !isKeychar(r) }) >= 0 {
				ok = false
				break
			}
		}
	}
	if !ok {
		return fmt.Errorf("ldapstore: bad attribute name %q", name)
	}
	return nil
}

// checkAttr is ValidateAttributeName inside a filter.
func checkAttr(name string) error {
	if err := ValidateAttributeName(name); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFilter, err)
	}
	return nil
}

func isAlpha(r rune) bool   { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isDigit(r rune) bool   { return r >= '0' && r <= '9' }
func isKeychar(r rune) bool { return isAlpha(r) || isDigit(r) || r == '-' }

// validDescr: keystring = leadkeychar *keychar (RFC 4512).
func validDescr(s string) bool {
	if s == "" || !isAlpha(rune(s[0])) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !isKeychar(r) }) < 0
}

// validOID: numericoid = number 1*( DOT number ), numbers without leading
// zeros (RFC 4512).
func validOID(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') || strings.IndexFunc(p, func(r rune) bool { return !isDigit(r) }) >= 0 {
			return false
		}
	}
	return true
}

// cmpFilter is an equality, >= or <= assertion.
type cmpFilter struct{ attr, op, value string }

func (f cmpFilter) String() string { return str(f) }
func (f cmpFilter) render(b *strings.Builder) error {
	if err := checkAttr(f.attr); err != nil {
		return err
	}
	b.WriteByte('(')
	b.WriteString(f.attr)
	b.WriteString(f.op)
	b.WriteString(ldap.EscapeFilter(f.value))
	b.WriteByte(')')
	return nil
}

// Eq matches entries where attr equals value (per attr's equality rule).
func Eq(attr, value string) Filter { return cmpFilter{attr, "=", value} }

// Ge matches attr >= value (needs an ordering rule on attr).
func Ge(attr, value string) Filter { return cmpFilter{attr, ">=", value} }

// Le matches attr <= value (needs an ordering rule on attr).
func Le(attr, value string) Filter { return cmpFilter{attr, "<=", value} }

type presentFilter struct{ attr string }

func (f presentFilter) String() string { return str(f) }
func (f presentFilter) render(b *strings.Builder) error {
	if err := checkAttr(f.attr); err != nil {
		return err
	}
	b.WriteString("(" + f.attr + "=*)")
	return nil
}

// Present matches entries that have attr.
func Present(attr string) Filter { return presentFilter{attr} }

type substrFilter struct {
	attr, initial, final string
	middle               []string
}

func (f substrFilter) String() string { return str(f) }
func (f substrFilter) render(b *strings.Builder) error {
	if err := checkAttr(f.attr); err != nil {
		return err
	}
	// Empty middle parts would render as "**", which means nothing.
	var middle []string
	for _, a := range f.middle {
		if a != "" {
			middle = append(middle, a)
		}
	}
	if f.initial == "" && f.final == "" && len(middle) == 0 {
		return fmt.Errorf("%w: substring filter on %s with no parts", ErrInvalidFilter, f.attr)
	}
	b.WriteByte('(')
	b.WriteString(f.attr)
	b.WriteByte('=')
	b.WriteString(ldap.EscapeFilter(f.initial))
	b.WriteByte('*')
	for _, a := range middle {
		b.WriteString(ldap.EscapeFilter(a))
		b.WriteByte('*')
	}
	b.WriteString(ldap.EscapeFilter(f.final))
	b.WriteByte(')')
	return nil
}

// Substring matches attr against initial*middle[0]*middle[1]*…*final; empty
// parts are left out, and at least one part must be non-empty (else the
// filter is invalid, see Filter).
func Substring(attr string, initial string, middle []string, final string) Filter {
	return substrFilter{attr: attr, initial: initial, final: final, middle: append([]string(nil), middle...)}
}

type setFilter struct {
	op byte // '&' or '|'
	fs []Filter
}

func (f setFilter) String() string { return str(f) }
func (f setFilter) render(b *strings.Builder) error {
	b.WriteByte('(')
	b.WriteByte(f.op)
	for _, c := range f.fs {
		if err := renderTo(b, c); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

// And matches entries matching every filter. And() is All(); And(f) is f.
func And(fs ...Filter) Filter {
	switch len(fs) {
	case 0:
		return All()
	case 1:
		return nilSafe(fs[0])
	}
	return setFilter{'&', append([]Filter(nil), fs...)}
}

// Or matches entries matching any filter. Or() is None(); Or(f) is f.
func Or(fs ...Filter) Filter {
	switch len(fs) {
	case 0:
		return None()
	case 1:
		return nilSafe(fs[0])
	}
	return setFilter{'|', append([]Filter(nil), fs...)}
}

// nilSafe keeps a lone nil (or foreign) filter inside a node, so that the
// result is still invalid-but-safe rather than a nil interface.
func nilSafe(f Filter) Filter {
	if _, ok := f.(node); ok {
		return f
	}
	return setFilter{'&', []Filter{f}}
}

type notFilter struct{ f Filter }

func (f notFilter) String() string { return str(f) }
func (f notFilter) render(b *strings.Builder) error {
	b.WriteString("(!")
	if err := renderTo(b, f.f); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

// Not negates f. (If f is invalid, so is Not(f): it renders as None(), not
// as the negation of None().)
func Not(f Filter) Filter { return notFilter{f} }

// rawFilter is a filter string that has been checked: the constants and
// admin-written filters from ParseFilter.
type rawFilter string

func (f rawFilter) String() string                  { return string(f) }
func (f rawFilter) render(b *strings.Builder) error { b.WriteString(string(f)); return nil }

// All matches every entry: (objectClass=*).
func All() Filter { return rawFilter(allString) }

// None matches no entry: (!(objectClass=*)).
func None() Filter { return rawFilter(noneString) }

// ParseFilter checks an admin-written filter (configuration such as
// users.filter) and returns it as a Filter to combine with others. Outer
// whitespace is trimmed and missing outer parentheses are added, as
// ldapsearch does. The syntax is checked with go-ldap's compiler and every
// attribute name with ValidateAttributeName.
func ParseFilter(s string) (Filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidFilter)
	}
	if s[0] != '(' {
		s = "(" + s + ")"
	}
	p, err := ldap.CompileFilter(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidFilter, s, err)
	}
	if err := checkPacket(p); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidFilter, s, err)
	}
	return rawFilter(s), nil
}

// checkPacket walks a compiled filter and checks its attribute names (the
// compiler accepts any text there).
func checkPacket(p *ber.Packet) error {
	switch p.Tag {
	case ldap.FilterAnd, ldap.FilterOr, ldap.FilterNot:
		for _, c := range p.Children {
			if err := checkPacket(c); err != nil {
				return err
			}
		}
		return nil
	case ldap.FilterPresent:
		return ValidateAttributeName(ber.DecodeString(p.Data.Bytes()))
	case ldap.FilterEqualityMatch, ldap.FilterSubstrings, ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual, ldap.FilterApproxMatch:
		if len(p.Children) == 0 {
			return errors.New("malformed filter")
		}
		return ValidateAttributeName(ber.DecodeString(p.Children[0].Data.Bytes()))
	case ldap.FilterExtensibleMatch:
		for _, c := range p.Children {
			switch c.Tag {
			case ldap.MatchingRuleAssertionMatchingRule:
				if r := ber.DecodeString(c.Data.Bytes()); !validDescr(r) && !validOID(r) {
					return fmt.Errorf("bad matching rule %q", r)
				}
			case ldap.MatchingRuleAssertionType:
				if err := ValidateAttributeName(ber.DecodeString(c.Data.Bytes())); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown filter choice %d", p.Tag)
}
