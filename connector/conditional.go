package connector

// Conditional writes: the DNs and versions a bridge remembers, and the
// client's ETag preconditions, both sent to the directory as Assertion
// controls so that nothing is written over a change the bridge did not see.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// dnCache remembers the DN of each id this process has seen, so that a
// write can go straight to the entry instead of searching for its id first
// (issue 16: writes at the directory's speed). It is per process and is
// never trusted blindly: a write by a remembered DN carries the Assertion
// control (the entry must still hold the id and match the type's filter),
// so an entry another bridge or an admin renamed, moved or deleted answers
// noSuchObject, and a new entry at the old DN answers assertionFailed;
// either way the id is forgotten and the write is made again the slow way,
// once. Nothing is ever answered from the cache itself.
//
// Where the whole entry was read (every attribute an update diffs, and
// the version), it is kept too: an update can then be computed against it
// and sent as one modify conditional on the version still being the one
// read (cachedUpdate), which is exactly what If-Match does for a client.
type dnCache struct {
	mu   sync.Mutex
	dns  map[string]known // canonical id → where, and maybe what
	full int              // how many keep their entry
}

type known struct {
	dn   string
	full *ldapstore.Entry // nil unless read with every update attribute
}

// The cache is bounded: an id costs about 150 bytes, an entry kept whole
// about 1 KiB, and the service runs with GOGC=400, so each byte that
// stays live costs up to five of RSS. At the bounds an arbitrary id (or
// entry, then kept as a DN) makes room: it costs that id one search
// later, never a wrong answer.
const (
	dnCacheMax   = 20000 // ids
	dnCacheWhole = 2000  // of which kept with their entry
)

func (c *dnCache) get(id string) (known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.dns[id]
	return k, ok
}

func (c *dnCache) put(id string, k known) {
	if id == "" || k.dn == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dns == nil {
		c.dns = make(map[string]known)
	}
	c.drop(id)
	for other := range c.dns { // map order is arbitrary: a cheap random pick
		if len(c.dns) < dnCacheMax {
			break
		}
		c.drop(other)
	}
	if k.full != nil && c.full >= dnCacheWhole {
		for other, ko := range c.dns {
			if ko.full != nil {
				c.dns[other] = known{dn: ko.dn}
				c.full--
				break
			}
		}
	}
	if k.full != nil {
		c.full++
	}
	c.dns[id] = k
}

// drop forgets id; c.mu is held.
func (c *dnCache) drop(id string) {
	if k, ok := c.dns[id]; ok {
		if k.full != nil {
			c.full--
		}
		delete(c.dns, id)
	}
}

func (c *dnCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop(id)
}

// remember notes where the entry of a SCIM id lives.
func (d *dirType) remember(e *ldapstore.Entry) {
	if d.dns != nil && e != nil {
		d.dns.put(d.canonicalID(d.entryID(e)), known{dn: e.DN})
	}
}

// rememberFull is remember for an entry read with every attribute an
// update needs (ldapAttributes of the default projection): it is kept
// whole when it carries its version, which makes a later write by it
// safe.
func (d *dirType) rememberFull(e *ldapstore.Entry) {
	if d.dns == nil || e == nil {
		return
	}
	k := known{dn: e.DN}
	if d.etagsOn() && e.First(d.version) != "" {
		k.full = e
	}
	d.dns.put(d.canonicalID(d.entryID(e)), k)
}

// forgetID drops a remembered DN (the entry was deleted, or a write by it
// failed).
func (d *dirType) forgetID(id string) {
	if d.dns != nil {
		d.dns.forget(d.canonicalID(id))
	}
}

// knownDN returns the remembered DN of id and the context that makes the
// request's next write conditional on the entry there still being that
// id's, when a write may go by it: the directory must check the Assertion
// control, the request must carry no precondition (If-Match needs the
// version, which only a read gives), and the store must write for real
// (a dry run does not check assertions).
func (d *dirType) knownDN(ctx context.Context, r *http.Request, id string) (string, context.Context, bool) {
	if d.dns == nil || d.store == nil || d.store.DryRun() || !d.store.AssertionKnown() ||
		r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != "" {
		return "", ctx, false
	}
	idf, ok := d.idFilter(id)
	if !ok {
		return "", ctx, false
	}
	k, ok := d.dns.get(d.canonicalID(id))
	if !ok {
		return "", ctx, false
	}
	return k.dn, ldapstore.WithAssertionFilter(ctx, ldapstore.And(d.scope, idf)), true
}

// knownEntry is knownDN for an update: the remembered entry, and the
// context whose first write is conditional on the entry still being that
// id's at that version (so unchanged since it was read, by anyone).
func (d *dirType) knownEntry(ctx context.Context, r *http.Request, id string) (*ldapstore.Entry, context.Context, bool) {
	if _, _, ok := d.knownDN(ctx, r, id); !ok || !d.etagsOn() {
		return nil, ctx, false
	}
	idf, _ := d.idFilter(id)
	k, ok := d.dns.get(d.canonicalID(id))
	if !ok || k.full == nil {
		return nil, ctx, false
	}
	f := ldapstore.And(d.scope, idf, ldapstore.Eq(d.version, k.full.First(d.version)))
	return k.full, ldapstore.WithAssertionFilter(ctx, f), true
}

// staleDN reports whether a write by a remembered DN failed because the
// entry there is no longer the id's: the DN is forgotten and the caller
// looks the id up again.
func (d *dirType) staleDN(id string, err error) bool {
	switch ldapstore.Code(err) {
	case ldapstore.CodeNoSuchObject, ldapstore.CodeAssertionFailed:
		d.forgetID(id)
		return true
	}
	return false
}

// ETags (RFC 7644 §3.14). A resource's version is its entry's change
// marker (users.versionAttribute: entryCSN on OpenLDAP), served as
// meta.version and the ETag header. They are served only where a write
// with If-Match can be made atomic: the directory must support the LDAP
// Assertion control, so that the first write of the request carries the
// version as a condition and a concurrent change makes it fail with 412
// instead of being overwritten. Elsewhere (389 DS, Active Directory) no
// version is shown and etag.supported is false.

// etagsOn reports whether versions are served for this type; the
// directory's support is resolved per request by Server.resolveETags.
func (d *dirType) etagsOn() bool {
	return d.version != "" && d.store != nil && d.store.AssertionKnown()
}

// versionAttrs is the version attribute to read with an entry, if served.
func (d *dirType) versionAttrs() []string {
	if d.etagsOn() {
		return []string{d.version}
	}
	return nil
}

// entryVersion is meta.version of an entry, "" when not served.
func (d *dirType) entryVersion(e *ldapstore.Entry) string {
	if !d.etagsOn() {
		return ""
	}
	if v := e.First(d.version); v != "" {
		return `W/"` + v + `"`
	}
	return ""
}

// precondition checks a write's If-Match and If-None-Match against the
// entry as read, and returns the context whose first write is conditional
// on the version still being the one read (RFC 7232 §3.1, §3.2).
func (d *dirType) precondition(ctx context.Context, r *http.Request, e *ldapstore.Entry) (context.Context, error) {
	ifMatch, ifNoneMatch := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if ifMatch == "" && ifNoneMatch == "" {
		return ctx, nil
	}
	current := d.entryVersion(e)
	if ifNoneMatch != "" && matchesETag(ifNoneMatch, current) {
		return ctx, preconditionFailed("The resource exists and matches If-None-Match.")
	}
	if ifMatch == "" || strings.TrimSpace(ifMatch) == "*" {
		return ctx, nil
	}
	if !d.etagsOn() {
		return ctx, preconditionFailed("This directory keeps no version this bridge can check atomically (etag.supported is false), so If-Match cannot hold; send the request without it.")
	}
	if !matchesETag(ifMatch, current) {
		return ctx, preconditionFailed(fmt.Sprintf("The resource has changed: its version is %s, not the one in If-Match. Read it again and retry.", current))
	}
	return ldapstore.WithAssertion(ctx, d.version, e.First(d.version)), nil
}

func preconditionFailed(detail string) error {
	return scimErr(http.StatusPreconditionFailed, "", detail)
}

// matchesETag reports whether an If-Match / If-None-Match list names the
// version, compared weakly (W/ ignored), or is "*" and a version exists.
func matchesETag(list, version string) bool {
	if version == "" {
		return false
	}
	want := strings.TrimPrefix(version, "W/")
	for _, tag := range strings.Split(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// resolveETags makes each request's handlers know whether the directory
// supports the Assertion control (read once from the root DSE, then
// cached by the store).
func (s *Server) resolveETags(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.versions && s.ops.store != nil {
			s.ops.store.AssertionSupported(c.Request().Context())
		}
		return next(c)
	}
}

// etagsSupported is ServiceProviderConfig's etag.supported.
func (s *Server) etagsSupported(ctx context.Context) bool {
	return s.versions && s.ops.store != nil && s.ops.store.AssertionSupported(ctx)
}

// notModified answers a GET whose If-None-Match names the version the
// answer carries with 304 and no body (RFC 7232 §4.1).
func notModified(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		inm := r.Header.Get("If-None-Match")
		if inm == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			return next(c)
		}
		return web.RewriteAnswer(c, next, func(h http.Header, status int, body []byte) (int, []byte) {
			if status == http.StatusOK && matchesETag(inm, h.Get("Etag")) {
				h.Del("Content-Type")
				return http.StatusNotModified, nil
			}
			return status, body
		})
	}
}
