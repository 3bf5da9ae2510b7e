package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/go-ldap/ldap/v3"
)

// assertionOID is the LDAP Assertion control (RFC 4528): the server
// performs the write only if the entry matches the control's filter, in
// the same atomic step, and answers 122 assertionFailed otherwise. It makes
// SCIM's If-Match safe against a concurrent writer: a read-compare-write
// would let another change slip in between.
const assertionOID = "1.3.6.1.1.12"

// assertion is a condition on the next write of a request. The first write
// takes it (only it can carry it: that write changes the entry, and with
// it the version the condition names).
type assertion struct {
	filter Filter
	taken  atomic.Bool
}

type assertionKey struct{}

// WithAssertion makes the next write (modify, rename, delete or password
// change) sent with ctx conditional on attr holding value; a mismatch is
// an *Error with Code CodeAssertionFailed and nothing is written.
func WithAssertion(ctx context.Context, attr, value string) context.Context {
	return context.WithValue(ctx, assertionKey{}, &assertion{filter: Eq(attr, value)})
}

// WithAssertionFilter is WithAssertion with any filter: the connector
// makes a write by a remembered DN conditional on the entry there still
// being the one it remembered (its id), so a DN that another bridge or an
// admin gave to a new entry fails with CodeAssertionFailed instead of
// writing to the wrong entry.
func WithAssertionFilter(ctx context.Context, f Filter) context.Context {
	return context.WithValue(ctx, assertionKey{}, &assertion{filter: f})
}

// assertionControls takes ctx's pending assertion, if any, as the control
// to send (critical: a server that cannot check it must not write).
func assertionControls(ctx context.Context, op, dn string) ([]ldap.Control, error) {
	a, _ := ctx.Value(assertionKey{}).(*assertion)
	if a == nil || !a.taken.CompareAndSwap(false, true) {
		return nil, nil
	}
	text, err := render(a.filter)
	if err != nil {
		return nil, wrapErr(op, dn, err)
	}
	pkt, err := ldap.CompileFilter(text)
	if err != nil {
		return nil, wrapErr(op, dn, fmt.Errorf("assertion %s: %w", text, err))
	}
	return []ldap.Control{ldap.NewControlString(assertionOID, true, string(pkt.Bytes()))}, nil
}

// AssertionSupported reports whether the directory advertises the
// Assertion control, read from the root DSE once per Store.
func (s *Store) AssertionSupported(ctx context.Context) bool {
	return s.controlSupported(ctx, &s.assertion, assertionOID, false)
}

// controlSupported reads the root DSE the first time it is asked about a
// control and remembers the answer in flag for the Store's life (see
// rootDSEFlag).
func (s *Store) controlSupported(ctx context.Context, flag *atomic.Int32, oid string, off bool) bool {
	return s.rootDSEFlag(ctx, flag, off, func(root *Entry) bool {
		return slices.Contains(root.Get("supportedControl"), oid)
	})
}

// rootDSEFlag is a fact about the directory that decide reads from its
// root DSE, read the first time it is asked and remembered in flag for the
// Store's life; off makes it false without asking. A root DSE the server
// refuses to show counts as false; a read that failed otherwise (network,
// busy) is not remembered: the caller gets false, and the next call asks
// again.
func (s *Store) rootDSEFlag(ctx context.Context, flag *atomic.Int32, off bool, decide func(root *Entry) bool) bool {
	switch flag.Load() {
	case controlYes:
		return true
	case controlNo:
		return false
	}
	if off {
		flag.Store(controlNo)
		return false
	}
	root, err := s.RootDSE(ctx)
	if err != nil {
		s.log.Debug("ldap: root DSE unreadable", "err", err)
		if Code(err) != 0 && !IsUnavailable(err) {
			flag.Store(controlNo)
		}
		return false
	}
	if decide(root) {
		flag.Store(controlYes)
		return true
	}
	flag.Store(controlNo)
	return false
}

// checkAssertion takes ctx's pending assertion for a write that cannot
// carry the control (slapd answers 12 to it on the Password Modify
// extended operation) and checks it with a base search just before: not
// atomic, but the window is one round trip, and the request's later
// writes must not carry a condition this write is about to invalidate.
func (s *Store) checkAssertion(ctx context.Context, op, dn string) error {
	a, _ := ctx.Value(assertionKey{}).(*assertion)
	if a == nil || !a.taken.CompareAndSwap(false, true) {
		return nil
	}
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: a.filter, Attributes: []string{"1.1"}})
	if err != nil {
		return err
	}
	if e == nil {
		return &Error{Op: op, DN: dn, Code: CodeAssertionFailed, Err: errors.New("the entry no longer matches the request's version")}
	}
	return nil
}

// AssertionKnown reports whether an earlier AssertionSupported found the
// control supported, without asking the directory.
func (s *Store) AssertionKnown() bool { return s.assertion.Load() == controlYes }
