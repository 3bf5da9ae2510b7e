package ldapstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Probe diagnoses one configured URL step by step, for `scim2ldap check`.
// The pool hides which stage of a connection failed (and fails over to the
// next URL); a Probe makes each stage its own call with its own error:
// Connect (TCP), TLS (ldaps:// handshake or StartTLS), Bind, then reads
// and, only if asked, a write. Each call is bounded by ctx and the Store's
// DialTimeout (connection stages) or RequestTimeout (operations), so a
// firewall that drops packets or a hung server is reported, not waited on.
// A Probe is not safe for concurrent use; Close it when done.
type Probe struct {
	URL string // as configured

	st  *Store
	srv server
	nc  net.Conn   // after Connect
	l   *ldap.Conn // after TLS (or Connect for plain ldap://)
	tls bool       // TLS is in place (ldaps:// or StartTLS)
}

// ErrProbeOrder is returned by a Probe step called without a connection:
// before Connect, or after an earlier step timed out (which closes it).
var ErrProbeOrder = errors.New("ldapstore: no connection to probe with (an earlier step failed or timed out)")

// Probes returns one Probe per configured URL, in order.
func (s *Store) Probes() []*Probe {
	out := make([]*Probe, 0, len(s.servers))
	for _, srv := range s.servers {
		out = append(out, &Probe{URL: srv.url, st: s, srv: srv})
	}
	return out
}

// Addr is the host:port the probe connects to.
func (p *Probe) Addr() string { return p.srv.addr }

// UsesTLS says whether the URL is ldaps:// or the Store uses StartTLS.
func (p *Probe) UsesTLS() bool { return p.srv.tls || p.st.opts.StartTLS }

// BindDN is the account Bind binds as ("" for anonymous).
func (p *Probe) BindDN() string { return p.st.opts.BindDN }

// DialTimeout is the bound of Connect, TLS and Bind.
func (p *Probe) DialTimeout() time.Duration { return p.st.opts.DialTimeout }

// Connect opens the TCP connection (name resolution included). A timeout
// wraps context.DeadlineExceeded and says "connect timed out".
func (p *Probe) Connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.DialTimeout)
	defer cancel()
	start := time.Now()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.srv.addr)
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return fmt.Errorf("connect timed out after %s: %w (%w)", time.Since(start).Round(time.Millisecond), context.DeadlineExceeded, err)
		}
		return err
	}
	p.nc = nc
	if !p.srv.tls {
		p.start(nc)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (p *Probe) start(nc net.Conn) {
	p.l = ldap.NewConn(nc, p.srv.tls)
	p.l.Start()
	p.l.SetTimeout(p.st.opts.RequestTimeout)
}

// TLS performs the TLS handshake of an ldaps:// URL, or StartTLS when the
// Store is configured for it, verifying the certificate as the pool does.
// It returns the verified peer certificate's subject and expiry for the
// report. It is a no-op (used=false) for plain ldap:// without StartTLS.
func (p *Probe) TLS(ctx context.Context) (used bool, peer string, notAfter time.Time, err error) {
	if p.nc == nil {
		return false, "", time.Time{}, ErrProbeOrder
	}
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.DialTimeout)
	defer cancel()
	var state tls.ConnectionState
	switch {
	case p.srv.tls:
		tc := tls.Client(p.nc, p.srv.tlsc)
		if err := tc.HandshakeContext(ctx); err != nil {
			return true, "", time.Time{}, timeoutErr(ctx, "TLS handshake", err)
		}
		state = tc.ConnectionState()
		p.start(tc)
	case p.st.opts.StartTLS:
		err := p.run(ctx, func(l *ldap.Conn) error { return l.StartTLS(p.srv.tlsc) })
		if err != nil {
			return true, "", time.Time{}, timeoutErr(ctx, "StartTLS", err)
		}
		s, ok := p.l.TLSConnectionState()
		if !ok {
			return true, "", time.Time{}, errors.New("StartTLS succeeded but no TLS state")
		}
		state = s
	default:
		return false, "", time.Time{}, nil
	}
	p.tls = true
	if len(state.PeerCertificates) > 0 {
		c := state.PeerCertificates[0]
		peer, notAfter = c.Subject.String(), c.NotAfter
	}
	return true, peer, notAfter, nil
}

// Bind binds as the service account (anonymous when no BindDN is set:
// then it does nothing). The password is never part of the error.
func (p *Probe) Bind(ctx context.Context) error {
	if p.l == nil {
		return ErrProbeOrder
	}
	if p.st.opts.BindDN == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.DialTimeout)
	defer cancel()
	err := p.run(ctx, func(l *ldap.Conn) error { return l.Bind(p.st.opts.BindDN, p.st.opts.BindPassword) })
	return timeoutErr(ctx, "bind", wrapErr("bind", p.st.opts.BindDN, err))
}

// Read returns the entry at dn with attrs (nil, nil if it does not
// exist).
func (p *Probe) Read(ctx context.Context, dn string, attrs ...string) (*Entry, error) {
	return p.first(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: attrs})
}

// First returns the first entry a subtree search under base with filter
// finds (nil, nil if none), with attrs.
func (p *Probe) First(ctx context.Context, base string, filter Filter, attrs ...string) (*Entry, error) {
	return p.first(ctx, SearchRequest{BaseDN: base, Scope: ScopeSub, Filter: filter, Attributes: attrs})
}

func (p *Probe) first(ctx context.Context, r SearchRequest) (*Entry, error) {
	if p.l == nil {
		return nil, ErrProbeOrder
	}
	req, err := r.ldapRequest()
	if err != nil {
		return nil, wrapErr("search", r.BaseDN, err)
	}
	req.SizeLimit = 1
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.RequestTimeout)
	defer cancel()
	var res *ldap.SearchResult
	err = p.run(ctx, func(l *ldap.Conn) error {
		var err error
		res, err = l.Search(req)
		return err
	})
	if err != nil && res != nil && len(res.Entries) > 0 && ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		err = nil
	}
	if err != nil {
		err = wrapErr("search", r.BaseDN, err)
		if Code(err) == CodeNoSuchObject {
			return nil, nil
		}
		return nil, timeoutErr(ctx, "search", err)
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	return toEntry(res.Entries[0]), nil
}

// Count walks the whole subtree search under base with filter the way an
// import does (paged, pageSize entries a page, keys only) and returns how
// many entries matched. It is how check finds a directory limit an import
// would hit (389 DS's look-through limit, OpenLDAP's size.prtotal): the
// search fails with that limit's result code, and the error names it (see
// DirectoryLimit). Bounded by ctx and max(RequestTimeout, 2 minutes).
func (p *Probe) Count(ctx context.Context, base string, filter Filter) (int, error) {
	if p.l == nil {
		return 0, ErrProbeOrder
	}
	req, err := SearchRequest{BaseDN: base, Scope: ScopeSub, Filter: filter, Attributes: []string{"1.1"}}.ldapRequest()
	if err != nil {
		return 0, wrapErr("search", base, err)
	}
	ctx, cancel := context.WithTimeout(ctx, max(p.st.opts.RequestTimeout, 2*time.Minute))
	defer cancel()
	n := 0
	err = p.run(ctx, func(l *ldap.Conn) error {
		return scan(l, req, pageSize, func(*ldap.Entry) bool { n++; return true })
	})
	if err != nil {
		return n, timeoutErr(ctx, "search", wrapErr("search", base, err))
	}
	return n, nil
}

// Add creates an entry (the write probe).
func (p *Probe) Add(ctx context.Context, dn string, attrs map[string][]string) error {
	if p.l == nil {
		return ErrProbeOrder
	}
	req := ldap.NewAddRequest(dn, nil)
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		req.Attribute(name, attrs[name])
	}
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.RequestTimeout)
	defer cancel()
	return timeoutErr(ctx, "add", wrapErr("add", dn, p.run(ctx, func(l *ldap.Conn) error { return l.Add(req) })))
}

// Delete removes an entry (the write probe's cleanup).
func (p *Probe) Delete(ctx context.Context, dn string) error {
	if p.l == nil {
		return ErrProbeOrder
	}
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.RequestTimeout)
	defer cancel()
	return timeoutErr(ctx, "delete", wrapErr("delete", dn, p.run(ctx, func(l *ldap.Conn) error { return l.Del(ldap.NewDelRequest(dn, nil)) })))
}

// Close closes the connection.
func (p *Probe) Close() {
	switch {
	case p.l != nil:
		p.l.Close()
	case p.nc != nil:
		p.nc.Close()
	}
	p.l, p.nc = nil, nil
}

// run bounds fn by ctx the way the pool does: go-ldap's calls take no
// context, so the connection is closed when ctx ends first, and the probe
// cannot continue.
func (p *Probe) run(ctx context.Context, fn func(*ldap.Conn) error) error {
	c := &conn{l: p.l}
	err := c.run(ctx, fn)
	if c.broken {
		p.l = nil
	}
	return err
}

// timeoutErr makes an operation that ran out of time say so in words
// ("bind: no answer within 5s") while still matching
// context.DeadlineExceeded.
func timeoutErr(ctx context.Context, what string, err error) error {
	if err == nil || !(errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err)) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer in time: %w", what, err)
	}
	return fmt.Errorf("%s: no answer in time: %w (%w)", what, context.DeadlineExceeded, err)
}
