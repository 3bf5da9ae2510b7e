package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestPreviewMatchesServer runs preview on a create, a PATCH, a rename and
// a deactivation, then sends the same request to the real server on a real
// OpenLDAP: the directory after the request must equal the directory
// before it with preview's LDIF applied (user attributes plus the
// deactivation's pwdAccountLockedTime; passwords are masked in the LDIF and
// checked by a bind instead). The cases run in order on one directory,
// each starting from what the previous one wrote.
func TestPreviewMatchesServer(t *testing.T) {
	dir := testldap.Start(t)
	listen := testldap.FreeAddr(t)
	cfgPath := writeConfig(t, dir.URL, listen)
	startBridge(t, cfgPath)
	base := "http://" + listen + "/scim/v2"
	var id string // of the user the create made

	cases := []struct {
		name     string
		mode     string // "empty": no --entries; "entries": the directory as LDIF; "live"
		request  func() string
		kinds    []string // changetypes preview must print, in order
		password string   // the user binds with it afterwards ("" = not checked)
		dn       string   // where the user is afterwards
	}{
		{name: "create", mode: "empty",
			request: func() string {
				return "POST /scim/v2/Users\n\n" + `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pre.view","name":{"givenName":"Pre","familyName":"View"},` +
					`"emails":[{"primary":true,"value":"pre.view@example.com","type":"work"}],"displayName":"Pre View","password":"Preview-Pw-1","active":true}`
			},
			kinds: []string{"add", "password"}, password: "Preview-Pw-1", dn: "uid=pre.view," + dir.PeopleDN},
		{name: "PATCH", mode: "entries",
			request: func() string {
				return "PATCH /Users/" + id + "\nContent-Type: application/scim+json\n\n" + `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
					`{"op":"replace","value":{"name.givenName":"Prudence","title":"Tester"}},{"op":"add","path":"phoneNumbers","value":[{"value":"+41 44 555 01 01","type":"work"}]}]}`
			},
			kinds: []string{"modify"}, dn: "uid=pre.view," + dir.PeopleDN},
		{name: "rename", mode: "live",
			request: func() string {
				return "PATCH /scim/v2/Users/" + id + "\n" + `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"pru.view"}]}`
			},
			kinds: []string{"modrdn"}, password: "Preview-Pw-1", dn: "uid=pru.view," + dir.PeopleDN},
		{name: "deactivation", mode: "entries",
			request: func() string {
				return "PATCH /scim/v2/Users/" + id + "\n\n" + `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
			},
			kinds: []string{"modify"}, dn: "uid=pru.view," + dir.PeopleDN},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := peopleState(t, dir)
			reqFile := filepath.Join(t.TempDir(), "request")
			if err := os.WriteFile(reqFile, []byte(tc.request()), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"preview", "--config", cfgPath}
			switch tc.mode {
			case "entries":
				args = append(args, "--entries", dumpLDIF(t, dir))
			case "live":
				args = append(args, "--live")
			}
			var out, errb bytes.Buffer
			if code := run(append(args, reqFile), &out, &errb); code != 0 {
				t.Fatalf("preview → %d\n%s%s", code, out.String(), errb.String())
			}
			t.Logf("preview:\n%s%s", out.String(), errb.String())
			ops := parseChanges(t, out.String())
			var kinds []string
			for _, op := range ops {
				kinds = append(kinds, op.kind)
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Fatalf("changetypes %v, want %v", kinds, tc.kinds)
			}
			if tc.password != "" && strings.Contains(out.String(), tc.password) {
				t.Fatal("preview printed the password")
			}
			if after := peopleState(t, dir); !equalState(after, before) {
				t.Fatal("preview wrote to the directory")
			}

			// Now the real server, with the same request.
			status, body := sendRaw(t, base, tc.request())
			if status >= 300 {
				t.Fatalf("server answered %d: %s", status, body)
			}
			if tc.name == "create" {
				var u struct{ ID string }
				_ = json.Unmarshal([]byte(body), &u)
				id = u.ID
			}
			want := applyChanges(t, before, ops)
			got := peopleState(t, dir)
			if !equalState(got, want) {
				t.Errorf("directory after the request differs from before + preview's LDIF:\n got %v\nwant %v", got, want)
			}
			if got[strings.ToLower(tc.dn)] == nil {
				t.Errorf("no entry %s afterwards", tc.dn)
			}
			if tc.password != "" {
				if err := dir.CanBind(tc.dn, tc.password); err != nil {
					t.Errorf("bind as %s with the previewed password: %v", tc.dn, err)
				}
			}
		})
	}
}

// TestPreviewRequestErrors: what is wrong with a request file is said, and
// a request the bridge refuses is reported with its SCIM detail, exit 1.
func TestPreviewRequestErrors(t *testing.T) {
	cfgPath := writeConfig(t, "ldap://127.0.0.1:1", "127.0.0.1:8080")
	for _, tc := range []struct {
		name, request string
		code          int
		want          string
	}{
		{"no method", "{}", 2, "write the method and the path"},
		{"empty", "", 2, "empty"},
		{"bad header", "POST /Users\nnot a header\n\n{}", 2, "write Name: value"},
		{"refused", "POST /Users\n\n" + `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, 1, "would answer 400"},
		{"unknown user", "DELETE /Users/5b1a0d52-0000-4000-8000-000000000000\n", 1, "would answer 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := previewCmd([]string{"--config", cfgPath}, strings.NewReader(tc.request), &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
				t.Errorf("→ %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out.String(), errb.String())
			}
		})
	}
}

// sendRaw sends a preview request file's request to the bridge.
func sendRaw(t *testing.T, base, raw string) (int, string) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n")
	method, path, _ := strings.Cut(head, " ")
	path = strings.TrimPrefix(path, "/scim/v2")
	if i := strings.Index(body, "{"); i >= 0 {
		body = body[i:]
	}
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+checkToken)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// state is the People subtree: lower-cased DN → lower-cased attribute →
// values, without passwords (masked in the LDIF; checked by binding).
type state map[string]map[string][]string

func peopleState(t *testing.T, dir *testldap.Server) state {
	t.Helper()
	out := state{}
	for dn, attrs := range dir.Search(t, dir.PeopleDN, "(objectClass=*)", "*", "pwdAccountLockedTime") {
		delete(attrs, "userpassword")
		out[strings.ToLower(dn)] = attrs
	}
	return out
}

func equalState(a, b state) bool {
	if len(a) != len(b) {
		return false
	}
	for dn, ea := range a {
		eb, ok := b[dn]
		if !ok || len(ea) != len(eb) {
			return false
		}
		for k, va := range ea {
			x, y := slices.Clone(va), slices.Clone(eb[k])
			sort.Strings(x)
			sort.Strings(y)
			if !slices.Equal(x, y) {
				return false
			}
		}
	}
	return true
}

// dumpLDIF writes the People subtree with operational attributes (the
// ids preview finds users by), as an admin would with ldapsearch.
func dumpLDIF(t *testing.T, dir *testldap.Server) string {
	t.Helper()
	var b strings.Builder
	for dn, attrs := range dir.Search(t, dir.PeopleDN, "(objectClass=*)", "*", "+") {
		b.WriteString("dn: " + dn + "\n")
		for k, vs := range attrs {
			for _, v := range vs {
				b.WriteString(k + ":: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n")
			}
		}
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "entries.ldif")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file must read back as the same entries.
	f, _ := os.Open(path)
	defer f.Close()
	if _, err := ldapstore.ParseLDIF(f); err != nil {
		t.Fatal(err)
	}
	return path
}

type change struct {
	kind, dn, newRDN string
	mods             []ldapstore.Change
	attrs            map[string][]string
}

// parseChanges reads preview's LDIF: change records, and the Password
// Modify comment block as kind "password".
func parseChanges(t *testing.T, ldif string) []change {
	t.Helper()
	var out []change
	for _, rec := range strings.Split(ldif, "\n\n") {
		if strings.Contains(rec, "# Password Modify extended operation") {
			out = append(out, change{kind: "password"})
			continue
		}
		var c *change
		var mod *ldapstore.Change
		for _, l := range strings.Split(rec, "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			if l == "-" {
				c.mods = append(c.mods, *mod)
				mod = nil
				continue
			}
			name, value, ok := strings.Cut(l, ":")
			if !ok {
				t.Fatalf("LDIF line %q", l)
			}
			if strings.HasPrefix(value, ":") {
				raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value[1:]))
				if err != nil {
					t.Fatal(err)
				}
				value = string(raw)
			} else {
				value = strings.TrimPrefix(value, " ")
			}
			switch {
			case name == "dn" && c == nil:
				c = &change{dn: value, attrs: map[string][]string{}}
			case name == "changetype":
				c.kind = value
			case c.kind == "modrdn" && name == "newrdn":
				c.newRDN = value
			case c.kind == "modrdn":
			case c.kind == "modify" && mod == nil:
				op := map[string]ldapstore.ChangeOp{"add": ldapstore.ChangeAdd, "delete": ldapstore.ChangeDelete, "replace": ldapstore.ChangeReplace}[name]
				mod = &ldapstore.Change{Op: op, Attr: strings.ToLower(value)}
			case c.kind == "modify":
				mod.Values = append(mod.Values, value)
			default:
				c.attrs[strings.ToLower(name)] = append(c.attrs[strings.ToLower(name)], value)
			}
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// applyChanges is what an LDAP server does with the records.
func applyChanges(t *testing.T, s state, ops []change) state {
	t.Helper()
	out := state{}
	for dn, e := range s {
		c := map[string][]string{}
		for k, v := range e {
			c[k] = slices.Clone(v)
		}
		out[dn] = c
	}
	for _, op := range ops {
		dn := strings.ToLower(op.dn)
		switch op.kind {
		case "add":
			delete(op.attrs, "userpassword")
			out[dn] = op.attrs
		case "delete":
			delete(out, dn)
		case "modify":
			e := out[dn]
			if e == nil {
				t.Fatalf("modify of %s, which does not exist", op.dn)
			}
			for _, m := range op.mods {
				if m.Attr == "userpassword" {
					continue
				}
				switch m.Op {
				case ldapstore.ChangeReplace:
					e[m.Attr] = m.Values
				case ldapstore.ChangeAdd:
					e[m.Attr] = append(e[m.Attr], m.Values...)
				case ldapstore.ChangeDelete:
					if len(m.Values) == 0 {
						e[m.Attr] = nil
					}
					e[m.Attr] = slices.DeleteFunc(e[m.Attr], func(v string) bool { return slices.Contains(m.Values, v) })
				}
				if len(e[m.Attr]) == 0 {
					delete(e, m.Attr)
				}
			}
		case "modrdn":
			e := out[dn]
			oldAttr, oldValue, _ := ldapstore.RDNValue(op.dn)
			newAttr, newValue, _ := ldapstore.RDNValue(op.newRDN)
			k := strings.ToLower(oldAttr)
			e[k] = slices.DeleteFunc(e[k], func(v string) bool { return strings.EqualFold(v, oldValue) })
			e[strings.ToLower(newAttr)] = append(e[strings.ToLower(newAttr)], newValue)
			parent, _ := ldapstore.ParentDN(op.dn)
			delete(out, dn)
			out[strings.ToLower(op.newRDN+","+parent)] = e
		}
	}
	return out
}

// TestPreviewExamples: the request files in examples/preview work offline
// with examples/openldap.yaml, as the README shows.
func TestPreviewExamples(t *testing.T) {
	for _, tc := range []struct {
		file  string
		code  int
		want  []string
		never []string
	}{
		{"okta-create.txt", 0, []string{"201 Created", "changetype: add", "uid: test.user@okta.local", "# newPassword: ********"}, []string{"1mz050nq"}},
		{"agent-create-v1.txt", 0, []string{"POST /scim/v1/Users -> 201", "changetype: add", "mobile: 123-444-5555"}, []string{"verySecure"}},
		// Offline and without --entries the user does not exist.
		{"entra-deactivate.txt", 1, []string{"-> 404", "# no LDAP writes", "would answer 404"}, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"preview", "--config", "../../examples/openldap.yaml", "../../examples/preview/" + tc.file}, &out, &errb)
			all := out.String() + errb.String()
			if code != tc.code {
				t.Errorf("→ %d, want %d\n%s", code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in\n%s", w, all)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(all, n) {
					t.Errorf("%q in\n%s", n, all)
				}
			}
		})
	}
}
