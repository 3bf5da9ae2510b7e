package connector_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestETags (RFC 7644 §3.14) on OpenLDAP: meta.version and ETag come from
// entryCSN; If-None-Match gives 304; a write with a stale If-Match is 412
// and changes nothing; with the current one it goes through.
func TestETags(t *testing.T) {
	b := newBed(t)
	if r := b.do("GET", "/ServiceProviderConfig", "").want(t, http.StatusOK); str(r.body, "etag.supported") != "true" {
		t.Errorf("etag.supported on OpenLDAP: %s", r.raw)
	}
	id := b.create(userBody("etag@example.com", "E", "Tag", "Pass-word-1"))
	r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	v1 := r.header.Get("ETag")
	if !strings.HasPrefix(v1, `W/"`) || str(r.body, "meta.version") != v1 {
		t.Fatalf("ETag %q, meta.version %q", v1, str(r.body, "meta.version"))
	}
	r = b.do("GET", "/Users/"+id, "", "If-None-Match: "+v1)
	if r.status != http.StatusNotModified || len(r.raw) != 0 {
		t.Errorf("GET with the current If-None-Match: %d %s", r.status, r.raw)
	}
	b.do("GET", "/Users/"+id, "", `If-None-Match: W/"other"`).want(t, http.StatusOK)
	r = b.do("GET", "/Users?filter="+urlEscape(`userName eq "etag@example.com"`), "").want(t, http.StatusOK)
	if str(r.body, "Resources.0.meta.version") != v1 {
		t.Errorf("listed version %q, want %q", str(r.body, "Resources.0.meta.version"), v1)
	}

	// Someone else changes the entry: the client's version is stale.
	b.dir.MustModify(t, "uid=etag@example.com,"+b.dir.PeopleDN, map[string][]string{"title": {"by hand"}})
	before := b.snapshot()
	patch := `{` + patchOp + `,"Operations":[{"op":"replace","path":"title","value":"mine"}]}`
	b.do("PATCH", "/Users/"+id, patch, "If-Match: "+v1).wantError(t, http.StatusPreconditionFailed, "")
	b.do("PUT", "/Users/"+id, userBody("etag@example.com", "New", "Name", "Pass-word-2"), "If-Match: "+v1).wantError(t, http.StatusPreconditionFailed, "")
	b.do("DELETE", "/Users/"+id, "", "If-Match: "+v1).wantError(t, http.StatusPreconditionFailed, "")
	b.unchanged(t, before)

	r = b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	v2 := r.header.Get("ETag")
	if v2 == v1 {
		t.Fatalf("the version did not change with the entry: %s", v2)
	}
	r = b.do("PATCH", "/Users/"+id, patch, "If-Match: "+v2).want(t, http.StatusOK)
	v3 := r.header.Get("ETag")
	if v3 == "" || v3 == v2 || str(r.body, "meta.version") != v3 || str(r.body, "title") != "mine" {
		t.Errorf("PATCH with the current version: ETag %q (was %q): %s", v3, v2, r.raw)
	}
	// A PUT that changes the password and the profile, conditional.
	b.do("PUT", "/Users/"+id, userBody("etag@example.com", "New", "Name", "Pass-word-2"), "If-Match: "+v3).want(t, http.StatusOK)
	if err := b.dir.CanBind("uid=etag@example.com,"+b.dir.PeopleDN, "Pass-word-2"); err != nil {
		t.Errorf("conditional PUT's password: %v", err)
	}
	b.do("PUT", "/Users/"+id, userBody("etag@example.com", "New", "Name", "Pass-word-2"), "If-None-Match: *").wantError(t, http.StatusPreconditionFailed, "")

	// Groups too.
	r = b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Versioned"}`).want(t, http.StatusCreated)
	gid, gv := str(r.body, "id"), r.header.Get("ETag")
	rename := `{` + patchOp + `,"Operations":[{"op":"replace","path":"displayName","value":"Versioned 2"}]}`
	b.do("PATCH", "/Groups/"+gid, rename, "If-Match: "+gv).want(t, http.StatusNoContent)
	b.do("PATCH", "/Groups/"+gid, rename, "If-Match: "+gv).wantError(t, http.StatusPreconditionFailed, "")
	r = b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK)
	b.do("DELETE", "/Groups/"+gid, "", "If-Match: "+r.header.Get("ETag")).want(t, http.StatusNoContent)
	b.do("DELETE", "/Users/"+id, "", "If-Match: *").want(t, http.StatusNoContent)
}
