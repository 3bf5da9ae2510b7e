package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// The status page (/status) is the admin's window into a running bridge,
// on Windows often the only one besides the Event Log: which directory
// URLs answer, which SCIM clients came and how they fared, the last
// directory writes, unmapped attributes, request rate and latency, the
// mapping and the URLs to paste into Okta or Entra.
//
// It is read-only and never shows a secret or an attribute value: clients
// are named as the audit log names them (token#N, basic:<user>,
// cert:<CN>), audit events carry attribute names only, and errors are an
// HTTP status and a reason written by the bridge, never a request's text.
// It answers loopback clients only, unless server.statusToken is set; then
// other addresses must send that token (as the password of HTTP Basic, any
// user name, so that a browser can ask for it; or as a bearer token).
//
// Server-rendered with html/template (escaping every value), styles from
// an embedded file, no script at all, and a Content-Security-Policy that
// would block one.

//go:embed status
var statusFiles embed.FS

var statusPage = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"ms": func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
}).ParseFS(statusFiles, "status/status.html"))

// statusCSP forbids everything the page does not use: no scripts, no
// frames, styles and images only from the bridge itself.
const statusCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const (
	maxAuditEvents = 100
	maxClients     = 200 // client names come from configuration, but failed ones carry addresses
	chartMinutes   = 60
)

// IsStatusPath reports the paths the status page serves.
func IsStatusPath(path string) bool {
	return path == "/status" || strings.HasPrefix(path, "/status/")
}

// MappingRow is one line of the mapping table.
type MappingRow struct {
	Resource string // "User", "Group"
	SCIM     string // SCIM path, or "" for a derived attribute
	LDAP     string // directory attribute
	Note     string // template, default or how the bridge treats it
}

// DirectoryState is what a check of one ldap.urls entry found.
type DirectoryState struct {
	URL       string
	Active    bool // new connections go here
	Reachable bool // TCP (and TLS) connected
	Bound     bool // the service account's bind succeeded
	Detail    string
}

// UnmappedSeen is an attribute path SCIM writes carried that no mapping
// entry stores (see server.unmappedAttributes).
type UnmappedSeen struct {
	Resource, Path string
	Count          int
	Last           time.Time
}

// StatusOptions is what the connector gives the page; none of it may hold
// a secret.
type StatusOptions struct {
	// Token is server.statusToken: "" serves loopback clients only.
	Token string
	// Mapping is the SCIM path → LDAP attribute table.
	Mapping []MappingRow
	// Connect builds the connect instructions for the listener's address.
	Connect func(listen string) ([]ConnectTarget, []string)
	// Directories checks each configured URL, within ctx.
	Directories func(ctx context.Context) []DirectoryState
	// Metrics supplies the unmapped attributes seen.
	Metrics *Metrics
	// Version is the bridge's version, shown in the footer.
	Version string
}

// Status collects what the page shows and serves it.
type Status struct {
	opts    StatusOptions
	token   [32]byte
	started time.Time

	mu      sync.Mutex
	listen  string
	clients map[string]*clientStats
	audit   []AuditEvent // oldest first, at most maxAuditEvents
	series  map[string]*opSeries
}

type clientStats struct {
	Name                  string
	Requests, Errors      int
	LastSeen, LastErrorAt time.Time
	// The last request's and the last failed one's operation and status,
	// kept as they come and written out only when the page is rendered:
	// every SCIM request passes here.
	lastOp, lastErrOp     string
	lastCode, lastErrCode int
	lastErrWhy            string
}

// LastRequest is "PATCH /scim/v2/Users/{id} → 200".
func (c clientStats) LastRequest() string { return fmt.Sprintf("%s → %d", c.lastOp, c.lastCode) }

// LastError is the last failed request with its status text and, for a
// refused credential, why; "" when none failed.
func (c clientStats) LastError() string {
	if c.lastErrOp == "" {
		return ""
	}
	e := fmt.Sprintf("%s → %d %s", c.lastErrOp, c.lastErrCode, http.StatusText(c.lastErrCode))
	if c.lastErrWhy != "" {
		e += ": " + c.lastErrWhy
	}
	return e
}

// AuditEvent is one directory write as the audit log records it.
type AuditEvent struct {
	Time       time.Time
	Client     string
	Op, DN     string
	Attributes []string
	Result     string
}

// opSeries is one operation's requests per minute over the last hour,
// in a ring indexed by minute.
type opSeries struct {
	buckets [chartMinutes]bucket
}

type bucket struct {
	minute   int64 // Unix minute the bucket holds; others are stale
	count    int
	errors   int
	total    time.Duration
	max      time.Duration
	observed bool
}

// NewStatus prepares the page.
func NewStatus(o StatusOptions) *Status {
	s := &Status{opts: o, started: time.Now(), clients: map[string]*clientStats{}, series: map[string]*opSeries{}}
	if o.Token != "" {
		s.token = sha256.Sum256([]byte(o.Token))
	}
	return s
}

// SetListen records the SCIM listener's address (the real port of ":0"),
// for the connect instructions.
func (s *Status) SetListen(addr string) {
	s.mu.Lock()
	s.listen = addr
	s.mu.Unlock()
}

type statusKey struct{}

// requestNote is what a request's handlers tell the status page besides
// its answer: why authentication failed.
type requestNote struct {
	status  *Status
	authWhy string
}

// Middleware counts each request under its client and operation. It must
// wrap the request log (which turns errors into responses), so that it
// sees the status sent.
func (s *Status) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		note := &requestNote{status: s}
		r := c.Request()
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), statusKey{}, note)))
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.observe(c, note, time.Since(start))
		return nil
	}
}

func (s *Status) observe(c echo.Context, note *requestNote, d time.Duration) {
	r := c.Request()
	code := c.Response().Status
	client := Client(r.Context())
	if client == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		client = "unauthenticated from " + host
	}
	op := r.Method + " other"
	if s.opts.Metrics != nil {
		op = r.Method + " " + s.opts.Metrics.endpoint(r.URL.Path) // bounded, ids as {id}
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.clients[client]
	if cs == nil {
		if len(s.clients) >= maxClients {
			s.dropOldestClient()
		}
		cs = &clientStats{Name: client}
		s.clients[client] = cs
	}
	cs.Requests++
	cs.LastSeen = now
	cs.lastOp, cs.lastCode = op, code
	if code >= 400 {
		cs.Errors++
		cs.LastErrorAt = now
		cs.lastErrOp, cs.lastErrCode, cs.lastErrWhy = op, code, note.authWhy
	}
	ser := s.series[op]
	if ser == nil {
		if len(s.series) >= 64 {
			return // endpoints are bounded by the metrics' labels; this is a safety net
		}
		ser = &opSeries{}
		s.series[op] = ser
	}
	minute := now.Unix() / 60
	b := &ser.buckets[minute%chartMinutes]
	if b.minute != minute {
		*b = bucket{minute: minute}
	}
	b.count++
	b.total += d
	b.max = max(b.max, d)
	if code >= 500 {
		b.errors++
	}
}

func (s *Status) dropOldestClient() {
	var oldest *clientStats
	for _, c := range s.clients {
		if oldest == nil || c.LastSeen.Before(oldest.LastSeen) {
			oldest = c
		}
	}
	delete(s.clients, oldest.Name)
}

// noteAuthFailure tells the status page why a request's credentials were
// refused (words of the authenticator, never the credentials).
func noteAuthFailure(ctx context.Context, why string) {
	if n, _ := ctx.Value(statusKey{}).(*requestNote); n != nil {
		n.authWhy = why
	}
}

// recordAudit keeps an audit event for the page.
func recordAudit(ctx context.Context, op, dn string, attrs []string, result string) {
	n, _ := ctx.Value(statusKey{}).(*requestNote)
	if n == nil {
		return
	}
	s := n.status
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, AuditEvent{Time: time.Now(), Client: Client(ctx), Op: op, DN: dn, Attributes: slices.Clone(attrs), Result: result})
	if len(s.audit) > maxAuditEvents {
		s.audit = slices.Delete(s.audit, 0, len(s.audit)-maxAuditEvents)
	}
}

// seeUnmapped is called by UnmappedAttribute with m.mu held.
func (m *Metrics) seeUnmapped(resource, path string) {
	k := [2]string{resource, path}
	u := m.unmappedSeen[k]
	if u == nil {
		u = &UnmappedSeen{Resource: resource, Path: path}
		m.unmappedSeen[k] = u
	}
	u.Count++
	u.Last = time.Now()
}

// UnmappedSeen lists the unmapped attribute paths seen, most frequent
// first.
func (m *Metrics) UnmappedSeen() []UnmappedSeen {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]UnmappedSeen, 0, len(m.unmappedSeen))
	for _, u := range m.unmappedSeen {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Resource+out[i].Path < out[j].Resource+out[j].Path
	})
	return out
}

// Around serves the status page and its assets, and hands every other
// request to next.
func (s *Status) Around(next http.Handler) http.Handler {
	assets, _ := fs.Sub(statusFiles, "status/assets")
	files := http.StripPrefix("/status/assets/", http.FileServer(http.FS(assets)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsStatusPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", statusCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "The status page is read-only.", http.StatusMethodNotAllowed)
			return
		}
		if !s.allowed(w, r) {
			return
		}
		switch {
		case r.URL.Path == "/status":
			s.render(w, r)
		case strings.HasPrefix(r.URL.Path, "/status/assets/"):
			files.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// allowed: loopback clients always; others with server.statusToken.
func (s *Status) allowed(w http.ResponseWriter, r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() {
		return true
	}
	if s.opts.Token == "" {
		http.Error(w, "The status page answers only on loopback (127.0.0.1, ::1). Set server.statusToken to open it to other addresses.", http.StatusForbidden)
		return false
	}
	presented := ""
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		presented = strings.TrimSpace(rest)
	case "basic":
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
			_, presented, _ = strings.Cut(string(raw), ":")
		}
	}
	d := sha256.Sum256([]byte(presented))
	if presented != "" && subtle.ConstantTimeCompare(d[:], s.token[:]) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="scim2ldap status", charset="UTF-8"`)
	http.Error(w, "Send server.statusToken as the password (any user name).", http.StatusUnauthorized)
	return false
}

// pageData is everything the template shows.
type pageData struct {
	Now, Started time.Time
	Version      string
	Directories  []DirectoryState
	Clients      []clientStats
	Audit        []AuditEvent // newest first
	Unmapped     []UnmappedSeen
	Charts       []chart
	Mapping      []MappingRow
	Connect      []ConnectTarget
	Notes        []string
}

func (s *Status) render(w http.ResponseWriter, r *http.Request) {
	d := pageData{Now: time.Now(), Started: s.started, Version: s.opts.Version, Mapping: s.opts.Mapping}
	if s.opts.Directories != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		d.Directories = s.opts.Directories(ctx)
		cancel()
	}
	if s.opts.Metrics != nil {
		d.Unmapped = s.opts.Metrics.UnmappedSeen()
	}
	s.mu.Lock()
	listen := s.listen
	for _, c := range s.clients {
		d.Clients = append(d.Clients, *c)
	}
	for i := len(s.audit) - 1; i >= 0; i-- {
		d.Audit = append(d.Audit, s.audit[i])
	}
	d.Charts = s.charts(d.Now)
	s.mu.Unlock()
	sort.Slice(d.Clients, func(i, j int) bool { return d.Clients[i].LastSeen.After(d.Clients[j].LastSeen) })
	if s.opts.Connect != nil && listen != "" {
		d.Connect, d.Notes = s.opts.Connect(listen)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := statusPage.Execute(w, d); err != nil {
		// Headers are sent; the page ends where it failed.
		fmt.Fprintf(w, "<p>rendering failed</p>")
	}
}

// chart is one operation's last hour as inline SVG bars: requests per
// minute, and the mean latency of each minute as a line.
type chart struct {
	Op          string
	Requests    int
	Errors      int
	Mean, Max   time.Duration
	PerMinute   string // "12.5 /min" over the minutes with requests
	Bars        []bar
	LatencyLine string // SVG polyline points
	MaxCount    int
	MaxLatency  time.Duration
}

type bar struct{ X, Y, W, H float64 }

const chartW, chartH = 300.0, 48.0

func (s *Status) charts(now time.Time) []chart {
	nowMin := now.Unix() / 60
	var out []chart
	for op, ser := range s.series {
		c := chart{Op: op}
		var total time.Duration
		counts := make([]int, chartMinutes)
		means := make([]time.Duration, chartMinutes)
		for _, b := range ser.buckets {
			age := nowMin - b.minute
			if b.count == 0 || age < 0 || age >= chartMinutes {
				continue
			}
			i := chartMinutes - 1 - int(age) // oldest left
			counts[i] = b.count
			means[i] = b.total / time.Duration(b.count)
			c.Requests += b.count
			c.Errors += b.errors
			total += b.total
			c.Max = max(c.Max, b.max)
			c.MaxCount = max(c.MaxCount, b.count)
			c.MaxLatency = max(c.MaxLatency, means[i])
		}
		if c.Requests == 0 {
			continue
		}
		c.Mean = total / time.Duration(c.Requests)
		c.PerMinute = fmt.Sprintf("%.2f /min", float64(c.Requests)/chartMinutes)
		bw := chartW / chartMinutes
		var pts []string
		for i, n := range counts {
			if n > 0 {
				h := chartH * float64(n) / float64(c.MaxCount)
				c.Bars = append(c.Bars, bar{X: float64(i) * bw, Y: chartH - h, W: bw - 1, H: h})
			}
			if means[i] > 0 && c.MaxLatency > 0 {
				y := chartH - chartH*float64(means[i])/float64(c.MaxLatency)
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", float64(i)*bw+bw/2, y))
			}
		}
		c.LatencyLine = strings.Join(pts, " ")
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Op < out[j].Op
	})
	return out
}
