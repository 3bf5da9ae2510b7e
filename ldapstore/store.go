package ldapstore

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// permissiveModifyOID is the Microsoft Permissive Modify control: adding a
// value that exists or deleting an attribute that does not succeed instead
// of failing with 20 or 16. OpenLDAP honours it without advertising it.
const permissiveModifyOID = "1.2.840.113556.1.4.1413"

// Store talks to one directory (with failover URLs) through a pool of
// connections bound as the service account. It is safe for concurrent use.
type Store struct {
	opts    Options
	servers []server
	log     *slog.Logger
	pool    *pool
	pg      pager // paging cursors and counted totals (page.go)
	route   route // which URL is active, failover and failback (failover.go)

	wrapConn func(net.Conn) net.Conn  // test hook: wraps every dialled connection
	observer atomic.Pointer[Observer] // see observe.go
	// noPermissive is set once the server refused Permissive Modify.
	noPermissive atomic.Bool
	// postRead is whether the directory advertises the Post-Read control
	// (postread.go); read from the root DSE on first use.
	postRead atomic.Int32
	// assertion is the same for the Assertion control (assert.go), sss
	// for Server Side Sorting (sort.go).
	assertion atomic.Int32
	sss       atomic.Int32
	sambaSort atomic.Int32 // whether reverseOrder is ignored (sort.go)
	vlv       atomic.Int32 // whether walks jump with VLV (vlv.go)
}

// Open validates opts and prepares the pool. It does not contact the
// directory: connections are dialled on first use, so the bridge can start
// while the directory is down and recovers by itself when it is back. Use
// Ping to check reachability.
func Open(opts Options) (*Store, error) {
	o, servers, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	s := &Store{opts: o, servers: servers, log: o.Logger}
	s.pool = newPool(s)
	s.initPager()
	s.SetObserver(o.Observer)
	if o.InsecureSkipVerify {
		s.log.Warn("ldap: TLS certificate verification is disabled (InsecureSkipVerify)")
	}
	return s, nil
}

// Close closes idle connections and makes further operations fail with
// ErrClosed; connections in use are closed when their operation ends.
func (s *Store) Close() error {
	s.pg.cursors.close()
	s.pool.close()
	s.pg.bg.Wait() // a cursor catching up stops at its next read
	return nil
}

// ChangeOp is the kind of a Change.
type ChangeOp int

const (
	ChangeAdd     ChangeOp = iota // add Values (at least one)
	ChangeDelete                  // delete Values; no Values deletes the attribute
	ChangeReplace                 // replace with Values; no Values removes the attribute
)

// Change is one modification of a Modify.
type Change struct {
	Op     ChangeOp
	Attr   string
	Values []string
}

// exec runs a write (or any operation that must not run twice) on a
// pooled connection; see mayRetry.
func (s *Store) exec(ctx context.Context, op, dn string, fn func(*ldap.Conn) error) error {
	return s.do(ctx, op, dn, true, fn)
}

// read runs a read; see mayRetry. fn must start from scratch each time it
// is called.
func (s *Store) read(ctx context.Context, op, dn string, fn func(*ldap.Conn) error) error {
	return s.do(ctx, op, dn, false, fn)
}

func (s *Store) do(ctx context.Context, op, dn string, write bool, fn func(*ldap.Conn) error) (err error) {
	defer s.observe(op, time.Now(), &err)
	c, err := s.pool.get(ctx, false)
	if err != nil {
		return wrapErr(op, dn, err)
	}
	err = c.run(ctx, fn)
	// Decided before put: once back in the pool, c belongs to the next
	// request (which sets c.reused).
	retry := mayRetry(ctx, c, err, write)
	s.pool.put(c, err)
	if !retry {
		return wrapErr(op, dn, err)
	}
	s.log.Debug("ldap: pooled connection failed, retrying on a fresh one", "op", op, "url", c.url, "err", err)
	c, err = s.pool.get(ctx, true)
	if err != nil {
		return wrapErr(op, dn, err)
	}
	err = c.run(ctx, fn)
	s.pool.put(c, err)
	return wrapErr(op, dn, err)
}

// mayRetry is the store's one retry policy: whether an operation that
// failed with err on c runs again, once, on a freshly dialled connection
// (the dial tries the URLs in order, so a dead first server fails over).
//   - A request that provably never reached the server (notSent) is
//     retried, writes included: the server restarted or went away while
//     the connection sat in the pool, and nothing was applied.
//   - A read is also retried when it failed as unavailable on a connection
//     that came out of the pool: reading twice is harmless.
//   - A write that may have reached the server is never retried: its reply
//     may have been lost after it was applied (a second add would answer
//     entryAlreadyExists, a second member delete noSuchAttribute). The
//     client sees the error and SCIM clients re-send.
//
// A failed dial is not dialled again at once: it already tried every URL.
// Nothing is retried once ctx has ended.
func mayRetry(ctx context.Context, c *conn, err error, write bool) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if notSent(err) {
		return true
	}
	return !write && c.reused && IsUnavailable(err)
}

// Ping checks that the directory answers: it gets a pooled connection
// (dialling and binding if needed) and reads the root DSE. Bounded by ctx,
// DialTimeout and RequestTimeout.
func (s *Store) Ping(ctx context.Context) error {
	if s.opts.Memory != nil {
		return nil
	}
	return s.read(ctx, "ping", "", func(l *ldap.Conn) error {
		_, err := l.Search(baseRequest("", []string{"1.1"}))
		return err
	})
}

// RootDSE returns the root DSE with all user and operational attributes
// (supportedControl, supportedExtension, namingContexts, vendorName, …).
func (s *Store) RootDSE(ctx context.Context) (*Entry, error) {
	if s.opts.Memory != nil {
		return s.opts.Memory.rootDSE(), nil
	}
	return s.readEntry(ctx, "(root DSE)", "root DSE", baseRequest("", []string{"*", "+"}))
}

// baseRequest reads the entry dn with attrs, without the paged-results
// control: some servers refuse it on the root DSE, and Active Directory's
// ranged values are read one entry at a time anyway.
func baseRequest(dn string, attrs []string) *ldap.SearchRequest {
	return ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, allString, attrs, nil)
}

// readEntry runs req, a baseRequest, as the search of dn (as errors name
// it) and returns its one entry; any other number is an error about what.
func (s *Store) readEntry(ctx context.Context, dn, what string, req *ldap.SearchRequest) (*Entry, error) {
	var e *Entry
	err := s.read(ctx, "search", dn, func(l *ldap.Conn) error {
		res, err := l.Search(req)
		if err != nil {
			return err
		}
		if len(res.Entries) != 1 {
			return fmt.Errorf("%s: %d entries", what, len(res.Entries))
		}
		e = toEntry(res.Entries[0])
		return nil
	})
	return e, err
}

// Add creates an entry. attrs maps attribute names to values (each with
// at least one value); the request lists them sorted, for reproducibility.
func (s *Store) Add(ctx context.Context, dn string, attrs map[string][]string) error {
	names := make([]string, 0, len(attrs))
	for name, vals := range attrs {
		if err := ValidateAttributeName(name); err != nil {
			return wrapErr("add", dn, err)
		}
		if len(vals) == 0 {
			return wrapErr("add", dn, fmt.Errorf("attribute %s has no values", name))
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if s.opts.DryRun {
		return s.dryAdd(ctx, dn, names, attrs)
	}
	req := ldap.NewAddRequest(dn, nil)
	for _, name := range names {
		req.Attribute(name, attrs[name])
	}
	return s.exec(ctx, "add", dn, tlsGuard(func(l *ldap.Conn) error { return l.Add(req) }, names...))
}

// Modify applies changes in one LDAP modify (atomic on the server). No
// changes means no request.
func (s *Store) Modify(ctx context.Context, dn string, changes []Change) error {
	return s.modify(ctx, "modify", dn, changes, nil)
}

// permissiveControls is the Permissive Modify control, sent non-critical.
func permissiveControls() []ldap.Control {
	return []ldap.Control{ldap.NewControlString(permissiveModifyOID, false, "")}
}

func (s *Store) modify(ctx context.Context, op, dn string, changes []Change, controls []ldap.Control) error {
	if len(changes) == 0 {
		return nil
	}
	if s.opts.DryRun {
		if _, _, err := modifyRequest(op, dn, changes, controls); err != nil {
			return err
		}
		return s.dryModify(ctx, dn, changes)
	}
	asserted, err := assertionControls(ctx, op, dn)
	if err != nil {
		return err
	}
	req, attrs, err := modifyRequest(op, dn, changes, append(controls, asserted...))
	if err != nil {
		return err
	}
	return s.exec(ctx, op, dn, tlsGuard(func(l *ldap.Conn) error { return l.Modify(req) }, attrs...))
}

// modifyRequest validates changes and builds the request; attrs are the
// names it writes, for tlsGuard.
func modifyRequest(op, dn string, changes []Change, controls []ldap.Control) (req *ldap.ModifyRequest, attrs []string, err error) {
	req = ldap.NewModifyRequest(dn, controls)
	attrs = make([]string, 0, len(changes))
	for _, c := range changes {
		attrs = append(attrs, c.Attr)
		if err := ValidateAttributeName(c.Attr); err != nil {
			return nil, nil, wrapErr(op, dn, err)
		}
		switch c.Op {
		case ChangeAdd:
			if len(c.Values) == 0 {
				return nil, nil, wrapErr(op, dn, fmt.Errorf("add to %s without values", c.Attr))
			}
			req.Add(c.Attr, c.Values)
		case ChangeDelete:
			req.Delete(c.Attr, c.Values)
		case ChangeReplace:
			req.Replace(c.Attr, c.Values)
		default:
			return nil, nil, wrapErr(op, dn, fmt.Errorf("unknown change op %d on %s", c.Op, c.Attr))
		}
	}
	return req, attrs, nil
}

// Rename changes the RDN of dn to rdnAttr=rdnValue (escaped here) under the
// same parent, deleting the old RDN value, and returns the new DN.
func (s *Store) Rename(ctx context.Context, dn, rdnAttr, rdnValue string) (string, error) {
	if err := ValidateAttributeName(rdnAttr); err != nil {
		return "", wrapErr("rename", dn, err)
	}
	parent, err := ParentDN(dn)
	if err != nil {
		return "", wrapErr("rename", dn, err)
	}
	if s.opts.DryRun {
		return s.dryRename(ctx, dn, rdnAttr, rdnValue, parent)
	}
	rdn := ChildDN(rdnAttr, rdnValue, "")
	req := ldap.NewModifyDNRequest(dn, rdn, true, "")
	if req.Controls, err = assertionControls(ctx, "rename", dn); err != nil {
		return "", err
	}
	if err := s.exec(ctx, "rename", dn, func(l *ldap.Conn) error { return l.ModifyDN(req) }); err != nil {
		return "", err
	}
	return ChildDN(rdnAttr, rdnValue, parent), nil
}

// Delete removes a leaf entry.
func (s *Store) Delete(ctx context.Context, dn string) error {
	if s.opts.DryRun {
		return s.dryDelete(ctx, dn)
	}
	asserted, err := assertionControls(ctx, "delete", dn)
	if err != nil {
		return err
	}
	req := ldap.NewDelRequest(dn, asserted)
	return s.exec(ctx, "delete", dn, func(l *ldap.Conn) error { return l.Del(req) })
}

// Bind checks dn's password with a simple bind on a fresh connection that is
// closed afterwards (pooled connections stay bound as the service account).
// A wrong password counts towards the server's lockout policy; use
// PasswordMatches to compare without that side effect. An empty password is
// rejected locally: the server would treat it as an anonymous bind and
// report success.
func (s *Store) Bind(ctx context.Context, dn, password string) error {
	if password == "" {
		return wrapErr("bind", dn, ErrEmptyPassword)
	}
	l, _, err := s.dial(ctx, false)
	if err != nil {
		return wrapErr("bind", dn, err)
	}
	defer l.Close()
	c := &conn{l: l}
	return wrapErr("bind", dn, c.run(ctx, func(l *ldap.Conn) error { return l.Bind(dn, password) }))
}
