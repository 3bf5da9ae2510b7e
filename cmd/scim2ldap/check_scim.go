package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
)

// scimTarget is the bridge check talks to.
type scimTarget struct {
	url     string // as given with --url; "" = from the configuration
	token   string // --token or SCIM2LDAP_CHECK_TOKEN; "" = from the configuration
	timeout time.Duration
}

func envToken() string { return os.Getenv("SCIM2LDAP_CHECK_TOKEN") }

// endpoints a client appends to the base URL; a base URL ending in one of
// them is the most common seed mistake.
var endpointNames = []string{"Users", "Groups", "ServiceProviderConfig", "ServiceProviderConfigs", "Schemas", "ResourceTypes"}

// scimProbe is the state of the SCIM steps.
type scimProbe struct {
	r        *report
	cfg      *config.Config
	client   *http.Client
	base     string // ends in "/"
	v11      bool   // the URL selects the SCIM 1.1 dialect
	auth     string // Authorization header value, "" for none
	explicit bool   // --url was given
}

// checkSCIM replays what Okta's "Test Connector Configuration" (agent) and
// "Test API Credentials" (cloud) send, and checks what they check.
func checkSCIM(ctx context.Context, r *report, cfg *config.Config, t scimTarget) {
	p := &scimProbe{r: r, cfg: cfg, explicit: t.url != ""}
	raw := t.url
	if raw == "" {
		raw = defaultBaseURL(cfg)
	}
	if !p.checkBaseURL(raw) {
		return
	}
	p.client = &http.Client{
		Timeout: t.timeout,
		// A redirect is reported, not followed: Okta does not follow them
		// for POST/PUT.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
	}
	var ok bool
	if p.auth, ok = p.credentials(t.token); !ok {
		return
	}
	spc := "ServiceProviderConfig"
	if p.v11 {
		spc = "ServiceProviderConfigs" // what the Okta agent's Test Connector Configuration calls
	}
	res, ok := p.connect(ctx, spc)
	if !ok {
		return
	}
	if !p.checkSPC(ctx, res, spc) {
		return
	}
	p.checkAuthVariants(ctx, spc)
	p.checkList(ctx, "Users?startIndex=1&count=2", false)
	if cfg.Groups.Enabled() {
		p.checkList(ctx, "Groups?startIndex=1&count=100", false)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	p.checkList(ctx, "Users?filter="+url.QueryEscape(`userName eq "scim2ldap-check-`+hex.EncodeToString(b[:])+`"`)+"&startIndex=1&count=100", true)
}

// defaultBaseURL is the SCIM 2.0 root at server.listen, with a wildcard
// listen address replaced by loopback.
func defaultBaseURL(cfg *config.Config) string {
	host, port, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil {
		host, port = "127.0.0.1", "8080"
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http"
	if cfg.Server.TLS.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + strings.TrimSuffix(cfg.Server.BasePath, "/") + "/"
}

// checkBaseURL recognises the base URL mistakes and settles the dialect.
func (p *scimProbe) checkBaseURL(raw string) bool {
	step := "scim base URL"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.r.fail(step, fmt.Sprintf("%q is not an http:// or https:// URL", raw), "give the SCIM root, e.g. https://host:8443"+p.cfg.Server.BasePath+"/")
		return false
	}
	u.RawQuery, u.Fragment = "", ""
	path := strings.TrimRight(u.Path, "/")
	fixed := false
	for {
		i := strings.LastIndex(path, "/")
		if i < 0 || !containsFold(endpointNames, path[i+1:]) {
			break
		}
		last := path[i+1:]
		path = path[:i]
		u.Path = path + "/"
		p.r.fail(step, fmt.Sprintf("%s ends in /%s: clients append /Users and /Groups to the base URL themselves, so they would request …/%s/Users (the bridge answers 404)", raw, last, last),
			"use "+u.String()+" as the base URL")
		fixed = true
	}
	u.Path = path + "/"
	p.base = u.String()
	p.v11 = !strings.Contains(strings.ToLower(path), "/v2")
	dialect := "SCIM 2.0"
	if p.v11 {
		dialect = "SCIM 1.1 (no /v2 in the URL: the Okta Provisioning Agent speaks SCIM 1.1 here; if you meant SCIM 2.0, use " + withPath(u, p.cfg.Server.BasePath) + ")"
	}
	switch {
	case fixed:
		p.r.warn(step, "going on with "+p.base)
	case !p.knownPath(path):
		p.r.warn(step, fmt.Sprintf("%s is not a path the bridge serves (%s); fine only behind a reverse proxy that rewrites it", path, strings.Join(p.servedPaths(), ", ")))
		fallthrough
	default:
		if !strings.HasSuffix(strings.TrimSpace(raw), "/") && p.v11 {
			p.r.warn(step, "the Okta Provisioning Agent wants the base URL to end with \"/\"")
		}
		p.r.pass(step, p.base+" — "+dialect)
	}
	return true
}

func withPath(u *url.URL, path string) string {
	c := *u
	c.Path = strings.TrimSuffix(path, "/") + "/"
	return c.String()
}

func (p *scimProbe) servedPaths() []string {
	return append([]string{p.cfg.Server.BasePath}, p.cfg.Server.V1BasePaths...)
}

func (p *scimProbe) knownPath(path string) bool {
	for _, s := range p.servedPaths() {
		if strings.EqualFold(strings.TrimRight(s, "/"), path) {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// credentials picks what to authenticate with: --token, else the first
// configured token, else a Basic user with a clear-text password.
func (p *scimProbe) credentials(token string) (string, bool) {
	a := p.cfg.Server.Auth
	for i, t := range a.BearerTokens {
		if hasBearer(t) {
			p.r.warn("scim auth", fmt.Sprintf("server.auth.bearerTokens[%d] starts with \"Bearer \": clients that send \"Bearer <token>\" then fail; put only the token in the configuration", i))
		}
	}
	switch {
	case token != "":
		if hasBearer(token) {
			p.r.warn("scim auth", "the token given starts with \"Bearer \"; checking with the token alone. In Okta's HTTP Header auth put \"Bearer <token>\" (or the token alone) in the value, and never \"Bearer \" twice")
			token = strings.TrimSpace(token[len("bearer "):])
		}
		return "Bearer " + token, true
	case a.None:
		return "", true
	case len(a.BearerTokens) > 0:
		t := a.BearerTokens[0]
		if hasBearer(t) {
			t = strings.TrimSpace(t[len("bearer "):])
		}
		return "Bearer " + t, true
	}
	for _, b := range a.Basic {
		if b.Password != "" {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(b.Username+":"+b.Password)), true
		}
	}
	p.r.skip("scim", "no credentials to test with (Basic users with a passwordHash only); pass --token or set SCIM2LDAP_CHECK_TOKEN")
	return "", false
}

func hasBearer(t string) bool { return len(t) > 7 && strings.EqualFold(t[:7], "bearer ") }

// do sends a GET like Okta does, and reads the answer (bounded).
func (p *scimProbe) do(ctx context.Context, rel, auth string) (*http.Response, []byte, error) {
	return p.get(ctx, p.base+rel, auth)
}

func (p *scimProbe) get(ctx context.Context, u, auth string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("Accept-Charset", "utf-8")
	req.Header.Set("User-Agent", "scim2ldap-check (Okta SCIM Client 1.0.0)")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res, body, err
}

type answer struct {
	res  *http.Response
	body []byte
}

// connect makes the first request and reports reachability and TLS.
func (p *scimProbe) connect(ctx context.Context, rel string) (answer, bool) {
	u, _ := url.Parse(p.base)
	addr := u.Host
	step := "scim connect " + addr
	start := time.Now()
	res, body, err := p.do(ctx, rel, p.auth)
	trusted := true
	if err != nil && isTLSTrust(err) {
		trusted = false
		warnOnly := !p.explicit
		cause := "the bridge's certificate is not trusted by this machine: " + tlsDetail(err.Error())
		fix := "use a certificate from a CA the clients trust, or import it into every client (the Okta agent: its JRE cacerts) and into this machine's trust store"
		if warnOnly {
			p.r.warn("scim tls "+addr, cause+" (checked at the configured address; run check --url with the URL clients use)")
		} else {
			p.r.fail("scim tls "+addr, cause, fix)
		}
		// Go on without verification to check the rest.
		p.client.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // reported above
		res, body, err = p.do(ctx, rel, p.auth)
	}
	if err == nil && res.TLS != nil && len(res.TLS.PeerCertificates) > 0 {
		c := res.TLS.PeerCertificates[0]
		if trusted {
			p.r.pass("scim tls "+addr, fmt.Sprintf("certificate %q trusted, valid until %s", c.Subject.CommonName, c.NotAfter.Format(time.DateOnly)))
		}
		// Also for an untrusted certificate, reached on the retry above.
		if w := expiryWarning("the bridge's", c.NotAfter, time.Now()); w != "" {
			p.r.warn("scim tls "+addr, w+"; replace server.tls.certFile and keyFile, then send SIGHUP (systemctl reload scim2ldap)")
		}
	}
	if err != nil {
		var cause, fix string
		var dns *net.DNSError
		switch {
		case isRefused(err):
			if !p.explicit {
				p.r.skip("scim", fmt.Sprintf("nothing listens at %s (server.listen): start the bridge (scim2ldap serve, or scim2ldap service start) and run check again, or pass --url", addr))
				return answer{}, false
			}
			cause = fmt.Sprintf("could not connect to %s: connection refused (nothing listens there)", addr)
			fix = "start the bridge (scim2ldap service start) and check server.listen; clients on other machines need server.listen on an address they can reach, not 127.0.0.1"
		case isTimeoutErr(err):
			cause = fmt.Sprintf("connect timed out: no answer from %s within %s", addr, p.client.Timeout)
			fix = "this is Okta's \"Connect timed out\": check the host and port, that the bridge runs, and that firewalls let the client reach it"
		case errors.As(err, &dns):
			cause, fix = fmt.Sprintf("could not connect to %s: the host name does not resolve", addr), "check the host name in the base URL and DNS"
		case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
			cause, fix = "the bridge serves plain HTTP at this address, not HTTPS", "use http:// in the base URL, or configure server.tls.certFile and keyFile"
		default:
			cause, fix = fmt.Sprintf("could not connect to %s: %v", addr, err), "check the base URL and the network between the client and the bridge"
		}
		p.r.fail(step, cause, fix)
		return answer{}, false
	}
	p.r.pass(step, fmt.Sprintf("HTTP %d in %s", res.StatusCode, time.Since(start).Round(time.Millisecond)))
	return answer{res, body}, true
}

func isTLSTrust(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}

func isTimeoutErr(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// checkSPC reports the ServiceProviderConfig answer, or why it is wrong
// (a 404 is tried with /v2 added, the commonest missing piece).
func (p *scimProbe) checkSPC(ctx context.Context, a answer, rel string) bool {
	step := "scim GET /" + rel
	if a.res.StatusCode == http.StatusNotFound && !isHTML(a) {
		u, _ := url.Parse(p.base)
		v2 := *u
		v2.Path = strings.TrimSuffix(u.Path, "/") + "/v2/"
		if res, _, err := p.get(ctx, v2.String()+"ServiceProviderConfig", p.auth); err == nil && res.StatusCode == http.StatusOK && u.Path != "/" {
			p.r.fail(step, fmt.Sprintf("404: there is no SCIM root at %s, but there is one at %s", u.Path, v2.Path),
				"the base URL misses /v2: use "+v2.String())
			return false
		}
		p.r.fail(step, "404: no SCIM endpoint at "+p.base+rel+": "+detail(a.body),
			"use the SCIM root as the base URL: "+strings.Join(p.servedURLs(), " or "))
		return false
	}
	if !p.expect(step, a, http.StatusOK) {
		return false
	}
	var doc map[string]any
	_ = json.Unmarshal(a.body, &doc)
	caps := ""
	for k, v := range doc {
		if strings.HasPrefix(k, "urn:okta:schemas:scim:providerconfig") {
			if m, ok := v.(map[string]any); ok {
				caps = fmt.Sprint(m["userManagementCapabilities"])
			}
		}
	}
	detail := "200 " + a.res.Header.Get("Content-Type")
	if caps != "" {
		detail += "; Okta capabilities " + caps
	}
	p.r.pass(step, detail)
	return true
}

func (p *scimProbe) servedURLs() []string {
	u, _ := url.Parse(p.base)
	out := []string{withPath(u, p.cfg.Server.BasePath) + " (SCIM 2.0)"}
	for _, s := range p.cfg.Server.V1BasePaths {
		out = append(out, withPath(u, s)+" (SCIM 1.1)")
	}
	return out
}

// checkAuthVariants tries the token the two ways Okta sends it: as
// "Bearer <token>" and alone (HTTP Header auth with the bare value).
func (p *scimProbe) checkAuthVariants(ctx context.Context, rel string) {
	step := "scim auth"
	if !strings.HasPrefix(p.auth, "Bearer ") {
		scheme := "none (server.auth.none)"
		if p.auth != "" {
			scheme = "HTTP Basic"
		}
		p.r.pass(step, "accepted: "+scheme)
		return
	}
	res, _, err := p.do(ctx, rel, strings.TrimPrefix(p.auth, "Bearer "))
	if err != nil || res.StatusCode != http.StatusOK {
		p.r.fail(step, "the token alone (without \"Bearer \") is refused", "send Authorization: Bearer <token>")
		return
	}
	p.r.pass(step, "the token is accepted as \"Authorization: Bearer <token>\" and alone (Okta's HTTP Header auth)")
}

// checkList checks a list request the way Okta reads it: 200, SCIM content
// type, a ListResponse with integer totalResults and a Resources array
// (Okta says "No results for users returned" without it).
func (p *scimProbe) checkList(ctx context.Context, rel string, wantEmpty bool) {
	step := "scim GET /" + rel
	if u, err := url.QueryUnescape(rel); err == nil {
		step = "scim GET /" + u
	}
	res, body, err := p.do(ctx, rel, p.auth)
	if err != nil {
		p.r.fail(step, err.Error(), "check the bridge's log")
		return
	}
	if !p.expect(step, answer{res, body}, http.StatusOK) {
		return
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		p.r.fail(step, "the answer is not a JSON object", "check what answers at "+p.base)
		return
	}
	var total int
	if err := json.Unmarshal(doc["totalResults"], &total); err != nil {
		p.r.fail(step, "totalResults is missing or not an integer", "the answer does not come from a SCIM server; check the base URL")
		return
	}
	var resources []json.RawMessage
	if err := json.Unmarshal(doc["Resources"], &resources); err != nil || doc["Resources"] == nil {
		p.r.fail(step, "the ListResponse has no Resources array (Okta: \"No results for users returned\")", "the answer does not come from the bridge's SCIM root; check the base URL")
		return
	}
	if wantEmpty && (total != 0 || len(resources) != 0) {
		p.r.fail(step, fmt.Sprintf("a filter for a user that cannot exist found %d", total), "check users.filter and the mapping of userName (users.userNameAttribute)")
		return
	}
	p.r.pass(step, fmt.Sprintf("ListResponse, totalResults %d, %d Resources", total, len(resources)))
}

// expect checks status and content type, naming the usual causes.
func (p *scimProbe) expect(step string, a answer, status int) bool {
	ct := a.res.Header.Get("Content-Type")
	switch {
	case isHTML(a):
		p.r.fail(step, fmt.Sprintf("got an HTML page (HTTP %d%s) instead of SCIM JSON: a proxy, load balancer or other web server answered", a.res.StatusCode, htmlTitle(a.body)),
			"point the base URL at the bridge (server.listen, server.basePath) or fix the proxy's route to it")
	case a.res.StatusCode >= 300 && a.res.StatusCode < 400:
		p.r.fail(step, fmt.Sprintf("HTTP %d redirect to %s", a.res.StatusCode, a.res.Header.Get("Location")), "use the URL it redirects to as the base URL; clients do not follow redirects")
	case a.res.StatusCode == http.StatusBadRequest && bytes.Contains(a.body, []byte("HTTP request to an HTTPS server")):
		p.r.fail(step, "the bridge serves HTTPS at this address", "use https:// in the base URL")
	case a.res.StatusCode == http.StatusUnauthorized:
		p.r.fail(step, "401 Unauthorized: "+detail(a.body),
			"give the client exactly one of server.auth.bearerTokens (with or without \"Bearer \"), or a server.auth.basic user; check also --token / SCIM2LDAP_CHECK_TOKEN")
	case a.res.StatusCode == http.StatusTooManyRequests && a.res.Header.Get("Retry-After") != "":
		p.r.fail(step, fmt.Sprintf("429: the bridge refuses this address for %ss: %s", a.res.Header.Get("Retry-After"), detail(a.body)),
			"wait and run check again; if a client keeps sending a wrong token, fix its credentials (server.maxAuthFailures limits failed authentications per address)")
	case a.res.StatusCode != status:
		p.r.fail(step, fmt.Sprintf("HTTP %d: %s", a.res.StatusCode, detail(a.body)), "see the bridge's log for this request")
	case !strings.HasPrefix(strings.ToLower(ct), "application/scim+json") && !strings.HasPrefix(strings.ToLower(ct), "application/json"):
		p.r.fail(step, fmt.Sprintf("Content-Type %q, not application/scim+json", ct), "something other than the bridge answered; check the base URL")
	default:
		if !strings.HasPrefix(strings.ToLower(ct), "application/scim+json") {
			p.r.warn(step, fmt.Sprintf("Content-Type %q: SCIM clients expect application/scim+json", ct))
		}
		return true
	}
	return false
}

func isHTML(a answer) bool {
	ct := strings.ToLower(a.res.Header.Get("Content-Type"))
	b := bytes.TrimSpace(a.body)
	return strings.HasPrefix(ct, "text/html") || bytes.HasPrefix(b, []byte("<"))
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

func htmlTitle(body []byte) string {
	if m := titleRE.FindSubmatch(body); m != nil {
		return fmt.Sprintf(", title %q", strings.Join(strings.Fields(string(m[1])), " "))
	}
	return ""
}

// detail is the SCIM Error detail of a body (2.0 or 1.1 shape), else its
// start.
func detail(body []byte) string {
	var e struct {
		Detail string `json:"detail"`
		Errors []struct {
			Description string `json:"description"`
		} `json:"Errors"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Detail != "" {
			return e.Detail
		}
		if len(e.Errors) > 0 {
			return e.Errors[0].Description
		}
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
