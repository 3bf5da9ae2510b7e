package ldapstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Defaults for zero Options fields.
const (
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultPoolSize       = 4
	DefaultCursors        = 4
	DefaultCursorIdle     = 60 * time.Second
)

// Options configure a Store. Zero durations and PoolSize take the defaults.
type Options struct {
	// URLs are tried in order when a connection is needed (failover):
	// ldap://host[:389] or ldaps://host[:636].
	URLs []string
	// BindDN/BindPassword is the service account every pooled connection
	// binds as. Both empty means anonymous; a DN without a password is
	// refused (it would be an unauthenticated bind that "succeeds").
	BindDN, BindPassword string

	StartTLS           bool   // upgrade ldap:// connections with StartTLS
	CAFile             string // PEM bundle to trust instead of the system roots
	ServerName         string // TLS name to verify; default: the URL's host
	InsecureSkipVerify bool   // testing only; logged at warn on Open

	DialTimeout    time.Duration // per URL: TCP + TLS + StartTLS + bind; default 5s
	RequestTimeout time.Duration // per LDAP request (per page for searches); default 30s
	PoolSize       int           // pooled connections; default 4
	Logger         *slog.Logger  // nil = discard

	// FailbackAfter is how long an earlier URL must have answered every
	// probe before connections return to it from a later one it failed
	// over to (see failover.go). Default 30s; negative never fails back.
	FailbackAfter time.Duration

	// Cursors bounds the paged searches SearchPage keeps open between the
	// pages of a list, so that the next page continues where the last one
	// stopped (see page.go). Each holds one connection besides the pool.
	// Default 4; negative keeps none (every page after the first is then
	// found by a keys-only skip from the top).
	Cursors int
	// CursorIdle closes a cursor unused for this long, and is how long a
	// counted totalResults is reused. Default 60s.
	CursorIdle time.Duration

	// Observer, when set, is told about every operation (see Observer).
	Observer Observer
	// DryRun sends no writes: they are logged and reported as done (see
	// dryrun.go). Reads still go to the directory.
	DryRun bool
	// Memory, when set, answers every read instead of the directory
	// (see memory.go) and makes the Store dry-run: nothing is sent to
	// ldap.urls at all. It is what "scim2ldap preview" runs on.
	Memory *Memory
	// NoPostRead never sends the Post-Read control (RFC 4527), even when
	// the directory advertises it: ModifyRead then reads the entry back
	// with a search, as it does on directories without the control.
	NoPostRead bool
	// NoVLV never sends the Virtual List View control: a page without a
	// cursor is then found by counting to it (page.go), as on directories
	// without VLV.
	NoVLV bool
}

// String keeps the password out of fmt output (%v, %+v) of Options.
func (o Options) String() string {
	pw := ""
	if o.BindPassword != "" {
		pw = "REDACTED"
	}
	return fmt.Sprintf("{URLs:%v BindDN:%q BindPassword:%s StartTLS:%t CAFile:%q ServerName:%q InsecureSkipVerify:%t DialTimeout:%s RequestTimeout:%s PoolSize:%d FailbackAfter:%s}",
		o.URLs, o.BindDN, pw, o.StartTLS, o.CAFile, o.ServerName, o.InsecureSkipVerify, o.DialTimeout, o.RequestTimeout, o.PoolSize, o.FailbackAfter)
}

// GoString keeps the password out of %#v as well.
func (o Options) GoString() string { return "ldapstore.Options" + o.String() }

// LogValue keeps the password out of slog output.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("urls", o.URLs),
		slog.String("bind_dn", o.BindDN),
		slog.Bool("start_tls", o.StartTLS),
		slog.String("ca_file", o.CAFile),
		slog.Bool("insecure_skip_verify", o.InsecureSkipVerify),
		slog.Duration("dial_timeout", o.DialTimeout),
		slog.Duration("request_timeout", o.RequestTimeout),
		slog.Int("pool_size", o.PoolSize),
		slog.Duration("failback_after", o.FailbackAfter),
		slog.Bool("dry_run", o.DryRun),
	)
}

// server is one parsed entry of Options.URLs.
type server struct {
	url  string // as configured, for messages
	addr string // host:port to dial
	tls  bool   // ldaps
	tlsc *tls.Config
}

// normalize validates o, fills in defaults and parses the URLs; it does not
// touch the network.
func (o Options) normalize() (Options, []server, error) {
	if len(o.URLs) == 0 {
		return o, nil, errors.New("ldapstore: no URLs")
	}
	if o.DialTimeout < 0 || o.RequestTimeout < 0 || o.PoolSize < 0 {
		return o, nil, errors.New("ldapstore: negative DialTimeout, RequestTimeout or PoolSize")
	}
	if o.Memory != nil {
		o.DryRun = true // reads from memory, writes nowhere
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.PoolSize == 0 {
		o.PoolSize = DefaultPoolSize
	}
	if o.FailbackAfter == 0 {
		o.FailbackAfter = DefaultFailbackAfter
	}
	if o.Cursors == 0 {
		o.Cursors = DefaultCursors
	}
	if o.CursorIdle <= 0 {
		o.CursorIdle = DefaultCursorIdle
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch {
	case o.BindDN == "" && o.BindPassword != "":
		return o, nil, errors.New("ldapstore: BindPassword without BindDN")
	case o.BindDN != "" && o.BindPassword == "":
		return o, nil, fmt.Errorf("ldapstore: BindDN %q without BindPassword: %w", o.BindDN, ErrEmptyPassword)
	case o.BindDN != "":
		if _, err := ldap.ParseDN(o.BindDN); err != nil {
			return o, nil, fmt.Errorf("ldapstore: BindDN %q: %w", o.BindDN, err)
		}
	}

	base := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify} //nolint:gosec // opt-in, warned about
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return o, nil, fmt.Errorf("ldapstore: CAFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return o, nil, fmt.Errorf("ldapstore: CAFile %s: no PEM certificates", o.CAFile)
		}
		base.RootCAs = pool
	}

	servers := make([]server, 0, len(o.URLs))
	for _, raw := range o.URLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			return o, nil, fmt.Errorf("ldapstore: URL %q: %w", raw, err)
		}
		s := server{url: u.String()}
		port := "389"
		switch strings.ToLower(u.Scheme) {
		case "ldap":
		case "ldaps":
			if o.StartTLS {
				return o, nil, fmt.Errorf("ldapstore: URL %q: StartTLS on an ldaps:// URL", raw)
			}
			s.tls, port = true, "636"
		default:
			return o, nil, fmt.Errorf("ldapstore: URL %q: scheme must be ldap or ldaps", raw)
		}
		if u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return o, nil, fmt.Errorf("ldapstore: URL %q: want scheme://host[:port]", raw)
		}
		if u.Port() != "" {
			port = u.Port()
		}
		s.addr = net.JoinHostPort(u.Hostname(), port)
		// A per-URL config, because the name to verify defaults to the
		// URL's host (go-ldap's StartTLS needs ServerName set explicitly).
		s.tlsc = base.Clone()
		s.tlsc.ServerName = o.ServerName
		if s.tlsc.ServerName == "" {
			s.tlsc.ServerName = u.Hostname()
		}
		servers = append(servers, s)
	}
	return o, servers, nil
}
