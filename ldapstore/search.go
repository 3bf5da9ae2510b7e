package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// pageSize is the paged-results page size: the stock OpenLDAP soft size
// limit, so one page never trips it.
const pageSize = 500

// Entry is one search result. Attrs keys are lower-cased attribute names
// (with any ;options), so look values up with Get/First.
type Entry struct {
	DN    string
	Attrs map[string][]string
}

// Get returns the values of attr, matched case-insensitively.
func (e *Entry) Get(attr string) []string {
	if e == nil {
		return nil
	}
	return e.Attrs[strings.ToLower(attr)]
}

// First returns the first value of attr, or "".
func (e *Entry) First(attr string) string {
	if v := e.Get(attr); len(v) > 0 {
		return v[0]
	}
	return ""
}

func toEntry(le *ldap.Entry) *Entry {
	e := &Entry{DN: le.DN, Attrs: make(map[string][]string, len(le.Attributes))}
	for _, a := range le.Attributes {
		k := strings.ToLower(a.Name)
		e.Attrs[k] = append(e.Attrs[k], a.Values...)
	}
	return e
}

// Scope of a search.
type Scope int

const (
	ScopeBase Scope = iota // the base entry only
	ScopeOne               // direct children of the base
	ScopeSub               // the base and everything below it
)

// SearchRequest describes a search.
type SearchRequest struct {
	BaseDN string
	Scope  Scope
	// Filter built with this package's constructors or ParseFilter; nil
	// means All(). An invalid filter fails the search (ErrInvalidFilter)
	// rather than silently matching nothing.
	Filter Filter
	// Attributes to return. nil returns none ("1.1": DNs only) so that a
	// forgotten list never fetches whole entries; ask for everything
	// explicitly with []string{"*"} (and "+" for operational attributes).
	Attributes []string
	// SizeLimit > 0 caps the number of entries returned (a client-side cap,
	// not an error when more match). 0 = no cap.
	SizeLimit int
	// Sort asks the server to sort (RFC 2891 Server Side Sorting); see
	// sort.go. Empty: the server's own order.
	Sort []SortKey
	// Bases, when it holds more than one DN, replaces BaseDN: the search
	// runs under each in turn and the results follow one another (see
	// bases.go). With one DN or none, BaseDN alone is searched.
	Bases []string
}

// ldapRequest builds the go-ldap request, validating what the server would
// otherwise reject with a less helpful message (or, for a filter, might
// accept with a different meaning).
func (r SearchRequest) ldapRequest() (*ldap.SearchRequest, error) {
	var scope int
	switch r.Scope {
	case ScopeBase:
		scope = ldap.ScopeBaseObject
	case ScopeOne:
		scope = ldap.ScopeSingleLevel
	case ScopeSub:
		scope = ldap.ScopeWholeSubtree
	default:
		return nil, fmt.Errorf("unknown scope %d", r.Scope)
	}
	f := r.Filter
	if f == nil {
		f = All()
	}
	filter, err := render(f)
	if err != nil {
		return nil, err
	}
	attrs := []string{"1.1"}
	if r.Attributes != nil {
		attrs = make([]string, 0, len(r.Attributes))
		for _, a := range r.Attributes {
			switch a {
			case "*", "+", "1.1":
			default:
				if err := ValidateAttributeName(a); err != nil {
					return nil, err
				}
			}
			attrs = append(attrs, a)
		}
		if len(attrs) == 0 {
			attrs = []string{"1.1"}
		}
	}
	if r.SizeLimit < 0 {
		return nil, errors.New("negative SizeLimit")
	}
	// The size limit is not sent: with paging, servers apply it to the whole
	// paged search in differing ways; the cap is enforced client-side.
	var controls []ldap.Control
	if len(r.Sort) > 0 {
		ctl, err := sortControl(r.Sort)
		if err != nil {
			return nil, err
		}
		controls = []ldap.Control{ctl}
	}
	return ldap.NewSearchRequest(r.BaseDN, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, controls), nil
}

// scan runs the search with the paged-results control and calls visit for
// each entry in server order until visit returns false. Each page is one
// request (bounded by RequestTimeout); only one page is held in memory.
func scan(l *ldap.Conn, req *ldap.SearchRequest, size uint32, visit func(*ldap.Entry) bool) error {
	paging := ldap.NewControlPaging(size)
	req.Controls = withPaging(req.Controls, paging)
	for {
		res, err := l.Search(req)
		if err != nil {
			return err
		}
		cookie := nextCookie(res)
		for _, e := range res.Entries {
			if !visit(e) {
				return abandon(l, req, paging, cookie)
			}
		}
		if len(cookie) == 0 {
			return nil
		}
		paging.SetCookie(cookie)
	}
}

// nextCookie is the paged-results cookie a page came with; empty after the
// last page.
func nextCookie(res *ldap.SearchResult) []byte {
	if next, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
		return next.Cookie
	}
	return nil
}

// abandon tells the server to drop the state of a paged search we stop
// early (RFC 2696: page size 0 with the last cookie); with no cookie there
// is no state.
func abandon(l *ldap.Conn, req *ldap.SearchRequest, paging *ldap.ControlPaging, cookie []byte) error {
	if len(cookie) == 0 {
		return nil
	}
	paging.SetCookie(cookie)
	paging.PagingSize = 0
	_, err := l.Search(req)
	return err
}

// search is the common driver: validate, then scan with read retry. start
// is called at the beginning of every attempt so that a retried search
// starts from clean state.
func (s *Store) search(ctx context.Context, op string, r SearchRequest, start func(), visit func(*ldap.Entry) bool) error {
	req, err := r.ldapRequest()
	if err != nil {
		return wrapErr(op, r.BaseDN, err)
	}
	size := uint32(pageSize)
	if r.SizeLimit > 0 && r.SizeLimit < pageSize {
		size = uint32(r.SizeLimit)
	}
	return s.read(ctx, op, r.BaseDN, func(l *ldap.Conn) error {
		start()
		n := 0
		return scan(l, req, size, func(e *ldap.Entry) bool {
			n++
			more := visit(e)
			return more && (r.SizeLimit == 0 || n < r.SizeLimit)
		})
	})
}

// Search returns every matching entry (up to SizeLimit), using the
// paged-results control (page 500) so that server size limits for
// non-paged searches do not cut the result.
func (s *Store) Search(ctx context.Context, r SearchRequest) ([]*Entry, error) {
	if len(r.Bases) > 1 {
		return s.searchBases(ctx, r)
	}
	if es, ok, err := s.dryRunSearch(ctx, r); ok {
		return es, err
	}
	if es, ok, err := s.memoryRead(ctx, r); ok {
		return es, err
	}
	var out []*Entry
	err := s.search(ctx, "search", r,
		func() { out = nil },
		func(e *ldap.Entry) bool { out = append(out, toEntry(e)); return true })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SearchOne returns the single matching entry, nil (and no error) when
// none matches, and an error wrapping ErrNotUnique when several do.
// r.SizeLimit is ignored.
func (s *Store) SearchOne(ctx context.Context, r SearchRequest) (*Entry, error) {
	r.SizeLimit = 2 // enough to tell "one" from "several"
	es, err := s.Search(ctx, r)
	switch {
	case err != nil:
		return nil, err
	case len(es) == 0:
		return nil, nil
	case len(es) > 1:
		return nil, wrapErr("search", r.BaseDN, ErrNotUnique)
	}
	return es[0], nil
}
