package connector_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// exampleFiles is the shipped example for each test bed kind, with the URL
// its README section uses.
func exampleFile(dir *testldap.Server) (file, url string) {
	switch dir.Kind {
	case testldap.SambaAD:
		return "active-directory.yaml", dir.LDAPSURL
	case testldap.DS389:
		return "389ds.yaml", dir.URL
	}
	return "openldap.yaml", dir.URL
}

// honestSchema is the property issue 12 asks for: what /Schemas advertises
// as writable is stored. It walks /Schemas of the shipped example for the
// directory, writes a value to every readWrite attribute (by POST, then
// each again by PATCH) and reads each back equal.
func (d *dirSuite) honestSchema(t *testing.T) {
	file, url := exampleFile(d.dir)
	b := bridgeFor(t, d.dir, exampleFor(t, d.dir, file, url))
	schemas := b.do("GET", "/Schemas", "").want(t, http.StatusOK)
	resources, _ := schemas.body["Resources"].([]interface{})
	writable := map[string][]attrSpec{} // by resource: "User", "Group"
	for _, r := range resources {
		s := r.(map[string]interface{})
		id := str(s, "id")
		kind := "User"
		if strings.HasSuffix(id, ":Group") || strings.Contains(id, ":group:") {
			kind = "Group"
		}
		urn := ""
		if !strings.HasPrefix(id, "urn:ietf:params:scim:schemas:core:") {
			urn = id
		}
		for _, a := range s["attributes"].([]interface{}) {
			if spec, ok := writableSpec(urn, a.(map[string]interface{})); ok {
				writable[kind] = append(writable[kind], spec)
			}
		}
	}
	if len(writable["User"]) < 4 {
		t.Fatalf("%s advertises only %d writable User attributes: %s", file, len(writable["User"]), schemas.raw)
	}

	t.Run("users", func(t *testing.T) {
		userName := "honest" + strings.ToLower(string(d.dir.Kind)[:3])
		// A reference is written as the id of an existing user.
		for i, a := range writable["User"] {
			if a.ref == "User" {
				for n := 1; n <= 2; n++ {
					writable["User"][i].refIDs = append(writable["User"][i].refIDs,
						b.create(userBody(fmt.Sprintf("%s.ref%d", userName, n), "Ref", "Target", dirPass1)))
				}
			}
		}
		doc := map[string]interface{}{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "password": dirPass1}
		for _, a := range writable["User"] {
			a.set(doc, a.value(1, userName))
		}
		r := b.do("POST", "/Users", jsonString(t, doc)).want(t, http.StatusCreated)
		id := str(r.body, "id")
		got := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
		for _, a := range writable["User"] {
			a.check(t, "POST", got.body, a.value(1, userName))
		}
		for _, a := range writable["User"] {
			if a.path == "userName" {
				continue // renames have their own scenario
			}
			v := a.value(2, userName)
			b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"`+a.path+`","value":`+jsonString(t, v)+`}]}`).want(t, http.StatusOK)
			got := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
			a.check(t, "PATCH", got.body, v)
		}
	})
	t.Run("groups", func(t *testing.T) {
		uid := b.create(userBody("honest.member", "Hon", "Est", dirPass1))
		doc := map[string]interface{}{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}}
		for _, a := range writable["Group"] {
			v := a.value(1, "Honest group")
			if a.path == "members" {
				v = []interface{}{map[string]interface{}{"value": uid}}
			}
			a.set(doc, v)
		}
		r := b.do("POST", "/Groups", jsonString(t, doc)).want(t, http.StatusCreated)
		got := b.do("GET", "/Groups/"+str(r.body, "id"), "").want(t, http.StatusOK)
		for _, a := range writable["Group"] {
			if a.path == "members" {
				if str(got.body, "members.0.value") != uid {
					t.Errorf("members not stored: %s", got.raw)
				}
				continue
			}
			a.check(t, "POST", got.body, a.value(1, "Honest group"))
		}
	})
}

// attrSpec is one writable attribute of /Schemas, enough to make a value
// for it and compare what comes back.
type attrSpec struct {
	urn, name, path string
	typ             string
	multi           bool
	subs            []string // writable sub-attributes of a complex one
	types           []string // canonical values of "type"
	// ref is the resource type a reference points at ($ref's
	// referenceTypes), refIDs the ids of targets to write (value n is
	// refIDs[n-1]); only the written value is compared on read, $ref and
	// the display name being the bridge's.
	ref    string
	refIDs []string
}

func writableSpec(urn string, a map[string]interface{}) (attrSpec, bool) {
	if str(a, "mutability") != "readWrite" {
		return attrSpec{}, false
	}
	s := attrSpec{urn: urn, name: str(a, "name"), typ: str(a, "type"), multi: str(a, "multiValued") == "true"}
	s.path = s.name
	if urn != "" {
		s.path = urn + ":" + s.name
	}
	for _, sa := range asSlice(a["subAttributes"]) {
		sub := sa.(map[string]interface{})
		switch n := str(sub, "name"); {
		case n == "$ref" && len(asSlice(sub["referenceTypes"])) == 1:
			s.ref = fmt.Sprint(asSlice(sub["referenceTypes"])[0])
		case n == "type":
			for _, v := range asSlice(sub["canonicalValues"]) {
				s.types = append(s.types, fmt.Sprint(v))
			}
		case n == "primary" || str(sub, "mutability") != "readWrite":
		default:
			s.subs = append(s.subs, n)
		}
	}
	return s, true
}

func jsonString(t *testing.T, v interface{}) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func asSlice(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}

// value is the n-th test value of the attribute, in a syntax every test
// directory accepts for what the examples map it to.
func (a attrSpec) value(n int, userName string) interface{} {
	scalar := func(name string) interface{} {
		switch strings.ToLower(name) {
		case "username":
			return userName
		case "active":
			return n == 1
		case "preferredlanguage":
			return []string{"", "en-US", "de-CH"}[n]
		}
		return fmt.Sprintf("%s%d", strings.ToUpper(name[:1])+name[1:min(len(name), 6)], n)
	}
	if a.typ == "boolean" {
		return n == 1
	}
	if a.ref != "" && len(a.refIDs) >= n && !a.multi {
		return map[string]interface{}{"value": a.refIDs[n-1]}
	}
	if a.typ != "complex" {
		return scalar(a.name)
	}
	element := func(t string, i int) map[string]interface{} {
		el := map[string]interface{}{}
		for _, s := range a.subs {
			switch {
			case s == "value" && a.name == "emails":
				el[s] = fmt.Sprintf("honest%d.%d@example.com", n, i)
			case s == "value" && a.name == "phoneNumbers":
				el[s] = fmt.Sprintf("+1 555 01%d%d", n, i)
			default:
				el[s] = scalar(s)
			}
		}
		if t != "" {
			el["type"] = t
		}
		return el
	}
	if !a.multi {
		return element("", 0)
	}
	if len(a.types) == 0 {
		return []interface{}{element("", 0)}
	}
	var list []interface{}
	for i, t := range a.types {
		list = append(list, element(t, i))
	}
	return list
}

// set puts v under the attribute's path in a document.
func (a attrSpec) set(doc map[string]interface{}, v interface{}) {
	if a.urn == "" {
		doc[a.name] = v
		return
	}
	ext, _ := doc[a.urn].(map[string]interface{})
	if ext == nil {
		ext = map[string]interface{}{}
		doc[a.urn] = ext
		doc["schemas"] = append(doc["schemas"].([]string), a.urn)
	}
	ext[a.name] = v
}

// check compares what a resource holds under the attribute with v: equal
// scalars, the same sub-attribute values, the same (type, value) elements.
func (a attrSpec) check(t *testing.T, how string, res map[string]interface{}, v interface{}) {
	t.Helper()
	have := res[a.name]
	if a.urn != "" {
		ext, _ := res[a.urn].(map[string]interface{})
		have = ext[a.name]
	}
	if m, ok := have.(map[string]interface{}); ok && a.ref != "" {
		have = map[string]interface{}{"value": m["value"]}
	}
	if canonical(have) != canonical(v) {
		t.Errorf("%s %s: wrote %s, read back %s", how, a.path, canonical(v), canonical(have))
	}
}

// canonical renders a value for comparison: "primary" (which the bridge
// sets on the first element it returns) and element order do not count.
func canonical(v interface{}) string {
	switch x := v.(type) {
	case []interface{}:
		var parts []string
		for _, e := range x {
			parts = append(parts, canonical(e))
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]interface{}:
		var parts []string
		for k, e := range x {
			if k != "primary" {
				parts = append(parts, k+"="+canonical(e))
			}
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case nil:
		return "<none>"
	}
	return fmt.Sprint(v)
}

// unmappedPolicy: on every directory, an unmapped attribute is warned of
// (default) or refused with nothing written (reject).
func (d *dirSuite) unmappedPolicy(t *testing.T) {
	body := func(userName string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName + `","nickName":"Nick","password":"` + dirPass1 + `",
			"name":{"givenName":"Un","familyName":"Mapped"}}`
	}
	b := d.at(t)
	b.do("POST", "/Users", body("unmapped.warn")).want(t, http.StatusCreated)
	if !strings.Contains(b.logs.String(), "attribute=nickName") {
		t.Errorf("no WARN for nickName:\n%s", grepLines(b.logs.String(), "does not store"))
	}
	cfg := *d.cfg
	cfg.Server.UnmappedAttributes = config.UnmappedReject
	strict := bridgeFor(t, d.dir, &cfg)
	strict.do("POST", "/Users", body("unmapped.reject")).wantError(t, http.StatusBadRequest, "invalidValue")
	if dn := d.userDN(t, "unmapped.reject"); dn != "" {
		t.Errorf("refused create left %s", dn)
	}
}

// etagsTruthful: etag.supported is true exactly where a conditional write
// is atomic (the Assertion control: OpenLDAP here), and where it is false
// no version is shown and a specific If-Match cannot pass.
func (d *dirSuite) etagsTruthful(t *testing.T) {
	b := d.at(t)
	want := d.dir.Kind == testldap.OpenLDAP
	spc := b.do("GET", "/ServiceProviderConfig", "").want(t, http.StatusOK)
	if got := str(spc.body, "etag.supported") == "true"; got != want {
		t.Fatalf("etag.supported = %v on %s, want %v", got, d.dir.Kind, want)
	}
	id := d.create(t, "etag.user", "E", "Tag")
	r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	version := r.header.Get("ETag")
	if (version != "") != want || str(r.body, "meta.version") != version {
		t.Fatalf("ETag %q, meta.version %q on %s", version, str(r.body, "meta.version"), d.dir.Kind)
	}
	patch := `{` + patchOp + `,"Operations":[{"op":"replace","path":"displayName","value":"Conditional"}]}`
	if !want {
		b.do("PATCH", "/Users/"+id, patch, `If-Match: W/"1"`).wantError(t, http.StatusPreconditionFailed, "")
		b.do("PATCH", "/Users/"+id, patch, "If-Match: *").want(t, http.StatusOK)
		return
	}
	b.do("PATCH", "/Users/"+id, patch, "If-Match: "+version).want(t, http.StatusOK)
	b.do("PATCH", "/Users/"+id, patch, "If-Match: "+version).wantError(t, http.StatusPreconditionFailed, "")
}

// sorting: sortBy/sortOrder through Server Side Sorting, with paging in
// that order, on every directory.
func (d *dirSuite) sorting(t *testing.T) {
	b := d.at(t)
	if str(b.do("GET", "/ServiceProviderConfig", "").want(t, http.StatusOK).body, "sort.supported") != "true" {
		t.Fatalf("sort.supported is not true on %s, which advertises Server Side Sorting", d.dir.Kind)
	}
	// Created in an order that is neither ascending nor descending.
	names := []string{"sort.c", "sort.a", "sort.e", "sort.b", "sort.d"}
	families := map[string]string{"sort.c": "Zulu", "sort.a": "Mike", "sort.e": "Alpha", "sort.b": "Oscar", "sort.d": "Echo"}
	for _, n := range names {
		d.create(t, n, "S", families[n])
	}
	walk := func(query string) []string {
		var got []string
		for start := 1; start <= 5; start += 2 {
			r := b.do("GET", "/Users?filter="+urlEscape(`userName sw "sort."`)+"&"+query+"&startIndex="+itoa(start)+"&count=2", "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != "5" {
				t.Fatalf("%s: totalResults %s", query, str(r.body, "totalResults"))
			}
			for _, res := range asSlice(r.body["Resources"]) {
				got = append(got, str(res, "userName"))
			}
		}
		return got
	}
	for _, tt := range []struct {
		query string
		want  string
	}{
		{"sortBy=userName", "sort.a sort.b sort.c sort.d sort.e"},
		{"sortBy=userName&sortOrder=descending", "sort.e sort.d sort.c sort.b sort.a"},
		{"sortBy=name.familyName", "sort.e sort.d sort.a sort.b sort.c"},
		{"sortBy=urn:ietf:params:scim:schemas:core:2.0:User:name.familyName&sortOrder=Descending", "sort.c sort.b sort.a sort.d sort.e"},
	} {
		if got := strings.Join(walk(tt.query), " "); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.query, got, tt.want)
		}
	}
	b.do("GET", "/Users?sortBy=nickName", "").wantError(t, http.StatusBadRequest, "invalidValue")
	b.do("GET", "/Users?sortBy=userName&sortOrder=sideways", "").wantError(t, http.StatusBadRequest, "invalidValue")
}

// searchByPost: POST /.search answers as the GET on every directory.
func (d *dirSuite) searchByPost(t *testing.T) {
	b := d.at(t)
	id := d.create(t, "search.post", "Search", "Post")
	const req = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"search.post\"","attributes":["userName"]}`
	for _, path := range []string{"/Users/.search", "/.search"} {
		r := b.do("POST", path, req).want(t, http.StatusOK)
		if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != id || get(r.body, "Resources.0.name") != nil {
			t.Errorf("POST %s: %s", path, r.raw)
		}
	}
}
