package ldapstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Dry run (Options.DryRun) lets an admin try a mapping against the
// production directory: Add, Modify, ModifyPermissive, Rename, Delete and
// SetPassword are not sent. Each is logged at info as "dry-run: not sent"
// with the operation, the DN and the names of the attributes it would
// write (never values, so passwords stay out of the log), and reported as
// done. Searches still go to the directory.
//
// A caller that reads an entry back after writing it (the SCIM handlers
// answer with the stored resource) would find it missing or unchanged, so a
// dry-run Store remembers what it pretended to write under a scope
// (WithDryRunScope, one per SCIM request): a base-object search of a DN
// written under the scope answers with the entry as it would be, with
// random ids in the scope's id attributes of a pretended add (each in its
// attribute's format, see DryRunID) and
// createTimestamp/modifyTimestamp of now. Subtree searches, and base
// searches whose filter the scope cannot evaluate (anything but =, present,
// and, or, not), see the directory as it is. Without a scope, writes are
// only logged.

type dryRunKey struct{}

// dryScope is the writes pretended under one context.
type dryScope struct {
	ids []DryRunID

	mu      sync.Mutex
	entries map[string]*Entry // NormalizeDN → entry as it would be; nil = deleted
}

// DryRunID is an id attribute that a pretended add fills with a random
// value stored as the directory would store it: a UUID string (entryUUID,
// nsUniqueId), or for IDGUID 16 raw bytes (objectGUID), so that the id
// the client is answered with has the form real ones have.
type DryRunID struct {
	Attr   string
	Format IDFormat
}

func (id DryRunID) random() string {
	u := randomUUID()
	if id.Format == IDGUID {
		raw, _ := ParseGUID(u) // cannot fail: u is a well-formed GUID
		return string(raw)
	}
	return u
}

// WithDryRunScope returns a context under which a dry-run Store remembers
// the writes it pretends to make; ids get random values on a pretended
// add. It costs nothing on a Store that is not dry-run.
func WithDryRunScope(ctx context.Context, ids ...DryRunID) context.Context {
	return context.WithValue(ctx, dryRunKey{}, &dryScope{ids: ids, entries: map[string]*Entry{}})
}

// InDryRunScope reports whether ctx carries a dry-run scope.
func InDryRunScope(ctx context.Context) bool { return scopeOf(ctx) != nil }

func scopeOf(ctx context.Context) *dryScope {
	sc, _ := ctx.Value(dryRunKey{}).(*dryScope)
	return sc
}

// DryRun reports whether the Store only pretends to write.
func (s *Store) DryRun() bool { return s.opts.DryRun }

func (sc *dryScope) get(dn string) (*Entry, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.entries[NormalizeDN(dn)]
	if e != nil {
		e = e.clone()
	}
	return e, ok
}

func (sc *dryScope) put(dn string, e *Entry) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.entries[NormalizeDN(dn)] = e
}

func (e *Entry) clone() *Entry {
	c := &Entry{DN: e.DN, Attrs: make(map[string][]string, len(e.Attrs))}
	for k, v := range e.Attrs {
		c.Attrs[k] = slices.Clone(v)
	}
	return c
}

func (s *Store) dryLog(ctx context.Context, op, dn string, attrs []string, extra ...any) {
	sort.Strings(attrs)
	args := append([]any{"op", op, "dn", dn, "attributes", attrs}, extra...)
	s.log.InfoContext(ctx, "dry-run: not sent", args...)
}

// dryAdd pretends Add; names are attrs' keys, as Add sorted them.
func (s *Store) dryAdd(ctx context.Context, dn string, names []string, attrs map[string][]string) error {
	s.dryLog(ctx, "add", dn, names)
	journal(ctx, DryRunOp{Kind: "add", DN: dn, Attrs: attrs, Names: slices.Clone(names)})
	sc := scopeOf(ctx)
	if sc == nil {
		return nil
	}
	if e, ok := sc.get(dn); ok && e != nil {
		return &Error{Op: "add", DN: dn, Code: CodeEntryAlreadyExists, Err: fmt.Errorf("dry run: %w", errExists)}
	}
	e := &Entry{DN: dn, Attrs: map[string][]string{}}
	for k, v := range attrs {
		e.Attrs[strings.ToLower(k)] = slices.Clone(v)
	}
	now := generalizedNow()
	e.Attrs["createtimestamp"] = []string{now}
	e.Attrs["modifytimestamp"] = []string{now}
	for _, id := range sc.ids {
		if k := strings.ToLower(id.Attr); len(e.Attrs[k]) == 0 {
			e.Attrs[k] = []string{id.random()}
		}
	}
	sc.put(dn, e)
	return nil
}

func (s *Store) dryModify(ctx context.Context, dn string, changes []Change) error {
	names := make([]string, 0, len(changes))
	for _, c := range changes {
		names = append(names, c.Attr)
	}
	s.dryLog(ctx, "modify", dn, names)
	journal(ctx, DryRunOp{Kind: "modify", DN: dn, Changes: changes})
	sc := scopeOf(ctx)
	if sc == nil {
		return nil
	}
	e, err := s.dryBase(ctx, sc, "modify", dn)
	if err != nil {
		return err
	}
	for _, c := range changes {
		k := strings.ToLower(c.Attr)
		switch c.Op {
		case ChangeAdd:
			for _, v := range c.Values {
				if !containsFold(e.Attrs[k], v) {
					e.Attrs[k] = append(e.Attrs[k], v)
				}
			}
		case ChangeDelete:
			if len(c.Values) == 0 {
				delete(e.Attrs, k)
				continue
			}
			e.Attrs[k] = slices.DeleteFunc(e.Attrs[k], func(v string) bool { return containsFold(c.Values, v) })
		case ChangeReplace:
			e.Attrs[k] = slices.Clone(c.Values)
		}
		if len(e.Attrs[k]) == 0 {
			delete(e.Attrs, k)
		}
	}
	e.Attrs["modifytimestamp"] = []string{generalizedNow()}
	sc.put(dn, e)
	return nil
}

func (s *Store) dryRename(ctx context.Context, dn, rdnAttr, rdnValue, parent string) (string, error) {
	newDN := ChildDN(rdnAttr, rdnValue, parent)
	s.dryLog(ctx, "rename", dn, []string{rdnAttr}, "new_dn", newDN)
	journal(ctx, DryRunOp{Kind: "modrdn", DN: dn, NewRDN: ChildDN(rdnAttr, rdnValue, "")})
	sc := scopeOf(ctx)
	if sc == nil {
		return newDN, nil
	}
	e, err := s.dryBase(ctx, sc, "rename", dn)
	if err != nil {
		return "", err
	}
	// deleteOldRDN, as Rename sends it.
	if oldAttr, oldValue, err := RDNValue(dn); err == nil {
		k := strings.ToLower(oldAttr)
		e.Attrs[k] = slices.DeleteFunc(e.Attrs[k], func(v string) bool { return strings.EqualFold(v, oldValue) })
		if len(e.Attrs[k]) == 0 {
			delete(e.Attrs, k)
		}
	}
	k := strings.ToLower(rdnAttr)
	if !containsFold(e.Attrs[k], rdnValue) {
		e.Attrs[k] = append(e.Attrs[k], rdnValue)
	}
	e.DN = newDN
	e.Attrs["modifytimestamp"] = []string{generalizedNow()}
	sc.put(dn, nil)
	sc.put(newDN, e)
	return newDN, nil
}

func (s *Store) dryDelete(ctx context.Context, dn string) error {
	s.dryLog(ctx, "delete", dn, nil)
	journal(ctx, DryRunOp{Kind: "delete", DN: dn})
	if sc := scopeOf(ctx); sc != nil {
		sc.put(dn, nil)
	}
	return nil
}

// dryPassword logs a password change; the entry in the scope keeps its
// stored password, since a dry run must not hold new secrets anywhere.
func (s *Store) dryPassword(ctx context.Context, dn string) error {
	s.dryLog(ctx, "password modify", dn, nil)
	journal(ctx, DryRunOp{Kind: "password", DN: dn})
	return nil
}

// dryBase is the entry a pretended write starts from: what the scope holds,
// else the entry in the directory with all its attributes.
func (s *Store) dryBase(ctx context.Context, sc *dryScope, op, dn string) (*Entry, error) {
	if e, ok := sc.get(dn); ok {
		if e == nil {
			return nil, &Error{Op: op, DN: dn, Code: CodeNoSuchObject, Err: fmt.Errorf("dry run: %w", errGone)}
		}
		return e, nil
	}
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: []string{"*", "+"}})
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, &Error{Op: op, DN: dn, Code: CodeNoSuchObject, Err: fmt.Errorf("dry run: %w", errGone)}
	}
	return e, nil
}

var (
	errExists = fmt.Errorf("entry already added in this dry run")
	errGone   = fmt.Errorf("no such entry")
)

// dryRunSearch answers a base-object search from the scope when the DN was
// written under it and the filter can be evaluated here; ok=false sends
// the search to the directory.
func (s *Store) dryRunSearch(ctx context.Context, r SearchRequest) (_ []*Entry, ok bool, _ error) {
	sc := scopeOf(ctx)
	if sc == nil || r.Scope != ScopeBase {
		return nil, false, nil
	}
	e, found := sc.get(r.BaseDN)
	if !found {
		return nil, false, nil
	}
	if e == nil {
		return nil, true, &Error{Op: "search", DN: r.BaseDN, Code: CodeNoSuchObject, Err: fmt.Errorf("dry run: %w", errGone)}
	}
	f := r.Filter
	if f == nil {
		f = All()
	}
	match, known := dryMatch(f, e)
	switch {
	case !known:
		return nil, false, nil
	case !match:
		return []*Entry{}, true, nil
	}
	return []*Entry{project(e, r.Attributes)}, true, nil
}

// project keeps the attributes a search asked for ("*" and "+" keep all).
func project(e *Entry, attrs []string) *Entry {
	out := &Entry{DN: e.DN, Attrs: map[string][]string{}}
	for _, a := range attrs {
		if a == "*" || a == "+" {
			return e
		}
		if v := e.Get(a); v != nil {
			out.Attrs[strings.ToLower(a)] = v
		}
	}
	return out
}

// dryMatch evaluates the filters the SCIM handlers use on base searches;
// known=false for anything else.
func dryMatch(f Filter, e *Entry) (match, known bool) {
	switch n := f.(type) {
	case rawFilter:
		switch string(n) {
		case allString:
			return true, true
		case noneString:
			return false, true
		}
	case cmpFilter:
		if n.op != "=" {
			return false, false
		}
		for _, v := range e.Get(n.attr) {
			if strings.EqualFold(v, n.value) || EqualDN(v, n.value) {
				return true, true
			}
		}
		return false, true
	case presentFilter:
		return len(e.Get(n.attr)) > 0 || strings.EqualFold(n.attr, "objectClass"), true
	case notFilter:
		m, k := dryMatch(n.f, e)
		return !m, k
	case setFilter:
		all := n.op == '&'
		for _, c := range n.fs {
			m, k := dryMatch(c, e)
			if !k {
				return false, false
			}
			if m != all {
				return m, true
			}
		}
		return all, true
	}
	return false, false
}

func containsFold(vs []string, v string) bool {
	return slices.ContainsFunc(vs, func(x string) bool { return strings.EqualFold(x, v) })
}

func generalizedNow() string { return time.Now().UTC().Format("20060102150405Z") }

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
