package ldapstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// SortKey is one key of a Server Side Sorting request (RFC 2891).
type SortKey struct {
	Attr string
	// OrderingRule names the matching rule to sort with, for attributes
	// whose schema has no ORDERING rule (OpenLDAP's uid, cn, mail: error
	// 18 without one); "" uses the attribute's own.
	OrderingRule string
	Reverse      bool
}

// SortSupported reports whether the directory advertises Server Side
// Sorting, read from the root DSE once per Store.
func (s *Store) SortSupported(ctx context.Context) bool {
	return s.controlSupported(ctx, &s.sss, ldap.ControlTypeServerSideSorting, false)
}

// sortControl is the request control. It is sent critical: results in
// another order than the client asked for would page wrongly, so a server
// that cannot sort must say so (unavailableCriticalExtension, or its own
// sort error).
func sortControl(keys []SortKey) (ldap.Control, error) {
	var lk []*ldap.SortKey
	for _, k := range keys {
		if err := ValidateAttributeName(k.Attr); err != nil {
			return nil, fmt.Errorf("sort key: %w", err)
		}
		if k.OrderingRule != "" {
			if err := ValidateAttributeName(k.OrderingRule); err != nil {
				return nil, fmt.Errorf("sort ordering rule: %w", err)
			}
		}
		lk = append(lk, &ldap.SortKey{AttributeType: k.Attr, MatchingRule: k.OrderingRule, Reverse: k.Reverse})
	}
	return criticalSort{ldap.NewControlServerSideSortingWithSortKeys(lk)}, nil
}

// criticalSort is go-ldap's sort control, encoded with criticality TRUE
// (go-ldap always encodes it non-critical).
type criticalSort struct{ *ldap.ControlServerSideSorting }

func (c criticalSort) Encode() *ber.Packet {
	plain := c.ControlServerSideSorting.Encode()
	// Control ::= SEQUENCE { controlType, criticality BOOLEAN, controlValue }
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	p.AppendChild(plain.Children[0])
	p.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, "Criticality"))
	p.AppendChild(plain.Children[1])
	return p
}

// withPaging is controls with paging in place of any paging control.
func withPaging(controls []ldap.Control, paging *ldap.ControlPaging) []ldap.Control {
	out := make([]ldap.Control, 0, len(controls)+1)
	for _, c := range controls {
		if c.GetControlType() != ldap.ControlTypePaging {
			out = append(out, c)
		}
	}
	return append(out, paging)
}

// sortKey describes a request's sort for pageKey: walks in another order
// are other walks.
func sortKey(req *ldap.SearchRequest) string {
	var b strings.Builder
	for _, c := range req.Controls {
		if s, ok := c.(criticalSort); ok {
			for _, k := range s.SortKeys {
				fmt.Fprintf(&b, "%s:%s:%t;", k.AttributeType, k.MatchingRule, k.Reverse)
			}
		}
	}
	return b.String()
}

// Samba (4.x, measured here) ignores a sort key's reverseOrder and
// returns ascending order; real Active Directory honours it. On Samba a
// descending page is therefore read as the ascending window at the mirror
// offset, reversed: the same entries in the order asked for.

// reverseIgnored reports whether the directory is one that ignores
// reverseOrder, from the root DSE's vendorName (read once).
func (s *Store) reverseIgnored(ctx context.Context) bool {
	return s.rootDSEFlag(ctx, &s.sambaSort, false, func(root *Entry) bool {
		return slices.ContainsFunc(root.Get("vendorName"), func(v string) bool { return strings.HasPrefix(v, "Samba") })
	})
}

// reversedPage is SearchPage for a descending single-key sort on a
// directory that ignores reverseOrder.
func (s *Store) reversedPage(ctx context.Context, r SearchRequest, offset, limit int) ([]*Entry, int, error) {
	asc := r
	asc.Sort = []SortKey{{Attr: r.Sort[0].Attr, OrderingRule: r.Sort[0].OrderingRule}}
	_, total, err := s.SearchPage(ctx, asc, 0, 0)
	if err != nil || limit == 0 {
		return nil, total, err
	}
	start := total - offset - limit
	if start < 0 {
		limit += start
		start = 0
	}
	if limit <= 0 {
		return []*Entry{}, total, nil
	}
	// The count above is exact; a walk's total may run ahead (page.go).
	es, _, err := s.SearchPage(ctx, asc, start, limit)
	slices.Reverse(es)
	return es, total, err
}
