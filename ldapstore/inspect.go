package ldapstore

import (
	"fmt"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// FilterNode is a filter as the directory reads it: Inspect compiles a
// Filter's string form with go-ldap's RFC 4515 parser (the encoder of
// every search the Store sends) and returns the tree, with values
// unescaped to the exact bytes the server compares. It lets callers and
// tests prove what a built filter can match, e.g. that a SCIM
// `userName eq "x"` became one equality on uid with exactly x.
type FilterNode struct {
	// Op is "and", "or", "not", "eq", "ge", "le", "approx", "present",
	// "substr" or "ext" (extensible match, only from ParseFilter).
	Op       string
	Attr     string // every Op but and, or, not
	Value    string // eq, ge, le, approx, ext
	Initial  string // substr: the parts; empty when absent
	Any      []string
	Final    string
	Children []*FilterNode // and, or: the operands; not: one
}

// Inspect parses f's string form back into a tree. It fails for an invalid
// Filter (see Validate) or for a string go-ldap does not parse, which for
// this package's constructors would be a bug.
func Inspect(f Filter) (*FilterNode, error) {
	s, err := render(f)
	if err != nil {
		return nil, err
	}
	p, err := ldap.CompileFilter(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q does not parse: %w", ErrInvalidFilter, s, err)
	}
	return inspectPacket(p)
}

func inspectPacket(p *ber.Packet) (*FilterNode, error) {
	str := func(q *ber.Packet) string { return ber.DecodeString(q.Data.Bytes()) }
	switch p.Tag {
	case ldap.FilterAnd, ldap.FilterOr, ldap.FilterNot:
		n := &FilterNode{Op: map[ber.Tag]string{ldap.FilterAnd: "and", ldap.FilterOr: "or", ldap.FilterNot: "not"}[p.Tag]}
		for _, c := range p.Children {
			cn, err := inspectPacket(c)
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, cn)
		}
		return n, nil
	case ldap.FilterPresent:
		return &FilterNode{Op: "present", Attr: str(p)}, nil
	case ldap.FilterEqualityMatch, ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual, ldap.FilterApproxMatch:
		if len(p.Children) != 2 {
			return nil, fmt.Errorf("%w: malformed comparison", ErrInvalidFilter)
		}
		op := map[ber.Tag]string{ldap.FilterEqualityMatch: "eq", ldap.FilterGreaterOrEqual: "ge", ldap.FilterLessOrEqual: "le", ldap.FilterApproxMatch: "approx"}[p.Tag]
		return &FilterNode{Op: op, Attr: str(p.Children[0]), Value: str(p.Children[1])}, nil
	case ldap.FilterSubstrings:
		if len(p.Children) != 2 {
			return nil, fmt.Errorf("%w: malformed substring filter", ErrInvalidFilter)
		}
		n := &FilterNode{Op: "substr", Attr: str(p.Children[0])}
		for _, part := range p.Children[1].Children {
			switch part.Tag {
			case ldap.FilterSubstringsInitial:
				n.Initial = str(part)
			case ldap.FilterSubstringsAny:
				n.Any = append(n.Any, str(part))
			case ldap.FilterSubstringsFinal:
				n.Final = str(part)
			}
		}
		return n, nil
	case ldap.FilterExtensibleMatch:
		n := &FilterNode{Op: "ext"}
		for _, c := range p.Children {
			switch c.Tag {
			case ldap.MatchingRuleAssertionType:
				n.Attr = str(c)
			case ldap.MatchingRuleAssertionMatchValue:
				n.Value = str(c)
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("%w: unknown filter choice %d", ErrInvalidFilter, p.Tag)
}

// Leaves returns the comparisons of the tree (everything but and, or, not),
// depth first.
func (n *FilterNode) Leaves() []*FilterNode {
	if n == nil {
		return nil
	}
	switch n.Op {
	case "and", "or", "not":
		var out []*FilterNode
		for _, c := range n.Children {
			out = append(out, c.Leaves()...)
		}
		return out
	}
	return []*FilterNode{n}
}
