package ldapstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// maxRangeRounds bounds ranged retrieval: Active Directory's default
// MaxValRange is 1500 values per round, so this allows ten million.
const maxRangeRounds = 10000

// AllValues returns every value of attr on e. Active Directory returns no
// more than MaxValRange (1500) values of a multi-valued attribute such as
// member in one result: e then holds "member;range=0-1499" instead of
// member, and the rest is read with base searches asking for
// member;range=1500-* until a range ending in "*" arrives.
func (s *Store) AllValues(ctx context.Context, e *Entry, attr string) ([]string, error) {
	if e == nil {
		return nil, nil
	}
	key, high, ok := rangedKey(e, attr)
	if !ok {
		return e.Get(attr), nil
	}
	vals := append([]string(nil), e.Attrs[key]...)
	for round := 0; high != "*"; round++ {
		if round == maxRangeRounds {
			return nil, wrapErr("search", e.DN, fmt.Errorf("ranged retrieval of %s did not end after %d rounds", attr, round))
		}
		last, err := strconv.Atoi(high)
		if err != nil {
			return nil, wrapErr("search", e.DN, fmt.Errorf("bad range end %q for %s", high, attr))
		}
		next, err := s.readRange(ctx, e.DN, attr, last+1)
		if err != nil {
			return nil, err
		}
		k, h, found := rangedKey(next, attr)
		if !found {
			// The server answered with the plain attribute: the rest.
			return append(vals, next.Get(attr)...), nil
		}
		if h != "*" {
			if n, err := strconv.Atoi(h); err != nil || n <= last {
				return nil, wrapErr("search", e.DN, fmt.Errorf("range of %s does not advance (%s after %d)", attr, h, last))
			}
		}
		vals = append(vals, next.Attrs[k]...)
		high = h
	}
	return vals, nil
}

// rangedKey finds "<attr>;range=<low>-<high>" among e's attributes.
func rangedKey(e *Entry, attr string) (key, high string, ok bool) {
	prefix := strings.ToLower(attr) + ";range="
	for k := range e.Attrs {
		if rest, found := strings.CutPrefix(k, prefix); found {
			if _, h, dash := strings.Cut(rest, "-"); dash {
				return k, h, true
			}
		}
	}
	return "", "", false
}

// readRange reads attr;range=<from>-* of one entry. The attribute
// description is built here rather than validated as a name: "=" and "*"
// are part of the range option's syntax.
func (s *Store) readRange(ctx context.Context, dn, attr string, from int) (*Entry, error) {
	if err := ValidateAttributeName(attr); err != nil {
		return nil, wrapErr("search", dn, err)
	}
	desc := fmt.Sprintf("%s;range=%d-*", attr, from)
	return s.readEntry(ctx, dn, "ranged read of "+attr, baseRequest(dn, []string{desc}))
}
