package ldapstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// conn is one pooled connection, bound as the service account.
type conn struct {
	l      *ldap.Conn
	url    string
	idx    int  // position of url in Options.URLs (see failover.go)
	reused bool // came out of the pool rather than dialled for this checkout
	broken bool // a context ended an operation by closing the connection
}

// run executes fn on the connection, bounded by ctx: go-ldap's synchronous
// calls take no context, so when ctx ends first the connection is closed,
// which makes the pending call return at once. The connection is then
// useless and is discarded on put.
func (c *conn) run(ctx context.Context, fn func(*ldap.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.l.Close() })
	err := fn(c.l)
	if !stop() {
		c.broken = true
		if err != nil {
			// The error is the close we caused; report why we closed.
			return ctx.Err()
		}
	}
	return err
}

// pool hands out at most size connections. slots holds exactly size tokens:
// a live connection or nil (an empty slot that the taker fills by dialling),
// so a checkout waits only when every connection is busy, and dialling
// happens lazily, outside any lock.
type pool struct {
	st    *Store
	slots chan *conn
	done  chan struct{}

	mu     sync.Mutex
	closed bool
}

func newPool(st *Store) *pool {
	p := &pool{st: st, slots: make(chan *conn, st.opts.PoolSize), done: make(chan struct{})}
	for range st.opts.PoolSize {
		p.slots <- nil
	}
	return p
}

// get checks out a connection, dialling one if the slot is empty or its
// connection died while idle. fresh forces a new connection (the retry after
// a pooled connection turned out stale: its siblings probably are too).
func (p *pool) get(ctx context.Context, fresh bool) (*conn, error) {
	var c *conn
	select {
	case <-p.done:
		return nil, ErrClosed
	default:
	}
	select {
	case c = <-p.slots:
	case <-p.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free connection: %w", ctx.Err())
	}
	// A connection to another URL than the active one is left over from
	// before a failover or failback: replaced, so that every request goes
	// where the bridges agree to write (failover.go).
	if c != nil && (fresh || c.l.IsClosing() || c.idx != p.st.activeIndex()) {
		c.l.Close()
		c = nil
	}
	if c != nil {
		c.reused = true
		return c, nil
	}
	l, idx, err := p.st.dial(ctx, true)
	if err != nil {
		p.put(nil, nil)
		return nil, err
	}
	return &conn{l: l, url: p.st.servers[idx].url, idx: idx}, nil
}

// put returns a connection (or an empty slot) to the pool. A connection
// that was cut by a context, is closing, or whose operation failed with
// anything but an LDAP result from the server (network, timeout, decoding)
// is suspect and dropped; its slot is refilled by the next checkout. So is
// one to a URL that is no longer the active one (failover.go).
func (p *pool) put(c *conn, opErr error) {
	if c != nil && (c.broken || c.l.IsClosing() || (opErr != nil && Code(opErr) == 0) || c.idx != p.st.activeIndex()) {
		c.l.Close()
		c = nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		if c != nil {
			c.l.Close()
		}
		return
	}
	p.slots <- c // never blocks: tokens never exceed cap(slots)
	p.mu.Unlock()
}

// close stops new checkouts and closes idle connections; connections in use
// are closed when they come back.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	var idle []*conn
drain: // non-blocking: a checkout racing with close may hold a token
	for {
		select {
		case c := <-p.slots:
			if c != nil {
				idle = append(idle, c)
			}
		default:
			break drain
		}
	}
	p.mu.Unlock()
	for _, c := range idle {
		c.l.Close()
	}
}

// dial connects to the first URL that works, trying the active one first
// and then the others in their configured order (failover.go), each
// bounded by DialTimeout (and ctx). With bind, the connection is bound as
// the service account. It returns the index of the URL connected to; the
// error lists every URL's cause.
func (s *Store) dial(ctx context.Context, bind bool) (*ldap.Conn, int, error) {
	de := &dialError{}
	active := s.activeIndex()
	for _, i := range s.dialOrder(active) {
		srv := s.servers[i]
		l, err := s.dialOne(ctx, srv, bind)
		if err == nil {
			if i != active {
				s.switchTo(active, i, len(de.causes))
			}
			return l, i, nil
		}
		s.log.Warn("ldap: connection failed", "url", srv.url, "err", err)
		de.causes = append(de.causes, &urlError{url: srv.url, err: err})
		if ctx.Err() != nil {
			if !errors.Is(err, ctx.Err()) {
				de.last = ctx.Err()
			}
			break
		}
	}
	return nil, -1, de
}

func (s *Store) dialOne(ctx context.Context, srv server, bind bool) (l *ldap.Conn, err error) {
	defer s.observe("connect", time.Now(), &err)
	return s.connect(ctx, srv, bind)
}

// connect is dialOne without the Observer: the failback probe's
// connections are not the bridge's traffic (failover.go).
func (s *Store) connect(ctx context.Context, srv server, bind bool) (l *ldap.Conn, err error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.opts.DialTimeout)
	defer cancel()
	defer func() {
		if err != nil && parent.Err() == nil && ctx.Err() != nil {
			err = fmt.Errorf("no connection within DialTimeout %s: %w", s.opts.DialTimeout, err)
		}
	}()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", srv.addr)
	if err != nil {
		return nil, err
	}
	// The guard sits on the TCP connection, under TLS: go-ldap recognises
	// LDAPS (TLSConnectionState) only on a *tls.Conn.
	nc = s.guard(nc)
	if srv.tls {
		tc := tls.Client(nc, srv.tlsc)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	l = ldap.NewConn(nc, srv.tls)
	l.Start()
	l.SetTimeout(s.opts.RequestTimeout)
	c := &conn{l: l}
	err = c.run(ctx, func(l *ldap.Conn) error {
		if s.opts.StartTLS {
			if err := l.StartTLS(srv.tlsc); err != nil {
				return wrapErr("starttls", "", err)
			}
		}
		if bind && s.opts.BindDN != "" {
			return wrapErr("bind", s.opts.BindDN, l.Bind(s.opts.BindDN, s.opts.BindPassword))
		}
		return nil
	})
	if err == nil && c.broken {
		err = errors.New("connection closed while dialling")
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// guard wraps a freshly dialled TCP connection: first the test hook, then
// sendGuard (outermost, so that it sees what go-ldap writes).
func (s *Store) guard(nc net.Conn) net.Conn {
	var raw syscall.RawConn
	if sc, ok := nc.(syscall.Conn); ok {
		raw, _ = sc.SyscallConn()
	}
	if s.wrapConn != nil {
		nc = s.wrapConn(nc)
	}
	return sendGuard{Conn: nc, raw: raw}
}

// sendGuard refuses to write on a connection that the server has already
// closed (its FIN or reset is waiting in the socket). go-ldap notices a
// closed connection only once its reader goroutine has run; until then a
// request would be written into the dead socket and fail with "unable to
// read LDAP response packet: EOF", which cannot tell whether the server
// got it. Refused here, it fails with "unable to send request", which
// proves it never left: safe to retry, even for a write (see mayRetry).
// A server that closed its side reads nothing more: LDAP servers do not
// half-close.
type sendGuard struct {
	net.Conn
	raw syscall.RawConn // the TCP socket; nil when unknown (no check)
}

var errPeerClosed = errors.New("the server had closed the connection")

func (g sendGuard) Write(p []byte) (int, error) {
	if g.raw != nil && peerClosed(g.raw) {
		return 0, errPeerClosed
	}
	return g.Conn.Write(p)
}
