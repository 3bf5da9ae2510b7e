package connector

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

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
